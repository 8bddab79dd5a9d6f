"""The database engine, the embedded default: Wagtail's database search backend (SQLite FTS5
or PostgreSQL full text) for matching and ranking, SQL aggregates for facets."""

import datetime
import difflib
from collections import Counter, defaultdict
from itertools import chain
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from taggit.models import Tag
from wagtail.search.models import IndexEntry

from kb.caching import per_generation
from kb.models import EntryPage, EntryTag, GlossaryTerm, Topic
from questions.html import html_to_text
from validation.models import Authority

from .text import STOPWORDS, stem, words


class DatabaseEngine:
    name = "database"

    def base_queryset(self, public_only=True):
        entries = EntryPage.objects.live().public()
        if public_only:
            entries = entries.filter(visibility=EntryPage.Visibility.PUBLIC)
        return entries

    def search(self, query, expanded, filters, page, page_size, public_only, with_facets):
        from .service import SearchResult

        start = (page - 1) * page_size
        known = catalogue()
        allowed = known.matching(filters, public_only)
        corrections = corrected_words(query)
        terms = match_terms(expanded, corrections)
        if terms:
            ranked = ranked_matches(terms, allowed)
            total, shown = len(ranked), ranked[start : start + page_size]
            matching = [pk for pk, _score in ranked]
        else:
            newest = known.newest_first(allowed)[start : start + page_size]
            total, shown, matching = len(allowed), [(pk, 0.0) for pk in newest], allowed
        marked = [w for w in words(expanded) if w not in STOPWORDS] + list(corrections.values())
        suggestion = " ".join(corrections.get(w, w) for w in words(query)) if corrections else ""
        return SearchResult(
            query=query,
            engine=self.name,
            total=total,
            page=page,
            page_size=page_size,
            hits=hits_for(shown, marked),
            facets=known.facets(matching) if with_facets else {},
            suggestion=suggestion,
        )

    def similar(self, text, filters, limit, public_only):
        # The words and their stems, as for a search: PostgreSQL stems again what it gets,
        # and misses words like "permesso" when given our stem "perm" only.
        distinct = dict.fromkeys(w for w in words(text) if w not in STOPWORDS and len(w) > 2)
        terms = match_terms(" ".join(list(distinct)[:20]), {})
        if not terms:
            return []
        allowed = catalogue().matching(filters, public_only)
        return hits_for(ranked_matches(terms, allowed)[:limit], terms)

    def autocomplete(self, prefix, limit, public_only):
        entries = self.base_queryset(public_only)
        condition = Q()
        for word in prefix.split()[:5]:
            condition &= Q(title__icontains=word)
        rows = entries.filter(condition).order_by("-view_count", "title")[:limit]
        return [{"title": entry.title, "url": entry.url} for entry in rows.specific()]


def match_terms(expanded, corrections):
    """What goes to the full-text engine: the words, their stems, and corrected typos. Only
    words: FTS5 reads quotes, * and : as syntax."""
    found = [w for w in words(expanded) if w not in STOPWORDS]
    found += [stem(w) for w in found]
    found += [w for right in corrections.values() for w in (right, stem(right))]
    return list(dict.fromkeys(found))


@per_generation
def vocabulary():
    """Known words (titles, questions, tags, glossary), to correct typos."""
    texts = EntryPage.objects.live().values_list("title", "question")
    known = {w for row in texts for text in row for w in words(text)}
    known |= {w for tag in EntryTag.objects.values_list("tag__name", flat=True) for w in words(tag)}
    for term in GlossaryTerm.objects.all():
        known |= {w for name in term.all_names() for w in words(name)}
    return {w for w in known if len(w) > 2 and not w.isdigit()}


def corrected_words(query):
    """{unknown word: closest known word} for the words of `query` that look like typos."""
    known = vocabulary()
    corrections = {}
    for word in words(query):
        if len(word) < 4 or word in known or word in STOPWORDS or not word.isalpha():
            continue
        candidates = [w for w in known if abs(len(w) - len(word)) <= 2 and w[0] == word[0]]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
        if close:
            corrections[word] = close[0]
    return corrections


def hits_for(ranked, terms):
    """Hits for [(pk, score)], in that order. Entries unpublished or restricted since the
    catalogue was built are left out."""
    from .service import Hit, make_snippet

    details = EntryPage.objects.live().public().select_related("topic", "authority")
    details = details.in_bulk([pk for pk, _score in ranked])
    hits = []
    for pk, score in ranked:
        entry = details.get(pk)
        if entry is None:
            continue
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
                score=score,
            )
        )
    return hits


