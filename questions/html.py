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


# Invisible in text, and refused by XML (the feeds) and by PostgreSQL (NUL); lone
# surrogates cannot even be written as UTF-8. Tabs and new lines are fine.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def strip_control(text):
    return CONTROL_CHARACTERS.sub("", text)


_HAS_TAGS = re.compile(r"<\s*/?\s*(p|ul|ol|li|strong|b|em|i|a|br|h3|h4|blockquote)\b", re.I)
_LIST_ITEM = re.compile(r"^\s*[-*•]\s+")


def text_to_html(text):
    """HTML from what an operator typed: HTML within the allow-list is kept; plain text gets
    paragraphs (blank lines), line breaks, "- " lists and clickable links."""
    if _HAS_TAGS.search(text or ""):
        return clean_html(text)
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_LIST_ITEM.match(line) for line in lines):
            items = "".join(f"<li>{html.escape(_LIST_ITEM.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(html.escape(line.strip()) for line in lines) + "</p>")
    return clean_html(bleach.linkify("".join(blocks), callbacks=[]))
