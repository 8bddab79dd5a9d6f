"""An operator's own data (GDPR): download it, delete the account."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from validation.models import AuditEvent

from .roles import ADMIN_ROLES, has_any_role, has_mfa
from .services import AccountError


def personal_data(user):
    """Everything kept about `user` that they may see, JSON-serialisable (dates in ISO).

    Readers' feedback and search logs are anonymous (never linked to an account), so they
    are not in it; internal notes of the coordination desk are not theirs to see.
    """
    from questions import services as questions

    organisation = user.organisation
    return {
        "generated_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": (
                {
                    "name": organisation.name,
                    "kind": organisation.get_kind_display(),
                    "municipality": organisation.municipality,
                }
                if organisation
                else None
            ),
            "office": user.office,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "authenticator_app": has_mfa(user),
        },
        **questions.personal_data(user),
    }


def may_delete_own_account(user):
    # Staff accounts sign validations and triage: an administrator removes them.
    return user.is_authenticated and not has_any_role(user, ADMIN_ROLES)


@transaction.atomic
def delete_account(user, password):
    """Delete `user`, who confirms with their current password.

    Their questions stay for the knowledge base and the statistics, without an asker
    (Question.asker is SET_NULL); so do their messages, without an author, until the
    retention period ends. The organisation and municipality of a question stay: they name
    an office and a territory, not the person. Follows, e-mail addresses and authenticators
    go with the user; the audit events they made stay without an actor.
    """
    if not may_delete_own_account(user):
        raise AccountError(
            _(
                "Il tuo account ha un ruolo nel coordinamento, negli enti o nella redazione: "
                "per eliminarlo chiedi a un amministratore."
            )
        )
    if not user.check_password(password or ""):
        raise AccountError(_("La password non è corretta: l'account non è stato eliminato."))
    # The account's own history (signup approval) has no meaning without it.
    AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=user.pk
    ).delete()
    user.delete()
