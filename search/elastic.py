"""The Elasticsearch engine: the connection, when to stop trying it, and its queries."""

import datetime
import functools
import logging
import time

from django.conf import settings
from elasticsearch import ApiError, BadRequestError, Elasticsearch, TransportError
from elasticsearch.dsl import Q, Search

from .documents import alias_name
from .text import fold, join_elisions, split_elisions

logger = logging.getLogger(__name__)

__all__ = ["BadRequestError", "ElasticsearchEngine", "UNAVAILABLE"]

# What makes the service fall back to the database engine for a while.
UNAVAILABLE = (TransportError, ApiError)

_unavailable_until = 0.0


@functools.lru_cache(maxsize=4)
def _client_for(url, timeout):
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def client():
    """A client that gives up after ELASTICSEARCH_TIMEOUT seconds (0.5 by default): readers
    then get the database engine's answer instead of waiting."""
    return _client_for(settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_TIMEOUT)


def is_available():
    """False for ELASTICSEARCH_RETRY_SECONDS after a failure, so a dead cluster costs one
    timeout per period instead of one per request."""
    return time.monotonic() >= _unavailable_until


def mark_unavailable(error):
    global _unavailable_until
    _unavailable_until = time.monotonic() + settings.ELASTICSEARCH_RETRY_SECONDS
    logger.warning("Elasticsearch unavailable, using the database engine: %s", error)


def mark_available():
    """Elasticsearch answered; True if it had failed before (so pending updates can go)."""
    global _unavailable_until
    had_failed = _unavailable_until > 0
    _unavailable_until = 0.0
    return had_failed


# Title > question > answer; the rest helps recall.
TEXT_FIELDS = [
    "title^4",
    "question^2",
    "answer",
    "tag_names^2",
    "glossary",
    "legal_references",
]
FOLDED_FIELDS = ["folded_title^3", "folded"]


