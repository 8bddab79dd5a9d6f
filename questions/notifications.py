"""E-mails about questions (Italian, text + HTML), kept in the outbox with the action that
sends them (kb/mail.py)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import COORDINATOR


def _absolute(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send(recipients, subject, lines, link, link_label):
    """One e-mail per recipient. The outbox stores them in the caller's transaction and
    delivers them after commit: a rolled-back action sends nothing, and a mail server that
    is down delays the e-mail without undoing the action."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    context = {"lines": lines, "link": _absolute(link), "link_label": link_label}
    text = render_to_string("questions/email/notification.txt", context)
    html = render_to_string("questions/email/notification.html", context)
    messages = []
    for recipient in recipients:
        message = EmailMultiAlternatives(
            f"[Quesiti] {subject}", text, settings.DEFAULT_FROM_EMAIL, [recipient]
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    get_connection().send_messages(messages)


def coordinator_emails():
    from accounts.models import User

    return User.objects.filter(groups__name=COORDINATOR, is_active=True).values_list(
        "email", flat=True
    )


def _triage_link(question):
    return reverse("questions_admin:triage", args=[question.pk])


def question_submitted(question):
    lines = [
        _("Nuovo quesito da %(org)s: «%(title)s».")
        % {"org": question.organisation or question.asker, "title": question.title}
    ]
    subject = _("Nuovo quesito")
    if question.has_personal_data:
        lines.append(_("Attenzione: il testo potrebbe contenere dati personali da rimuovere."))
        subject = _("Nuovo quesito con possibili dati personali")
    send(coordinator_emails(), subject, lines, _triage_link(question), _("Apri il quesito"))


def operator_replied(question):
    send(
        coordinator_emails(),
        _("Nuovo messaggio sul quesito"),
        [_("Nuovo messaggio sul quesito «%(title)s».") % {"title": question.title}],
        _triage_link(question),
        _("Apri il quesito"),
    )


def status_changed(question, note=""):
    lines = [
        _("Il tuo quesito «%(title)s» è ora: %(status)s.")
        % {"title": question.title, "status": question.get_status_display()}
    ]
    if note:
        lines.append(note)
    followers = question.followers.values_list("email", flat=True)
    send(
        [question.asker and question.asker.email, *followers],
        _("Aggiornamento sul quesito"),
        lines,
        question.get_absolute_url(),
        _("Vedi il quesito"),
    )


def account_approved(user):
    send(
        [user.email],
        _("Account abilitato"),
        [_("Il coordinamento ha abilitato il tuo account: ora puoi inviare quesiti.")],
        reverse("questions:ask"),
        _("Fai una domanda"),
    )


def operator_signed_up(user):
    send(
        coordinator_emails(),
        _("Nuovo operatore da abilitare"),
        [
            _("%(email)s (%(org)s) chiede di essere abilitato.")
            % {"email": user.email, "org": user.organisation}
        ],
        reverse("questions_admin:operators"),
        _("Operatori da abilitare"),
    )
