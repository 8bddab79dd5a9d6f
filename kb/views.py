from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import roles_required
from accounts.roles import EDITOR

from . import feedback
from .models import EntryPage, Feedback, GlossaryTerm


def healthz(request):
    """Liveness probe, and the benchmark's baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


def login_elsewhere(request):
    """The admin login pages send people to the one login, keeping where they were going."""
    url = reverse("account_login")
    if next_url := request.GET.get("next"):
        url += "?" + urlencode({"next": next_url})
    return redirect(url)


def glossary(request):
    return render(request, "kb/glossary.html", {"terms": GlossaryTerm.objects.all()})


# The entry page is cached for anonymous readers, so its form cannot carry a per-visitor
# CSRF token; the feedback needs no account, is rate-limited and changes nothing else.
@csrf_exempt
@require_POST
def entry_feedback(request, pk):
    # `id`, not `pk` (the parent link): an id out of range is then "not found", not an error.
    entry = get_object_or_404(EntryPage.objects.visible_to(request.user), id=pk)
    choice = request.POST.get("utile")
    if choice not in ("si", "no"):
        messages.error(request, _("Indica se la risposta ti è stata utile."))
        return redirect(entry.url)
    try:
        feedback.record(request, entry, choice == "si", request.POST.get("commento", ""))
    except feedback.FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Grazie del riscontro!"))
    return redirect(f"{entry.url}#riscontro")


@roles_required(EDITOR)
def feedback_report(request):
    return render(
        request,
        "kb/admin/feedback_report.html",
        {
            "page_title": _("Riscontri dei lettori"),
            "header_icon": "comment",
            "entries": feedback.report()[:100],
            "comments": Feedback.objects.exclude(comment="")
            .select_related("entry", "question")
            .order_by("-created_at")[:100],
        },
    )


@require_POST
@roles_required(EDITOR)
def feedback_to_question(request, pk):
    item = get_object_or_404(Feedback, pk=pk)
    try:
        question = feedback.to_question(item, request.user)
    except feedback.FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Creato il quesito «%(title)s» per il coordinamento.") % {"title": question}
        )
    return redirect("kb_feedback_report")
