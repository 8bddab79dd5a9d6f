"""The rules of asking and triage: who may see and do what, and every change of status."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import COORDINATOR, EXPERT, OPERATOR, has_any_role, has_role
from kb.models import EntryPage, TopicPage
from validation import audit

from . import notifications
from .html import html_to_text
from .models import Message, Question, QuestionVersion

DAILY_LIMIT = 10
MAX_BODY = 10_000

S = Question.Status
# Which status may follow which; anything else is refused.
ALLOWED = {
    S.SUBMITTED: {S.NEEDS_INFO, S.DUPLICATE, S.REJECTED, S.ROUTED, S.WITHDRAWN},
    S.NEEDS_INFO: {S.SUBMITTED, S.DUPLICATE, S.REJECTED, S.WITHDRAWN},
    S.ROUTED: {S.IN_VALIDATION, S.SUBMITTED, S.ANSWERED, S.WITHDRAWN},
    S.IN_VALIDATION: {S.ROUTED, S.SUBMITTED, S.ANSWERED, S.WITHDRAWN},
}


class QuestionError(Exception):
    """A refused action; the message is shown to the person as it is."""


# --- who may do what ------------------------------------------------------------------------


def is_coordinator(user):
    return has_any_role(user, [COORDINATOR])


def can_ask(user):
    return user.is_authenticated and user.is_active and has_role(user, OPERATOR)


def may_reply(question, user):
    """The asker and their organisation's colleagues write in the thread (a question of no
    organisation, made from a reader's comment, has no colleagues)."""
    same_organisation = (
        question.organisation_id is not None and question.organisation_id == user.organisation_id
    )
    return question.asker_id == user.pk or same_organisation


def visible_questions(user):
    """The questions `user` may see: coordinators all, experts their authority's, operators
    their own and their organisation's, anyone else none."""
    questions = Question.objects.select_related("topic", "authority", "organisation", "asker")
    if not user.is_authenticated:
        return questions.none()
    if is_coordinator(user):
        return questions
    if has_role(user, EXPERT):
        return questions.filter(authority__experts_group__in=user.groups.all())
    if has_role(user, OPERATOR):
        mine = Q(asker=user)
        if user.organisation_id:
            mine |= Q(organisation_id=user.organisation_id)
        return questions.filter(mine)
    return questions.none()


# --- operators --------------------------------------------------------------------------------


def questions_today(user):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Question.objects.filter(asker=user, created_at__gte=start).count()


@transaction.atomic
def submit_question(user, *, title, body, topic, tags, municipality, token, personal_data):
    """Create the question once per `token` (a double submit returns the same question)."""
    existing = Question.objects.filter(submission_token=token).first()
    if existing is not None:
        if existing.asker_id != user.pk:
            raise QuestionError(_("Modulo non valido: ricarica la pagina e riprova."))
        return existing
    if not can_ask(user):
        raise QuestionError(_("Il tuo account non è ancora abilitato a inviare quesiti."))
    if questions_today(user) >= DAILY_LIMIT:
        raise QuestionError(
            _("Hai già inviato %(n)d quesiti oggi: è il massimo giornaliero. Riprova domani.")
            % {"n": DAILY_LIMIT}
        )
    if len(html_to_text(body)) > MAX_BODY:
        raise QuestionError(_("La domanda supera %(n)d caratteri.") % {"n": MAX_BODY})
    try:
        with transaction.atomic():
            question = Question.objects.create(
                title=title,
                body=body,
                topic=topic,
                municipality=municipality,
                asker=user,
                organisation=user.organisation,
                has_personal_data=bool(personal_data),
                submission_token=token,
            )
    except IntegrityError:
        # The same form arrived twice at once: the other request created it.
        return Question.objects.get(submission_token=token)
    question.tags.set(tags)
    note = _("Inviato con possibili dati personali") if personal_data else ""
    audit.record(question, user, "submitted", "", question.status, note)
    notifications.question_submitted(question)
    return question


@transaction.atomic
def reply(question, user, body):
    """The operator answers a request for details; the question goes back to triage."""
    if not may_reply(question, user):
        raise QuestionError(_("Non puoi scrivere in questo quesito."))
    if not question.is_open:
        raise QuestionError(_("Il quesito è chiuso: non si possono aggiungere messaggi."))
    Message.objects.create(question=question, author=user, body=body)
    if question.status == S.NEEDS_INFO:
        _change(question, user, S.SUBMITTED, "reply", _("Dettagli forniti"))
    notifications.operator_replied(question)


