from django import template
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


def _format(value, pattern):
    if not value:
        return ""
    text = formats.date_format(value, pattern)
    # Italian writes month names in lower case ("12 marzo 2026"); Django's locale does not.
    return text.lower() if (get_language() or "").startswith("it") else text


@register.filter
def long_date(value):
    return _format(value, "j F Y")


@register.filter
def month_year(value):
    return _format(value, "F Y")


@register.filter
def glossary(html):
    """Answer HTML with its glossary terms explained (input is rendered, sanitised HTML)."""
    from kb.glossary import explain_terms

    return mark_safe(explain_terms(str(html)))