def ranked_matches(terms, allowed):
    """[(pk, score)] of the entries in `allowed` matching any of `terms`, best first (ties:
    newest page first, as modelsearch orders them)."""
    if connection.vendor == "sqlite":
        scores = _sqlite_scores(terms)
    else:
        results = EntryPage.objects.search(" ".join(terms), operator="or")
        compiler = results.query_compiler
        matching = compiler.search(compiler.get_config(results.backend), None, None, "score")
        scores = matching.order_by("-score", "-pk").values_list("pk", "score")
    return [(pk, float(score or 0.0)) for pk, score in scores if pk in allowed]


def _sqlite_scores(terms):
    # modelsearch puts the full-text table on the inner side of its join, so SQLite runs
    # the match again for every indexed row: two minutes per search at 10,000 entries.
    # CROSS JOIN keeps the match outside; the score is modelsearch's (BM25, title boost),
    # negated so that higher is better. Terms are plain words (match_terms).
    from wagtail.search.models import SQLiteFTSIndexEntry  # defined only with SQLite FTS5

    fts, entries = SQLiteFTSIndexEntry._meta.db_table, IndexEntry._meta.db_table
    match = "{title body} : (" + " OR ".join(f'"{term}"' for term in terms) + ")"
    sql = (
        f"SELECT CAST(e.object_id AS INTEGER), -bm25({fts}) * (e.title_norm + 1.0)"
        f" FROM {fts} CROSS JOIN {entries} e ON {fts}.rowid = e.id"
        f" WHERE {fts} MATCH %s AND e.content_type_id = %s ORDER BY 2 DESC, 1 DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, ContentType.objects.get_for_model(EntryPage).pk])
        return cursor.fetchall()


class EntryFacts(NamedTuple):
    topic: str
    authority: str
    validated_at: datetime.date | None
    title: str
    tags: frozenset
    public: bool

    @property
    def year(self):
        return str(self.validated_at.year) if self.validated_at else None

    def passes(self, filters, public_only):
        return (
            (self.public or not public_only)
            and self.topic == filters.get("topic", self.topic)
            and self.authority == filters.get("authority", self.authority)
            and self.year == filters.get("year", self.year)
            and ("tag" not in filters or filters["tag"] in self.tags)
        )


class Catalogue:
    """What filtering and faceting need to know about every live entry, held in memory
    per process and rebuilt when published content changes: the facets of a search are
    then counted over its matches without a query per facet."""

    def __init__(self):
        tags = defaultdict(set)
        for pk, slug in EntryTag.objects.values_list("content_object_id", "tag__slug"):
            tags[pk].add(slug)
        rows = (
            DatabaseEngine()
            .base_queryset(public_only=False)
            .values_list(
                "pk", "topic__slug", "authority__slug", "validated_at", "title", "visibility"
            )
        )
        self.entries = {
            pk: EntryFacts(
                topic,
                authority,
                day,
                title,
                frozenset(tags[pk]),
                visibility == EntryPage.Visibility.PUBLIC,
            )
            for pk, topic, authority, day, title, visibility in rows
        }
        self.labels = {
            "topic": dict(Topic.objects.values_list("slug", "name")),
            "authority": dict(Authority.objects.values_list("slug", "name")),
            "tag": dict(Tag.objects.values_list("slug", "name")),
        }
        self._matching = {}

    def matching(self, filters, public_only):
        """The ids of the entries passing `filters`: the one place they are applied."""
        key = (tuple(sorted(filters.items())), public_only)
        if key not in self._matching:
            if len(self._matching) > 100:
                self._matching.clear()
            self._matching[key] = {
                pk for pk, facts in self.entries.items() if facts.passes(filters, public_only)
            }
        return self._matching[key]

    def newest_first(self, ids):
        """`ids` by validation date, newest first (undated last), then title."""
        undated = [pk for pk in ids if self.entries[pk].validated_at is None]
        dated = sorted(
            (pk for pk in ids if self.entries[pk].validated_at),
            key=lambda pk: (-self.entries[pk].validated_at.toordinal(), self.entries[pk].title),
        )
        return dated + sorted(undated, key=lambda pk: self.entries[pk].title)

    def facets(self, ids):
        facts = [self.entries[pk] for pk in ids]
        counts = {
            "topic": Counter(f.topic for f in facts),
            "authority": Counter(f.authority for f in facts),
            "tag": Counter(chain.from_iterable(f.tags for f in facts)),
            "year": Counter(f.year for f in facts if f.year),
        }

        def rows(name):
            labels = self.labels.get(name, {})
            ordered = sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))
            return [
                {"value": value, "label": labels.get(value, value), "count": count}
                for value, count in ordered
            ]

        return {
            "topic": rows("topic"),
            "authority": rows("authority"),
            "tag": rows("tag")[:20],
            "year": sorted(rows("year"), key=lambda row: row["value"], reverse=True),
        }


@per_generation
def catalogue():
    return Catalogue()
