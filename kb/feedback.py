"""Readers' feedback on entries: record it (bounded), report it, turn a comment into a question."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.translation import gettext as _

from questions.html import html_to_text

from .models import EntryPage, Feedback

MAX_COMMENT = 1000
PER_CLIENT_PER_HOUR = 20


class FeedbackError(Exception):
    pass


def _client_key(request):
    # Bounded per client (address) and per entry per session; nothing personal is stored.
    address = request.META.get("REMOTE_ADDR", "")
    return f"feedback:{address}"


def record(request, entry, helpful, comment):
    # Far too long is refused before cleaning: cleaning megabytes of markup takes seconds.
    comment = comment or ""
    comment = html_to_text(comment) if len(comment) <= 2 * MAX_COMMENT else comment
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(_("Il commento supera %(n)d caratteri.") % {"n": MAX_COMMENT})
    seen = request.session.get("feedback_entries", [])
    if entry.pk in seen:
        raise FeedbackError(_("Hai già lasciato un riscontro su questa risposta. Grazie!"))
    key = _client_key(request)
    count = cache.get_or_set(key, 0, timeout=3600)
    if count >= PER_CLIENT_PER_HOUR:
        raise FeedbackError(_("Troppi riscontri in poco tempo: riprova più tardi."))
    cache.incr(key)
    feedback = Feedback.objects.create(entry=entry, helpful=helpful, comment=comment)
    request.session["feedback_entries"] = [*seen, entry.pk][-200:]
    return feedback


def report():
    """Entries with negative feedback, most first, with their counts."""
    return (
        EntryPage.objects.annotate(
            negative=Count("feedback", filter=Q(feedback__helpful=False)),
            positive=Count("feedback", filter=Q(feedback__helpful=True)),
        )
        .filter(negative__gt=0)
        .select_related("authority", "topic")
        .order_by("-negative", "title")
    )


@transaction.atomic
def to_question(feedback, editor):
    """Turn a reader's comment into a new question for the coordination desk."""
    from questions.models import Question
    from validation import audit

    if feedback.question_id:
        raise FeedbackError(_("Da questo commento è già stato creato un quesito."))
    if not feedback.comment:
        raise FeedbackError(_("Il riscontro non ha un commento."))
    question = Question.objects.create(
        title=(_("Dal riscontro su: %(title)s") % {"title": feedback.entry.title})[:200],
        body=f"<p>{escape(feedback.comment)}</p>",
        topic=feedback.entry.topic,
        asker=editor,
    )
    audit.record(question, editor, "submitted", "", question.status, _("Da un riscontro"))
    feedback.question = question
    feedback.save(update_fields=["question"])
    return question
