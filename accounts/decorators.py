from functools import wraps

from django.http import HttpResponseForbidden
from django.utils.translation import gettext as _

from .roles import has_any_role


def forbidden():
    # Wagtail turns PermissionDenied into a redirect; a refused request answers 403 here.
    return HttpResponseForbidden(_("Non hai i permessi per questa azione."))


def roles_required(*roles):
    """Views for superusers and the given roles only; anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_any_role(request.user, roles):
                return forbidden()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
