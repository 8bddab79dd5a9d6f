from django import template

from questions.models import Question

register = template.Library()


@register.filter
def status_label(value):
    """The readable name of a question status stored as a code (e.g. in the audit trail)."""
    return Question.Status(value).label if value in Question.Status.values else value
