from django.shortcuts import render

from .models import GlossaryTerm


def glossary(request):
    return render(request, "kb/glossary.html", {"terms": GlossaryTerm.objects.all()})
