"""Every e-mail the site sends goes through an outbox table: stored in the transaction of the
action that sends it, delivered once that transaction has committed, and tried again until
the mail server takes it. A rolled-back action sends nothing; a mail server that is down
loses nothing."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

# Waits between attempts double from 2 minutes up to 6 hours: about 15 hours in all.
MAX_ATTEMPTS = 10
MAX_DELAY_MINUTES = 360
# E-mails carry names and addresses: forgotten this many days after they were sent.
KEEP_SENT_DAYS = 7


class OutboxBackend(BaseEmailBackend):
    """EMAIL_BACKEND: keeps each message in the outbox; EMAIL_DELIVERY_BACKEND delivers it."""

    def send_messages(self, email_messages):
        ids = [_store(message).pk for message in email_messages]
        # Outside a transaction this runs at once.
        transaction.on_commit(lambda: deliver(ids))
        return len(ids)


def _store(message):
    """The row of `message`. The site sends recipients, subject, text, an HTML version and
    headers; anything else would be lost on the way, so it is refused."""
    alternatives = getattr(message, "alternatives", [])
    html = [content for content, mimetype in alternatives if mimetype == "text/html"]
    lost = message.cc or message.bcc or message.reply_to or message.attachments
    if lost or message.content_subtype != "plain" or len(alternatives) > len(html) or len(html) > 1:
        raise ValueError(f"The e-mail outbox cannot keep this message: {message.subject}")
    return OutgoingEmail.objects.create(
        from_email=message.from_email,
        to=list(message.to),
        subject=str(message.subject),
        body=str(message.body),
        html=html[0] if html else "",
        headers=dict(message.extra_headers),
    )


def _message(email):
    message = EmailMultiAlternatives(
        email.subject, email.body, email.from_email, email.to, headers=email.headers
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def deliver(ids):
    """Send the stored e-mails `ids` that are still unsent; returns how many went. The first
    failure stops the round (the server is most likely down: the others would each wait for
    its timeout) and is kept on the row for the retry."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    sent = 0
    for pk in ids:
        with transaction.atomic():
            # Locked while it is sent, and skipped by a delivery running at the same time
            # (the request's and the retry command's): each e-mail goes out once.
            email = (
                OutgoingEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if email is None:
                continue
            try:
                connection.send_messages([_message(email)])
            except Exception as error:  # any transport error: the row keeps it for the retry
                _record_failure(email, error)
                return sent
            email.sent_at = timezone.now()
            email.save(update_fields=["sent_at"])
            sent += 1
    return sent


def _record_failure(email, error):
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:1000]
    delay = min(2**email.attempts, MAX_DELAY_MINUTES)
    email.next_attempt_at = timezone.now() + datetime.timedelta(minutes=delay)
    email.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    if email.attempts >= MAX_ATTEMPTS:
        logger.error(
            "e-mail %s abandoned after %d attempts: %s", email.pk, email.attempts, email.last_error
        )
    else:
        logger.warning(
            "e-mail %s not sent (attempt %d), tried again in %d minutes: %s",
            email.pk,
            email.attempts,
            delay,
            email.last_error,
        )


def retry_outgoing_email():
    """Send the waiting e-mails whose turn has come, and forget those sent (or abandoned)
    more than KEEP_SENT_DAYS ago. Run every few minutes (`send_queued_email`) and by the
    daily job. Returns (sent, still waiting)."""
    now = timezone.now()
    old = now - datetime.timedelta(days=KEEP_SENT_DAYS)
    OutgoingEmail.objects.filter(
        Q(sent_at__lt=old) | Q(attempts__gte=MAX_ATTEMPTS, created_at__lt=old)
    ).delete()
    waiting = OutgoingEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    due = waiting.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    sent = deliver(list(due.order_by("pk").values_list("pk", flat=True)))
    left = waiting.count()
    if left:
        logger.warning("%d e-mails waiting for the mail server", left)
    return sent, left