class ElasticsearchEngine:
    name = "elasticsearch"

    def _base(self, filters, public_only):
        search = Search(using=client(), index=alias_name())
        if public_only:
            search = search.filter("term", visibility="public")
        for field in ("topic", "authority"):
            if field in filters:
                search = search.filter("term", **{field: filters[field]})
        if "tag" in filters:
            search = search.filter("term", tags=filters["tag"])
        if "year" in filters:
            search = search.filter("term", year=filters["year"])
        return search

    def _matching(self, query, expanded):
        italian = split_elisions(expanded)
        folded = split_elisions(fold(expanded))
        return Q(
            "function_score",
            query=Q(
                "bool",
                should=[
                    Q(
                        "multi_match",
                        query=italian,
                        fields=TEXT_FIELDS,
                        type="most_fields",
                    ),
                    Q("multi_match", query=folded, fields=FOLDED_FIELDS, type="most_fields"),
                    # Typos: only the folded words, so stems do not drift.
                    Q(
                        "multi_match",
                        query=split_elisions(fold(query)),
                        fields=FOLDED_FIELDS,
                        fuzziness="AUTO",
                        prefix_length=1,
                        boost=0.5,
                    ),
                    Q("match_phrase", title={"query": italian, "slop": 2, "boost": 3}),
                ],
                minimum_should_match=1,
            ),
            functions=[
                {
                    "field_value_factor": {
                        "field": "popularity",
                        "modifier": "log1p",
                        "factor": 0.1,
                        "missing": 0,
                    }
                }
            ],
            boost_mode="sum",
        )

    def search(self, query, expanded, filters, page, page_size, public_only, with_facets):
        from .service import SearchResult

        search = self._base(filters, public_only)
        if query:
            search = search.query(self._matching(query, expanded))
            search = search.highlight(
                "answer",
                "question",
                fragment_size=200,
                number_of_fragments=1,
                no_match_size=200,
            )
            # Marks the words as written, not the fuzzy variants: highlighting those
            # re-expands every fuzzy term per hit and made searches six times slower.
            marked = Q("multi_match", query=split_elisions(expanded), fields=["answer", "question"])
            search = search.highlight_options(
                pre_tags=["<mark>"],
                post_tags=["</mark>"],
                encoder="html",
                order="score",
                highlight_query=marked.to_dict(),
            )
            search = search.suggest(
                "spelling",
                split_elisions(fold(query)),
                term={"field": "folded", "suggest_mode": "missing", "min_word_length": 4},
            )
        else:
            search = search.sort("-validated_at", "external_id")
        if with_facets:
            search.aggs.bucket("topic", "terms", field="topic", size=50)
            search.aggs.bucket("authority", "terms", field="authority", size=50)
            search.aggs.bucket("tag", "terms", field="tags", size=20)
            search.aggs.bucket("year", "terms", field="year", size=20, order={"_key": "desc"})
        start = (page - 1) * page_size
        search = search.extra(track_total_hits=True)[start : start + page_size]
        response = search.execute()
        return SearchResult(
            query=query,
            engine=self.name,
            total=response.hits.total.value,
            page=page,
            page_size=page_size,
            hits=[self._hit(hit) for hit in response.hits],
            facets=self._facets(response) if with_facets else {},
            suggestion=self._suggestion(query, response) if query else "",
        )

    def _hit(self, hit):
        from .service import Hit, make_snippet

        highlight = getattr(hit.meta, "highlight", None)
        fragments = []
        if highlight:
            fragments = list(getattr(highlight, "answer", [])) or list(
                getattr(highlight, "question", [])
            )
        snippet = fragments[0] if fragments else make_snippet(hit.answer, [])
        return Hit(
            id=int(hit.meta.id),
            external_id=hit.external_id,
            title=join_elisions(hit.title),
            url=hit.url,
            snippet=join_elisions(snippet),
            topic=hit.topic,
            authority=hit.authority,
            validated_at=_date(hit.validated_at),
            review_due=_date(getattr(hit, "review_due", None)),
            score=float(hit.meta.score or 0.0),
        )

    def _facets(self, response):
        """Counts from the aggregations, labels from the database (three small queries)."""
        from taggit.models import Tag

        from kb.models import Topic
        from validation.models import Authority

        def buckets(name, model=None):
            found = getattr(response.aggregations, name).buckets
            values = [str(bucket.key) for bucket in found]
            labels = (
                dict(model.objects.filter(slug__in=values).values_list("slug", "name"))
                if model
                else {}
            )
            return [
                {"value": value, "label": labels.get(value, value), "count": bucket.doc_count}
                for value, bucket in zip(values, found, strict=True)
            ]

        return {
            "topic": buckets("topic", Topic),
            "authority": buckets("authority", Authority),
            "tag": buckets("tag", Tag),
            "year": buckets("year"),
        }

    def _suggestion(self, query, response):
        """The query with each unknown word replaced by its best-known neighbour."""
        corrections = {}
        for entry in response.suggest.spelling:
            if entry.options:
                corrections[entry.text] = entry.options[0].text
        if not corrections:
            return ""
        folded = fold(query)
        for wrong, right in corrections.items():
            folded = folded.replace(wrong, right)
        return folded

    def similar(self, text, filters, limit, public_only):
        search = self._base(filters, public_only).query(
            "more_like_this",
            fields=["title", "question", "answer"],
            like=split_elisions(text),
            min_term_freq=1,
            min_doc_freq=1,
            max_query_terms=25,
            minimum_should_match="20%",
        )
        return [self._hit(hit) for hit in search[:limit].execute()]

    def autocomplete(self, prefix, limit, public_only):
        visibility = ["public"] if public_only else ["public", "operators"]
        search = Search(using=client(), index=alias_name()).source(["title", "url"])
        search = search.suggest(
            "titles",
            prefix,
            completion={
                "field": "suggest",
                "size": limit,
                "skip_duplicates": True,
                "contexts": {"visibility": visibility},
            },
        )
        response = search.execute()
        found = {}
        for option in response.suggest.titles[0].options:
            title = join_elisions(option._source.title)
            found.setdefault(option._source.url, title)
        return [{"title": title, "url": url} for url, title in found.items()]


def _date(value):
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])
