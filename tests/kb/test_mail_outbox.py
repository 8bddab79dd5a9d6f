"""The e-mail outbox: a mail server that is down delays e-mails, never loses them, and the
retry sends each one once."""

import datetime
import logging
import re
import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from kb import mail as outbox
from kb.models import OutgoingEmail
from questions.models import Question
from tests.accounts.test_accounts import SIGNUP
from tests.questions.test_asking import check_then_confirm, form_data
from validation.freshness import run_daily

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class MailServerDown(BaseEmailBackend):
    """The SMTP server refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def server_down(settings):
    settings.EMAIL_BACKEND = "kb.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "tests.kb.test_mail_outbox.MailServerDown"
    return settings


@pytest.fixture
def clock(monkeypatch):
    """Moves the site's clock forward: `clock(minutes=3)`."""
    now = timezone.now()

    def advance(**delta):
        nonlocal now
        now += datetime.timedelta(**delta)
        monkeypatch.setattr(timezone, "now", lambda: now)

    return advance


def send_queued_email(capsys):
    call_command("send_queued_email")
    return capsys.readouterr().out.strip()


def test_a_question_sent_while_the_mail_server_is_down_is_kept_and_mailed_once_later(
    client, operator, coordinator, server_down, clock, capsys, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        _, response = check_then_confirm(client, form_data())

    question = Question.objects.get()
    assert response["Location"] == f"/quesiti/{question.pk}/"
    assert "Quesito inviato" in client.get(response["Location"]).content.decode()
    assert mail.outbox == []
    email = OutgoingEmail.objects.get(to=[coordinator.email])
    assert email.sent_at is None and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error

    server_down.EMAIL_DELIVERY_BACKEND = LOCMEM
    # Tried a moment ago: its turn comes after a pause.
    assert send_queued_email(capsys) == "0 e-mail inviate, 1 ancora in attesa."
    clock(minutes=3)
    assert send_queued_email(capsys) == "1 e-mail inviate, 0 ancora in attesa."
    [sent] = mail.outbox
    assert sent.to == [coordinator.email]
    assert "Nuovo quesito" in sent.subject
    assert f"/admin/quesiti/{question.pk}/" in sent.body
    assert sent.alternatives[0].mimetype == "text/html"

    clock(minutes=30)
    assert send_queued_email(capsys) == "0 e-mail inviate, 0 ancora in attesa."
    assert len(mail.outbox) == 1


def test_the_signup_confirmation_survives_the_mail_server_being_down(
    client, home, server_down, clock, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/signup/", SIGNUP)
    assert response["Location"] == "/account/confirm-email/"
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(to=[SIGNUP["email"]]).attempts == 1

    server_down.EMAIL_DELIVERY_BACKEND = LOCMEM
    clock(minutes=3)
    send_queued_email(capsys)
    [confirmation] = mail.outbox
    link = re.search(r"http://testserver(/account/confirm-email/\S+/)", confirmation.body)
    assert client.post(link.group(1)).status_code == 302
    user = User.objects.get(email=SIGNUP["email"])
    assert EmailAddress.objects.get(user=user).verified


def test_an_email_is_stored_with_the_action_and_delivered_once(settings, db):
    settings.EMAIL_BACKEND = "kb.mail.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    # Inside the test's transaction: nothing goes before it commits.
    mail.send_mail("Prova", "Testo", None, ["a@example.org"])
    assert mail.outbox == [] and OutgoingEmail.objects.get().sent_at is None
    ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    assert outbox.deliver(ids) == 1
    assert outbox.deliver(ids) == 0
    assert [m.subject for m in mail.outbox] == ["Prova"]


def test_a_failed_round_stops_at_the_first_failure_and_keeps_the_others_waiting(
    server_down, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mass_mail(
            [("Uno", "Testo", None, ["a@example.org"]), ("Due", "Testo", None, ["b@example.org"])]
        )
    first, second = OutgoingEmail.objects.order_by("pk")
    assert (first.attempts, second.attempts) == (1, 0)
    assert second.sent_at is None and second.next_attempt_at is None


def test_after_ten_failures_the_email_is_abandoned_with_an_error_in_the_log(
    server_down, db, clock, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Promemoria", "Testo", None, ["esperto@example.org"])
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        clock(hours=7)
        outbox.retry_outgoing_email()
    email = OutgoingEmail.objects.get()
    assert email.attempts == outbox.MAX_ATTEMPTS and email.sent_at is None
    [abandoned] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"e-mail {email.pk} abandoned after 10 attempts" in abandoned.getMessage()

    clock(hours=7)
    assert outbox.retry_outgoing_email() == (0, 0)
    assert OutgoingEmail.objects.get().attempts == outbox.MAX_ATTEMPTS


def test_the_daily_job_sends_what_waits_and_forgets_sent_email_after_a_week(
    server_down, taxonomy, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Inviata", "Testo", None, ["a@example.org"])
    server_down.EMAIL_DELIVERY_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        mail.send_mail("Consegnata subito", "Testo", None, ["b@example.org"])
    clock(hours=1)
    run_daily()
    assert sorted(m.subject for m in mail.outbox) == ["Consegnata subito", "Inviata"]
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()

    clock(days=outbox.KEEP_SENT_DAYS - 1)
    run_daily()
    assert OutgoingEmail.objects.count() == 2
    clock(days=2)
    run_daily()
    assert not OutgoingEmail.objects.exists()
    assert len(mail.outbox) == 2


def test_what_the_outbox_could_not_keep_is_refused_not_lost(settings, db):
    settings.EMAIL_BACKEND = "kb.mail.OutboxBackend"
    message = mail.EmailMessage("Verbale", "In allegato.", None, ["a@example.org"])
    message.attach("verbale.txt", "testo", "text/plain")
    with pytest.raises(ValueError, match="cannot keep this message: Verbale"):
        message.send()
    assert not OutgoingEmail.objects.exists()
