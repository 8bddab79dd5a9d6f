"""The rules of the "Validazione" workflow: who validates an entry, and what each action does.

Wagtail's own workflow engine runs it; AuthorityValidationTask delegates here.
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import TaskState
from wagtail.signals import task_submitted

from . import audit, notifications
from .models import Authority, AuthorityTaskState, ValidationStamp

IN_PROGRESS = TaskState.STATUS_IN_PROGRESS


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def authorities_of(user):
    return Authority.objects.filter(experts_group__in=user.groups.all())


def _entry_class():
    from kb.models import EntryPage

    return EntryPage


def _current_state(obj):
    state = getattr(obj, "current_workflow_task_state", None)
    if state is None:
        return None
    state = state.specific
    return state if isinstance(state, AuthorityTaskState) else None


def pending_authorities(state):
    """Required authorities that have not stamped this task state yet."""
    stamped = set(state.stamps.values_list("authority_id", flat=True))
    return [a for a in state.required_authorities() if a.pk not in stamped]


def authorities_to_stamp(state, user):
    """The pending authorities `user` may validate for (a superuser: any of them)."""
    pending = pending_authorities(state)
    if user.is_superuser:
        return pending
    mine = set(authorities_of(user).values_list("pk", flat=True))
    return [a for a in pending if a.pk in mine]


def may_validate(obj, user):
    state = _current_state(obj)
    return bool(state and state.status == IN_PROGRESS and authorities_to_stamp(state, user))


def task_states_for(user):
    """In-progress validations waiting for `user`'s authority, as plain TaskStates."""
    states = AuthorityTaskState.objects.filter(status=IN_PROGRESS)
    if not user.is_superuser:
        mine = authorities_of(user)
        states = states.filter(Q(authority__in=mine) | Q(joint_authority__in=mine))
    return TaskState.objects.filter(pk__in=states.values("pk"))


def start_task(task, workflow_state, user):
    draft = workflow_state.content_object.get_latest_revision_as_object()
    revision = workflow_state.content_object.get_latest_revision()
    if not isinstance(draft, _entry_class()):
        # Guides and other pages are not validated by an authority: they pass at once.
        return AuthorityTaskState.objects.create(
            workflow_state=workflow_state,
            task=task,
            revision=revision,
            status=TaskState.STATUS_APPROVED,
            finished_at=timezone.now(),
            finished_by=user,
        )
    state = AuthorityTaskState.objects.create(
        workflow_state=workflow_state,
        task=task,
        revision=revision,
        status=IN_PROGRESS,
        authority=draft.authority,
        joint_authority=draft.joint_authority,
    )
    task_submitted.send(sender=AuthorityTaskState, instance=state, user=user)
    audit.record(draft, user, "submitted_for_validation", note=draft.authority.name)
    _questions().validation_started(draft, user)
    notifications.validation_requested(draft, state.required_authorities())
    return state


def actions_for(task, obj, user):
    if not may_validate(obj, user):
        return []
    return [
        ("approve", _("Valida e pubblica"), True),
        ("reject", _("Richiedi modifiche"), True),
        ("not_competent", _("Non di nostra competenza"), True),
    ]


def _questions():
    from questions import services

    return services


@transaction.atomic
def perform(task_state, user, action_name, comment="", review_months=None, **kwargs):
    # Locking the task state makes two experts acting at once take turns: the second one
    # then finds it finished and is refused.
    state = AuthorityTaskState.objects.select_for_update().get(pk=task_state.pk)
    if state.status != IN_PROGRESS:
        raise PermissionDenied(_("Questa validazione è già stata conclusa."))
    authorities = authorities_to_stamp(state, user)
    if not authorities:
        raise PermissionDenied(_("Non sei esperto dell'ente competente per questa voce."))
    entry = state.workflow_state.content_object.specific
    if action_name == "approve":
        return approve(state, entry, user, authorities[0], comment, review_months)
    if action_name == "reject":
        state.reject(user=user, comment=comment)
        audit.record(entry, user, "changes_requested", note=comment)
        _questions().changes_requested(entry, user)
        notifications.changes_requested(entry, state, comment)
        return None
    if action_name == "not_competent":
        if not comment.strip():
            raise PermissionDenied(_("Indica il motivo."))
        state.workflow_state.cancel(user=user)
        audit.record(entry, user, "not_competent", note=comment)
        _questions().returned_by_authority(entry, user, authorities[0], comment)
        return None
    raise PermissionDenied


def approve(state, entry, user, authority, note, review_months):
    today = timezone.localdate()
    months = review_months or authority.review_months
    ValidationStamp.objects.create(
        entry=entry,
        revision=state.revision,
        task_state=state,
        authority=authority,
        validated_by=user,
        office=user.office or authority.name,
        validated_on=today,
        review_months=months,
        note=note,
    )
    audit.record(entry, user, "validated", note=f"{authority.name}. {note}".strip())
    waiting = pending_authorities(state)
    if waiting:
        notifications.validation_requested(entry, waiting)
        return None
    # Every authority has stamped: the validation stamp goes into the revision Wagtail
    # is about to publish (the latest one), so the live page and its history carry it.
    shortest = min(state.stamps.values_list("review_months", flat=True))
    revision = entry.get_latest_revision()
    revision.content.update(
        validated_at=today.isoformat(),
        review_due=add_months(today, shortest).isoformat(),
        needs_revalidation=False,
        revalidation_reason="",
    )
    revision.save(update_fields=["content"])
    state.approve(user=user, comment=note)
    entry.refresh_from_db()
    _questions().entry_published(entry, user)
    return None


def answers_to_write(user):
    """Questions routed to `user`'s authority whose draft answer has not been submitted for
    validation yet (or came back with changes requested), nearest deadline first."""
    from questions.models import Question

    return (
        Question.objects.filter(
            status=Question.Status.ROUTED,
            authority__in=authorities_of(user),
            entry__isnull=False,
        )
        .select_related("authority")
        .order_by("due_on", "routed_at")
    )


def entries_to_validate(user):
    """What waits for `user`'s authority: (entry, task state, due date) oldest first."""
    from questions.models import Question

    states = list(
        AuthorityTaskState.objects.filter(pk__in=task_states_for(user).values("pk"))
        .select_related("authority", "joint_authority", "workflow_state")
        .order_by("started_at")
    )
    entries = _entry_class().objects.in_bulk(
        [int(state.workflow_state.object_id) for state in states]
    )
    due = dict(
        Question.objects.filter(entry_id__in=entries, due_on__isnull=False).values_list(
            "entry_id", "due_on"
        )
    )
    return [
        {
            "entry": entries[int(s.workflow_state.object_id)],
            "state": s,
            "due_on": due.get(int(s.workflow_state.object_id)),
        }
        for s in states
        if int(s.workflow_state.object_id) in entries
    ]