@transaction.atomic
def withdraw(question, user):
    if question.asker_id != user.pk:
        raise QuestionError(_("Solo chi ha inviato il quesito può ritirarlo."))
    _change(question, user, S.WITHDRAWN, "withdrawn")


# --- coordinators -----------------------------------------------------------------------------


def _require_coordinator(user):
    if not is_coordinator(user):
        raise QuestionError(_("Solo il coordinamento può farlo."))


def _change(question, actor, to_status, action, note="", notify=True):
    question = Question.objects.select_for_update().get(pk=question.pk)
    if to_status not in ALLOWED.get(question.status, set()):
        raise QuestionError(
            _("Non si può passare da «%(from)s» a «%(to)s».")
            % {"from": question.get_status_display(), "to": S(to_status).label}
        )
    from_status = question.status
    question.status = to_status
    question.save(update_fields=["status", "updated_at"])
    audit.record(question, actor, action, from_status, to_status, note)
    if notify:
        notifications.status_changed(question, note)
    return question


@transaction.atomic
def edit_question(question, coordinator, *, title, body, topic, tags):
    """Clarify or anonymise the text; the original stays in the coordinators' history."""
    _require_coordinator(coordinator)
    QuestionVersion.objects.create(
        question=question,
        edited_by=coordinator,
        title=question.title,
        body=question.body,
        topic=question.topic,
        tags=", ".join(sorted(question.tags.names())),
    )
    question.title, question.body, question.topic = title, body, topic
    question.save(update_fields=["title", "body", "topic", "updated_at"])
    question.tags.set(tags)
    audit.record(question, coordinator, "edited", note=_("Testo modificato"), internal=True)


@transaction.atomic
def clear_personal_data(question, coordinator):
    _require_coordinator(coordinator)
    question.personal_data_cleared_at = timezone.now()
    question.save(update_fields=["personal_data_cleared_at", "updated_at"])
    audit.record(
        question,
        coordinator,
        "personal_data_cleared",
        internal=True,
        note=_("Dati personali rimossi"),
    )


@transaction.atomic
def ask_for_details(question, coordinator, message):
    _require_coordinator(coordinator)
    Message.objects.create(question=question, author=coordinator, body=message)
    return _change(question, coordinator, S.NEEDS_INFO, "needs_info", html_to_text(message))


@transaction.atomic
def reject(question, coordinator, reason):
    _require_coordinator(coordinator)
    if not reason.strip():
        raise QuestionError(_("Scrivi il motivo: sarà mostrato a chi ha chiesto."))
    return _change(question, coordinator, S.REJECTED, "rejected", reason)


@transaction.atomic
def mark_duplicate(question, coordinator, entry):
    _require_coordinator(coordinator)
    if not entry.live:
        raise QuestionError(_("La voce scelta non è pubblicata."))
    question.entry = entry
    question.save(update_fields=["entry", "updated_at"])
    return _change(question, coordinator, S.DUPLICATE, "duplicate", entry.title)


@transaction.atomic
def route(question, coordinator, authority):
    """Assign the competent authority and give its experts the draft entry to validate."""
    _require_coordinator(coordinator)
    if question.needs_personal_data_check:
        raise QuestionError(_("Prima conferma che i dati personali sono stati rimossi dal testo."))
    parent = TopicPage.objects.filter(topic=question.topic).first()
    if parent is None:
        raise QuestionError(_("Il tema «%(t)s» non ha una pagina.") % {"t": question.topic})
    changed = _change(question, coordinator, S.ROUTED, "routed", authority.name)
    draft = question.entry.specific if question.entry and not question.entry.live else None
    if draft is None:
        draft = EntryPage(
            title=question.title,
            question=html_to_text(question.body),
            answer="",
            topic=question.topic,
            authority=authority,
            live=False,
        )
        parent.add_child(instance=draft)
        draft.tags.set(question.tags.names())
    else:
        # Re-routed after "not our competence": the same draft goes to the new authority.
        draft = draft.get_latest_revision_as_object()
        draft.authority = authority
    # The answer is still to be written: the expert fills it in the admin.
    draft.save_revision(user=coordinator, clean=False)
    changed.authority = authority
    changed.entry = draft
    changed.routed_at = timezone.now()
    changed.due_on = timezone.localdate() + datetime.timedelta(days=authority.sla_days)
    changed.save(update_fields=["authority", "entry", "routed_at", "due_on", "updated_at"])
    return changed


