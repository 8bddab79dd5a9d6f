"""Explain glossary terms where they appear in an answer (on hover and on keyboard focus)."""

import re

from django.utils.html import escape

from .models import GlossaryTerm

_TAG = re.compile(r"(<[^>]+>)")
# Inside these, text is left alone (a link or a heading is no place for an explanation).
_SKIP = {"a", "h2", "h3", "h4", "mark"}


def _pattern(name):
    escaped = re.escape(escape(name))
    # Short acronyms (STP, SAI) match in capitals only, so "lo sai" stays plain text.
    flags = 0 if (name.isupper() and len(name) <= 5) else re.IGNORECASE
    return re.compile(rf"(?<!\w){escaped}(?!\w)", flags)


def explain_terms(html, terms=None):
    """`html` (already sanitised) with the first mention of each glossary term wrapped in a
    focusable element that shows its definition."""
    terms = list(GlossaryTerm.objects.all()) if terms is None else terms
    patterns = sorted(
        ((name, term) for term in terms for name in term.all_names()),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    done = set()
    skipping = []
    parts = _TAG.split(html)
    for i, part in enumerate(parts):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            tag = name.group(1).lower() if name else ""
            if tag in _SKIP:
                if part.startswith("</"):
                    if skipping:
                        skipping.pop()
                elif not part.endswith("/>"):
                    skipping.append(tag)
            continue
        if skipping or not part.strip():
            continue
        # Even places: text still to search; odd places: explained terms, left alone so
        # that a shorter term is not explained again inside a longer one or its definition.
        pieces = [part]
        for name, term in patterns:
            if term.pk in done:
                continue
            for j in range(0, len(pieces), 2):
                match = _pattern(name).search(pieces[j])
                if match is None:
                    continue
                done.add(term.pk)
                tip = f"glossario-{term.pk}"
                text = pieces[j]
                pieces[j : j + 1] = [
                    text[: match.start()],
                    f'<span class="glossary-term" tabindex="0" aria-describedby="{tip}">'
                    + match.group(0)
                    + f'<span class="glossary-tip" role="tooltip" id="{tip}">'
                    + escape(term.definition)
                    + "</span></span>",
                    text[match.end() :],
                ]
                break
        parts[i] = "".join(pieces)
    return "".join(parts)
