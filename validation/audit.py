"""The one audit trail of every room: record a step, read a timeline."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent


def record(subject, actor, action, from_status="", to_status="", note="", internal=False):
    return AuditEvent.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        actor=actor if actor and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        internal=internal,
    )


def timeline(subject, include_internal=False):
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("actor")
    return events if include_internal else events.filter(internal=False)
