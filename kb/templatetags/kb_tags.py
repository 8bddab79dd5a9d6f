from django import template
from django.utils import formats
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
