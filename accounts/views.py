import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .personal_data import delete_account, may_delete_own_account, personal_data
from .services import AccountError


def _page(request, error="", status=200):
    return render(
        request,
        "accounts/my_data.html",
        {
            "data": personal_data(request.user),
            "may_delete": may_delete_own_account(request.user),
            "retention_days": settings.MESSAGE_RETENTION_DAYS,
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
def my_data(request):
    return _page(request)


@never_cache
@login_required
def download(request):
    content = json.dumps(personal_data(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quesiti-i-miei-dati.json"'
    return response


@never_cache
@login_required
@require_POST
def delete(request):
    try:
        delete_account(request.user, request.POST.get("password", ""))
    except AccountError as error:
        return _page(request, error=str(error), status=400)
    logout(request)
    messages.success(
        request,
        _(
            "Il tuo account è stato eliminato. I quesiti che hai inviato restano nella base "
            "di conoscenza senza il tuo nome."
        ),
    )
    return redirect("wagtail_serve", "")
