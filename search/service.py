"""The search service: the only place where queries over entries are built.

`search()` answers with the same SearchResult whatever the engine. Today the database
engine (Wagtail's database backend: SQLite FTS5 or PostgreSQL full text) serves it;
the Elasticsearch engine plugs in behind the same contract.
"""

import datetime
import re
import time
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import is_registered_reader
from kb.models import EntryPage, EntryTag, Topic
from questions.html import html_to_text
from validation.models import Authority

from .models import QueryLog

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 50
SNIPPET_LENGTH = 240
FILTERS = ("topic", "authority", "tag")


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

    @property
    def page_count(self):
        return max(1, -(-self.total // self.page_size))


def normalise_query(query):
    """Collapse whitespace and control characters and bound the length."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", query or "").split())[:MAX_QUERY_LENGTH]


def expand_with_glossary(query, terms=None):
    """`query` plus the other names of every glossary term it mentions (pds → permesso di
    soggiorno, residence permit → permesso di soggiorno ...), for both engines."""
    from kb.models import GlossaryTerm

    terms = list(GlossaryTerm.objects.all()) if terms is None else terms

    def words(text):
        return " " + " ".join(re.findall(r"\w+", text.lower())) + " "

    asked = words(query)
    extra = []
    for term in terms:
        names = term.all_names()
        if any(words(name) in asked for name in names):
            extra += [name for name in names if words(name) not in asked]
    return " ".join([query, *extra]) if extra else query


def search(query, filters=None, page=1, page_size=10, user=None, with_facets=True, log=None):
    """Entries matching `query`; restricted entries only for registered readers. With `log`
    ("page" or "api") the search is recorded in the query log."""
    started = time.monotonic()
    query = normalise_query(query)
    filters = {name: value for name, value in (filters or {}).items() if name in FILTERS and value}
    page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
    page = max(int(page), 1)
    public_only = not is_registered_reader(user) if user is not None else True
    expanded = expand_with_glossary(query) if query else query
    result = DatabaseEngine().search(expanded, filters, page, page_size, public_only, with_facets)
    result.query = query
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


# Words too common to say what a question is about.
STOPWORDS = set(
    """a ad al alla alle agli ai allo anche avere come con da dal dalla dei del della delle
    dello di e è ed gli ha hanno ho i il in la le lo ma mi ne nel nella non o per più può
    quale quali quando questo questa se si sono su sua suo tra un una uno che cosa chi dove
    deve devono essere fare viene vengono ogni già ancora""".split()
)


def similar(text, limit=5, user=None, filters=None):
    """Published entries that may already answer `text` (for the asking form)."""
    words = [w for w in re.findall(r"\w+", (text or "").lower()) if len(w) > 2]
    words = [w for w in words if w not in STOPWORDS][:20]
    if not words:
        return []
    return search(" ".join(words), filters, page_size=limit, user=user, with_facets=False).hits


def _terms(query):
    return [term for term in re.findall(r"\w+", query.lower()) if len(term) > 1]


def make_snippet(text, terms, length=SNIPPET_LENGTH):
    """A window of `text` around the first matched term, escaped, with terms in <mark>."""
    lowered = text.lower()
    positions = [lowered.find(term) for term in terms if term in lowered]
    start = max(0, min(positions) - length // 3) if positions else 0
    end = start + length
    # Cut at spaces so the snippet starts and ends with whole words.
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    window = text[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    html = escape(window)
    if terms:
        pattern = re.compile(
            "("
            + "|".join(re.escape(escape(t)) for t in sorted(terms, key=len, reverse=True))
            + ")",
            re.I,
        )
        html = pattern.sub(r"<mark>\1</mark>", html)
    return prefix + html + suffix


class DatabaseEngine:
    name = "database"

    def base_queryset(self, filters, public_only=True):
        # Search backends filter on indexed columns only, so slugs become ids here.
        entries = EntryPage.objects.live().public()
        if public_only:
            entries = entries.filter(visibility=EntryPage.Visibility.PUBLIC)
        if "topic" in filters:
            entries = entries.filter(topic_id__in=Topic.objects.filter(slug=filters["topic"]))
        if "authority" in filters:
            entries = entries.filter(
                authority_id__in=Authority.objects.filter(slug=filters["authority"])
            )
        if "tag" in filters:
            tagged = EntryTag.objects.filter(tag__slug=filters["tag"])
            entries = entries.filter(
                pk__in=list(tagged.values_list("content_object_id", flat=True))
            )
        return entries

    def search(self, query, filters, page, page_size, public_only=True, with_facets=True):
        entries = self.base_queryset(filters, public_only)
        start = (page - 1) * page_size
        # Only words reach the full-text engine: FTS5 treats quotes, * and : as syntax.
        words = " ".join(re.findall(r"\w+", query))
        if words:
            results = entries.search(words, operator="or").annotate_score("score")
            # modelsearch's compiler gives the matching rows as a plain queryset, which
            # the facets aggregate over (same call on SQLite and PostgreSQL).
            compiler = results.query_compiler
            matching = compiler.search(compiler.get_config(results.backend), None, None)
            total = results.count()
            pages = list(results[start : start + page_size])
        else:
            matching = entries
            total = entries.count()
            pages = list(entries.order_by("-validated_at", "title")[start : start + page_size])
        ids = [p.pk for p in pages]
        details = {
            p.pk: p
            for p in EntryPage.objects.filter(pk__in=ids).select_related("topic", "authority")
        }
        terms = _terms(query)
        hits = []
        for page_obj in pages:
            entry = details[page_obj.pk]
            text = f"{entry.question} {html_to_text(entry.answer)}"
            hits.append(
                Hit(
                    id=entry.pk,
                    external_id=entry.external_id,
                    title=entry.title,
                    url=entry.url,
                    snippet=make_snippet(text, terms),
                    topic=entry.topic.slug,
                    authority=entry.authority.slug,
                    validated_at=entry.validated_at,
                    review_due=entry.review_due,
                    score=float(getattr(page_obj, "score", 0.0) or 0.0),
                )
            )
        return SearchResult(
            query=query,
            engine=self.name,
            total=total,
            page=page,
            page_size=page_size,
            hits=hits,
            facets=self.facets(matching.values("pk")) if with_facets else {},
        )

    def facets(self, matching_ids):
        def count(queryset, value, label):
            rows = (
                queryset.values(value, label).annotate(count=Count("pk")).order_by("-count", label)
            )
            return [{"value": r[value], "label": r[label], "count": r["count"]} for r in rows]

        entries = EntryPage.objects.filter(pk__in=matching_ids)
        return {
            "topic": count(entries, "topic__slug", "topic__name"),
            "authority": count(entries, "authority__slug", "authority__name"),
            "tag": count(
                EntryTag.objects.filter(content_object__in=matching_ids), "tag__slug", "tag__name"
            )[:20],
        }


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
