from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .roles import has_mfa, requires_mfa

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class AdminRequiresMFAMiddleware:
    """Staff without an authenticator app are sent to set one up before any admin page.

    allauth then asks for the code at every login; the admin login forms, which would skip
    that step, are replaced by allauth's (kb/urls.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if request.path.startswith(ADMIN_PREFIXES) and requires_mfa(user) and not has_mfa(user):
            messages.warning(
                request,
                _(
                    "Per usare l'area riservata attiva l'autenticazione a due fattori "
                    "con un'app di autenticazione."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
