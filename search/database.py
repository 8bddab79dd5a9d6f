"""The database engine, the embedded default: Wagtail's database search backend (SQLite FTS5
or PostgreSQL full text) for matching and ranking, SQL aggregates for facets."""

import difflib

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from kb.caching import generation
from kb.models import EntryPage, EntryTag, GlossaryTerm, Topic
from questions.html import html_to_text
from validation.models import Authority

from .text import STOPWORDS, keywords, stem, words


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
            entries = entries.filter(pk__in=list(_ids_tagged(filters["tag"])))
        if "year" in filters:
            entries = entries.filter(
                pk__in=list(
                    EntryPage.objects.filter(validated_at__year=filters["year"]).values_list(
                        "pk", flat=True
                    )
                )
            )
        return entries

    def search(self, query, expanded, filters, page, page_size, public_only, with_facets):
        from .service import SearchResult

        entries = self.base_queryset(filters, public_only)
        start = (page - 1) * page_size
        corrections = corrected_words(query)
        terms = match_terms(expanded, corrections)
        if terms:
            results = entries.search(" ".join(terms), operator="or").annotate_score("score")
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
        marked = [w for w in words(expanded) if w not in STOPWORDS] + list(corrections.values())
        suggestion = " ".join(corrections.get(w, w) for w in words(query)) if corrections else ""
        return SearchResult(
            query=query,
            engine=self.name,
            total=total,
            page=page,
            page_size=page_size,
            hits=hits_for(pages, marked),
            facets=facets(matching.values("pk")) if with_facets else {},
            suggestion=suggestion,
        )

    def similar(self, text, filters, limit, public_only):
        terms = [w for w in keywords(text) if len(w) > 2][:20]
        if not terms:
            return []
        entries = self.base_queryset(filters, public_only)
        results = list(entries.search(" ".join(terms), operator="or")[:limit])
        return hits_for(results, terms)

    def autocomplete(self, prefix, limit, public_only):
        entries = self.base_queryset({}, public_only)
        condition = Q()
        for word in prefix.split()[:5]:
            condition &= Q(title__icontains=word)
        rows = entries.filter(condition).order_by("-view_count", "title")[:limit]
        return [{"title": entry.title, "url": entry.url} for entry in rows.specific()]


def _ids_tagged(slug):
    return EntryTag.objects.filter(tag__slug=slug).values_list("content_object_id", flat=True)


def match_terms(expanded, corrections):
    """What goes to the full-text engine: the words, their stems, and corrected typos. Only
    words: FTS5 reads quotes, * and : as syntax."""
    found = [w for w in words(expanded) if w not in STOPWORDS]
    found += [stem(w) for w in found]
    found += [w for right in corrections.values() for w in (right, stem(right))]
    return list(dict.fromkeys(found))


def vocabulary():
    """Known words (titles, questions, tags, glossary), to correct typos. Cached until
    published content changes."""
    key = f"search:vocabulary:{generation()}"
    known = cache.get(key)
    if known is None:
        texts = EntryPage.objects.live().values_list("title", "question")
        known = {w for row in texts for text in row for w in words(text)}
        known |= {
            w for tag in EntryTag.objects.values_list("tag__name", flat=True) for w in words(tag)
        }
        for term in GlossaryTerm.objects.all():
            known |= {w for name in term.all_names() for w in words(name)}
        known = {w for w in known if len(w) > 2 and not w.isdigit()}
        cache.set(key, known, 3600)
    return known


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


def hits_for(pages, terms):
    from .service import Hit, make_snippet

    details = {
        p.pk: p
        for p in EntryPage.objects.filter(pk__in=[p.pk for p in pages]).select_related(
            "topic", "authority"
        )
    }
    hits = []
    for page in pages:
        entry = details[page.pk]
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
                score=float(getattr(page, "score", 0.0) or 0.0),
            )
        )
    return hits


def facets(matching_ids):
    def count(queryset, value, label=None):
        fields = [value, label] if label else [value]
        rows = queryset.values(*fields).annotate(count=Count("pk")).order_by("-count", *fields)
        return [
            {
                "value": str(r[value]),
                "label": r[label] if label else str(r[value]),
                "count": r["count"],
            }
            for r in rows
            if r[value] is not None
        ]

    entries = EntryPage.objects.filter(pk__in=matching_ids)
    return {
        "topic": count(entries, "topic__slug", "topic__name"),
        "authority": count(entries, "authority__slug", "authority__name"),
        "tag": count(
            EntryTag.objects.filter(content_object__in=matching_ids), "tag__slug", "tag__name"
        )[:20],
        "year": sorted(
            count(entries.annotate(year=ExtractYear("validated_at")), "year"),
            key=lambda row: row["value"],
            reverse=True,
        ),
    }
