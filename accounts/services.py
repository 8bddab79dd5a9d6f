from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from validation import audit

from .roles import OPERATOR


class AccountError(Exception):
    pass


def pending_operators():
    """Signed-up operators waiting for a coordinator's approval."""
    return (
        get_user_model()
        .objects.filter(organisation__isnull=False, is_staff=False, is_active=True)
        .filter(groups__isnull=True)
        .select_related("organisation")
        .order_by("date_joined")
    )


def is_pending_operator(user):
    """Signed up with an organisation, not yet approved by a coordinator."""
    return user.is_authenticated and pending_operators().filter(pk=user.pk).exists()


@transaction.atomic
def approve_operator(user, coordinator):
    from questions import notifications
    from questions.services import is_coordinator

    if not is_coordinator(coordinator):
        raise AccountError(_("Solo il coordinamento abilita gli operatori."))
    if not pending_operators().filter(pk=user.pk).exists():
        raise AccountError(_("Questo account non è in attesa di abilitazione."))
    user.groups.add(Group.objects.get(name=OPERATOR))
    audit.record(user, coordinator, "approved", "pending", "approved")
    notifications.account_approved(user)


@transaction.atomic
def enrol_authenticator(user, secret):
    """Give `user` an authenticator app with `secret`, and recovery codes (demo data, tests)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
