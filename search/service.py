"""The search service: the only way into search. Queries are built by its two engines,
`ElasticsearchEngine` (search/elastic.py) and `DatabaseEngine` (search/database.py); both
answer with the same SearchResult. With SEARCH_ENGINE = "elasticsearch" the service falls
back to the database engine, and says so, while Elasticsearch cannot answer.
"""

import datetime
import logging
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import is_registered_reader
from kb.caching import per_generation

from . import elastic
from .database import DatabaseEngine
from .documents import glossary_terms
from .models import QueryLog
from .text import fold, keywords, mentioned_terms, stem

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 50
SNIPPET_LENGTH = 240
FILTERS = ("topic", "authority", "tag", "year")
AUTOCOMPLETE_LIMIT = 8


@dataclass
class Hit:
    id: int
    external_id: str
    title: str
    url: str
    snippet: str  # HTML: escaped text with the matched words in <mark>
    topic: str
    authority: str
    validated_at: object
    review_due: object
    score: float
    topic_name: str = ""
    authority_name: str = ""


@dataclass
class SearchResult:
    query: str
    engine: str
    total: int
    page: int
    page_size: int
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    suggestion: str = ""
    log_id: int | None = None
    # True when Elasticsearch could not answer and the database engine did.
    degraded: bool = False

    @property
    def page_count(self):
        return max(1, -(-self.total // self.page_size))


def normalise_query(query, max_length=MAX_QUERY_LENGTH):
    """Collapse whitespace and control characters and bound the length."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", query or "").split())[:max_length]


def clean_filters(filters):
    """The known filters with a usable value; a year that is not a year is dropped."""
    # Without control characters: the query log keeps them as JSON, which PostgreSQL
    # refuses with a NUL in it.
    cleaned = {
        name: normalise_query(str(value), max_length=100)
        for name, value in (filters or {}).items()
        if name in FILTERS and value
    }
    cleaned = {name: value for name, value in cleaned.items() if value}
    if not re.fullmatch(r"[0-9]{4}", cleaned.get("year", "0000")):
        del cleaned["year"]
    return cleaned


# Read by every search: kept until the glossary (or anything published) changes.
glossary = per_generation(glossary_terms)


def expand_with_glossary(query, terms=None):
    """`query` plus the Italian names of every glossary term it mentions by any name (pds →
    permesso di soggiorno, residence permit → permesso di soggiorno ...), for both engines.
    English synonyms are not added: entries are written in Italian, and they only dilute."""
    terms = glossary() if terms is None else terms
    asked = query.lower()
    extra = [
        name
        for term in mentioned_terms(query, terms)
        for name in term.italian_names()
        if name.lower() not in asked
    ]
    return " ".join([query, *extra]) if extra else query


def _engine_call(method, *args):
    """Call `method` on the configured engine; (answer, degraded). Elasticsearch failing
    means the database engine answers, and Elasticsearch is left alone for a while."""
    if settings.SEARCH_ENGINE == "elasticsearch":
        if elastic.is_available():
            try:
                answer = getattr(elastic.ElasticsearchEngine(), method)(*args)
            except elastic.BadRequestError:
                # A query Elasticsearch refuses: this reader gets the database's answer.
                logger.exception("Elasticsearch refused a %s call", method)
            except elastic.UNAVAILABLE as error:
                elastic.mark_unavailable(error)
            else:
                if elastic.mark_available():
                    from .indexing import retry_now

                    retry_now()
                return answer, False
        return getattr(DatabaseEngine(), method)(*args), True
    return getattr(DatabaseEngine(), method)(*args), False


def _public_only(user):
    return not is_registered_reader(user) if user is not None else True


def search(query, filters=None, page=1, page_size=10, user=None, with_facets=True, log=None):
    """Entries matching `query`; restricted entries only for registered readers. With `log`
    ("page" or "api") the search is recorded in the query log."""
    started = time.monotonic()
    query = normalise_query(query)
    filters = clean_filters(filters)
    page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
    page = max(int(page), 1)
    expanded = expand_with_glossary(query) if query else query
    result, degraded = _engine_call(
        "search", query, expanded, filters, page, page_size, _public_only(user), with_facets
    )
    result.query = query
    result.degraded = degraded
    _add_names(result.hits)
    if log:
        result.log_id = QueryLog.objects.create(
            query=query,
            filters=filters,
            result_count=result.total,
            engine=result.engine,
            milliseconds=round((time.monotonic() - started) * 1000),
            source=log,
        ).pk
    return result


def similar(text, limit=5, user=None, filters=None):
    """Published entries that may already answer `text` (for the asking form)."""
    text = normalise_query(text, max_length=2000)
    if not keywords(text):
        return []
    hits, _ = _engine_call("similar", text, clean_filters(filters), limit, _public_only(user))
    return _add_names(hits)


def autocomplete(prefix, limit=AUTOCOMPLETE_LIMIT, user=None):
    """Titles of entries for what a reader has typed so far: [{title, url}]."""
    prefix = normalise_query(prefix)
    if len(prefix) < 2:
        return []
    found, _ = _engine_call("autocomplete", prefix, limit, _public_only(user))
    return found


def _add_names(hits):
    """Topic and authority names for the hits, in two small queries."""
    from kb.models import Topic
    from validation.models import Authority

    topics = dict(
        Topic.objects.filter(slug__in={h.topic for h in hits}).values_list("slug", "name")
    )
    authorities = dict(
        Authority.objects.filter(slug__in={h.authority for h in hits}).values_list("slug", "name")
    )
    for hit in hits:
        hit.topic_name = topics.get(hit.topic, hit.topic)
        hit.authority_name = authorities.get(hit.authority, hit.authority)
    return hits


def make_snippet(text, terms, length=SNIPPET_LENGTH):
    """A window of `text` around the first matched word, escaped, with the words that match
    `terms` (folded words or their stems) in <mark>."""
    wanted = set(terms) | {stem(term) for term in terms}

    def matches(word):
        folded = fold(word)
        return folded in wanted or stem(folded) in wanted

    first = next((m.start() for m in re.finditer(r"\w+", text) if matches(m.group())), None)
    start = max(0, first - length // 3) if first else 0
    end = start + length
    # Cut at spaces so the snippet starts and ends with whole words.
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = text[start:end]
    parts, last = [], 0
    for match in re.finditer(r"\w+", window):
        if matches(match.group()):
            parts += [escape(window[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
            last = match.end()
    parts.append(escape(window[last:]))
    return ("… " if start else "") + "".join(parts) + (" …" if end < len(text) else "")


def record_opened(log_id):
    """A reader opened a result of this logged search."""
    QueryLog.objects.filter(pk=log_id).update(opened=True)


def query_report(days=30, limit=20):
    """For editors: the most asked queries, those with no result, those whose results nobody
    opened (search page only: the API cannot see clicks)."""
    since = timezone.now() - datetime.timedelta(days=days)
    recent = QueryLog.objects.filter(created_at__gte=since).exclude(query="")

    def top(queryset):
        return list(
            queryset.values("query").annotate(count=Count("id")).order_by("-count", "query")[:limit]
        )

    answered_on_page = recent.filter(source="page", result_count__gt=0)
    opened_queries = answered_on_page.filter(opened=True).values("query")
    return {
        "top": top(recent),
        "no_results": top(recent.filter(result_count=0)),
        "never_opened": top(answered_on_page.exclude(query__in=opened_queries)),
    }
