"""E-mails of the validation room; sent after commit through the one notification helper."""

from django.urls import reverse
from django.utils.translation import gettext as _

from questions.notifications import coordinator_emails, send


def _edit_link(entry):
    return reverse("wagtailadmin_pages:edit", args=[entry.pk])


def validation_requested(entry, authorities):
    for authority in authorities:
        send(
            list(authority.experts().values_list("email", flat=True)),
            _("Risposta da validare per il tuo ente"),
            [
                _("La voce «%(title)s» attende la validazione di %(authority)s.")
                % {"title": entry.title, "authority": authority.name}
            ],
            _edit_link(entry),
            _("Apri la voce"),
        )


def changes_requested(entry, state, comment):
    requester = state.workflow_state.requested_by
    send(
        [requester.email if requester else None, *coordinator_emails()],
        _("Modifiche richieste alla risposta"),
        [
            _("L'ente competente chiede modifiche alla voce «%(title)s».") % {"title": entry.title},
            comment,
        ],
        _edit_link(entry),
        _("Apri la voce"),
    )


def returned_to_triage(question, authority, reason):
    send(
        coordinator_emails(),
        _("Quesito da instradare di nuovo"),
        [
            _("%(authority)s segnala che il quesito «%(title)s» non è di sua competenza.")
            % {"authority": authority.name, "title": question.title},
            reason,
        ],
        reverse("questions_admin:triage", args=[question.pk]),
        _("Apri il quesito"),
    )


def reminders(authority, lines, link):
    send(
        list(authority.experts().values_list("email", flat=True)),
        _("Promemoria: validazioni in scadenza"),
        lines,
        link,
        _("Apri la bacheca"),
    )
