"""The daily job: entries due for re-validation, amended laws, SLA reminders, old messages."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kb.caching import invalidate

from . import audit, notifications
from .models import Authority


@dataclass
class DailyReport:
    flagged: list = field(default_factory=list)
    reminded_authorities: int = 0
    purged_messages: int = 0


def _flag(entry, reason):
    from kb.models import EntryPage

    # Only the flag changes: the live content and the draft stay as they are.
    EntryPage.objects.filter(pk=entry.pk).update(
        needs_revalidation=True, revalidation_reason=reason[:255]
    )
    audit.record(entry, None, "revalidation_due", note=reason)
    invalidate()


@transaction.atomic
def flag_due_entries(today=None):
    """Mark as "da rivalidare" every live entry whose review date has passed."""
    from kb.models import EntryPage

    today = today or timezone.localdate()
    due = EntryPage.objects.live().filter(review_due__lt=today, needs_revalidation=False)
    flagged = []
    for entry in due.select_related("authority"):
        _flag(
            entry,
            _("Data di revisione superata il %(date)s")
            % {"date": entry.review_due.strftime("%d/%m/%Y")},
        )
        flagged.append(entry)
    return flagged


@transaction.atomic
def flag_entries_citing(act, remind=False):
    """Flag live entries citing `act` that were validated before it was amended."""
    from kb.models import EntryPage

    entries = (
        EntryPage.objects.live()
        .filter(legal_references__act=act, needs_revalidation=False)
        .filter(Q(validated_at__lt=act.amended_on) | Q(validated_at__isnull=True))
        .select_related("authority")
        .distinct()
    )
    reason = _("Norma modificata: %(act)s il %(date)s") % {
        "act": act.name,
        "date": act.amended_on.strftime("%d/%m/%Y"),
    }
    if act.amendment_note:
        reason = f"{reason} ({act.amendment_note})"
    flagged = list(entries)
    for entry in flagged:
        _flag(entry, reason)
    if remind:
        today = timezone.localdate()
        for authority in {entry.authority for entry in flagged}:
            notifications.reminders(
                authority, _reminder_lines(authority, today), reverse("wagtailadmin_home")
            )
    return flagged


def _reminder_lines(authority, today):
    from kb.models import EntryPage
    from questions.models import Question

    lines = []
    tomorrow = today + datetime.timedelta(days=1)
    for question in Question.objects.filter(
        authority=authority,
        status__in=[Question.Status.ROUTED, Question.Status.IN_VALIDATION],
        due_on__in=[today, tomorrow],
    ):
        when = _("oggi") if question.due_on == today else _("domani")
        lines.append(
            _("Scade %(when)s la validazione di «%(title)s».")
            % {"when": when, "title": question.title}
        )
    for entry in EntryPage.objects.live().filter(
        Q(authority=authority) | Q(joint_authority=authority), needs_revalidation=True
    ):
        lines.append(
            _("Da rivalidare: «%(title)s» — %(reason)s.")
            % {"title": entry.title, "reason": entry.revalidation_reason}
        )
    return lines


def run_daily(today=None):
    """Flag due entries, remind each authority's experts of what waits for them, and delete
    the messages older than the retention period."""
    today = today or timezone.localdate()
    from kb.mail import retry_outgoing_email
    from kb.models import LegalAct
    from questions.services import purge_old_messages

    report = DailyReport(flagged=flag_due_entries(today))
    for act in LegalAct.objects.filter(amended_on__isnull=False):
        report.flagged += flag_entries_citing(act)
    for authority in Authority.objects.all():
        lines = _reminder_lines(authority, today)
        if lines:
            notifications.reminders(authority, lines, reverse("wagtailadmin_home"))
            report.reminded_authorities += 1
    report.purged_messages = purge_old_messages(today)
    # E-mails still waiting for the mail server go again; those sent long ago are forgotten.
    retry_outgoing_email()
    return report
