"""The one allow-list for HTML written by people (questions, answers, imports)."""

import html
import re

import bleach

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}

# bleach strips these tags but would keep their text; drop what they contain as well.
_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|template|iframe|object|svg|math|noscript)\b.*?</\1\s*>", re.I | re.S
)

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def clean_html(fragment):
    """Return `fragment` with only the allowed tags, attributes and link protocols."""
    return _cleaner.clean(_DROP_WITH_CONTENT.sub("", fragment or "")).strip()


def html_to_text(fragment):
    """Plain text of an HTML fragment (unescaped: escape it again when showing it)."""
    spaced = re.sub(r"<(br|/p|/li|/h\d)\s*/?>", " ", fragment or "", flags=re.I)
    text = html.unescape(bleach.clean(spaced, tags=set(), strip=True))
    return re.sub(r"\s+", " ", text).strip()
