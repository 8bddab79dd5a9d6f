"""Reports for coordinators: validation times per authority, entries due for re-validation."""

import datetime
import statistics

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import roles_required
from accounts.roles import COORDINATOR
from questions.models import Question

from .models import Authority

S = Question.Status
WINDOW_DAYS = 90


def sla_figures(today=None):
    """Per authority: open items, overdue items, median days from routing to validation over
    the last 90 days (None when nothing was validated)."""
    today = today or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=WINDOW_DAYS)
    open_questions = Question.objects.filter(status__in=[S.ROUTED, S.IN_VALIDATION])
    answered = Question.objects.filter(
        answered_at__gte=since, routed_at__isnull=False, authority__isnull=False
    ).values_list("authority_id", "routed_at", "answered_at")
    durations = {}
    for authority_id, routed_at, answered_at in answered:
        durations.setdefault(authority_id, []).append((answered_at - routed_at).total_seconds())
    rows = []
    for authority in Authority.objects.all():
        mine = open_questions.filter(authority=authority)
        days = durations.get(authority.pk)
        rows.append(
            {
                "authority": authority,
                "open": mine.count(),
                "overdue": mine.filter(due_on__lt=today).count(),
                "median_days": round(statistics.median(days) / 86400, 1) if days else None,
                "validated": len(days or []),
            }
        )
    return rows


@roles_required(COORDINATOR)
def sla_report(request):
    today = timezone.localdate()
    overdue = (
        Question.objects.filter(status__in=[S.ROUTED, S.IN_VALIDATION], due_on__lt=today)
        .select_related("authority", "topic")
        .order_by("due_on")
    )
    return render(
        request,
        "validation/admin/sla_report.html",
        {
            "page_title": _("Tempi di validazione"),
            "header_icon": "time",
            "rows": sla_figures(today),
            "overdue": overdue,
            "window": WINDOW_DAYS,
        },
    )


@roles_required(COORDINATOR)
def revalidation_list(request):
    from kb.models import EntryPage

    entries = (
        EntryPage.objects.live()
        .filter(needs_revalidation=True)
        .select_related("authority")
        .order_by("review_due")
    )
    return render(
        request,
        "validation/admin/revalidation.html",
        {"page_title": _("Voci da rivalidare"), "header_icon": "warning", "entries": entries},
    )