# --- events of the validation room ------------------------------------------------------------


def _questions_of(entry, statuses):
    return Question.objects.filter(entry_id=entry.pk, status__in=statuses)


def validation_started(entry, user):
    for question in _questions_of(entry, [S.ROUTED]):
        _change(question, user, S.IN_VALIDATION, "in_validation")


def changes_requested(entry, user):
    for question in _questions_of(entry, [S.IN_VALIDATION]):
        _change(question, user, S.ROUTED, "changes_requested", notify=False)


def returned_by_authority(entry, user, authority, reason):
    """The authority is not competent: the question goes back to triage for re-routing."""
    from validation import notifications as validation_notifications

    for question in _questions_of(entry, [S.ROUTED, S.IN_VALIDATION]):
        question = _change(question, user, S.SUBMITTED, "not_competent", reason, notify=False)
        question.authority = None
        question.due_on = None
        question.save(update_fields=["authority", "due_on", "updated_at"])
        validation_notifications.returned_to_triage(question, authority, reason)


def entry_published(entry, user):
    for question in _questions_of(entry, [S.ROUTED, S.IN_VALIDATION]):
        question = _change(question, user, S.ANSWERED, "answered", entry.title)
        question.answered_at = timezone.now()
        question.save(update_fields=["answered_at", "updated_at"])


@transaction.atomic
def follow(question, user, following=True):
    if following:
        question.followers.add(user)
    else:
        question.followers.remove(user)


@transaction.atomic
def add_internal_note(question, user, body):
    if not (is_coordinator(user) or has_role(user, EXPERT)):
        raise QuestionError(_("Solo coordinamento ed esperti scrivono note interne."))
    return Message.objects.create(question=question, author=user, body=body, internal=True)


def _days_before(today, days):
    """Midnight (local time) `days` days before `today`, or before the current day."""
    today = today or timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    return midnight - datetime.timedelta(days=days)


def overdue_since(days, today=None):
    """Open questions still waiting for triage after `days` days."""
    return Question.objects.filter(status=S.SUBMITTED, created_at__lt=_days_before(today, days))


@transaction.atomic
def purge_old_messages(today=None):
    """Delete every message (internal notes too) older than MESSAGE_RETENTION_DAYS; the
    questions and their timelines stay. Returns how many were deleted."""
    limit = _days_before(today, settings.MESSAGE_RETENTION_DAYS)
    deleted, _by_model = Message.objects.filter(created_at__lt=limit).delete()
    return deleted


# --- personal data ----------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value else None


def personal_data(user):
    """What the questions room keeps about `user`, as the operator may see it: their
    questions with the visible thread, their messages elsewhere, the questions they follow."""
    questions = (
        Question.objects.filter(asker=user)
        .select_related("topic", "organisation")
        .prefetch_related(
            "tags",
            Prefetch("messages", Message.objects.filter(internal=False), to_attr="visible"),
        )
        .order_by("created_at", "id")
    )
    elsewhere = (
        Message.objects.filter(author=user, internal=False)
        .exclude(question__asker=user)
        .select_related("question")
    )
    return {
        "questions": [
            {
                "id": question.pk,
                "title": question.title,
                "body": html_to_text(question.body),
                "topic": question.topic.name,
                "tags": sorted(tag.name for tag in question.tags.all()),
                "municipality": question.municipality,
                "organisation": str(question.organisation or ""),
                "status": question.status,
                "status_label": question.get_status_display(),
                "created_at": _iso(question.created_at),
                "updated_at": _iso(question.updated_at),
                "answered_at": _iso(question.answered_at),
                "messages": [
                    {
                        "written_by_you": message.author_id == user.pk,
                        "created_at": _iso(message.created_at),
                        "body": html_to_text(message.body),
                    }
                    for message in question.visible
                ],
            }
            for question in questions
        ],
        "messages_in_other_questions": [
            {
                "question_id": message.question_id,
                "question_title": message.question.title,
                "created_at": _iso(message.created_at),
                "body": html_to_text(message.body),
            }
            for message in elsewhere
        ],
        "followed_questions": [
            {"id": question.pk, "title": question.title, "status": question.status}
            for question in user.followed_questions.order_by("created_at", "id")
        ],
    }
