"""The Elasticsearch index of published entries: its document, its analysis profiles, and the
alias `<prefix>-entries` over timestamped indices that lets a rebuild swap in a new index."""

import logging
import time

from django.conf import settings
from django.utils import timezone
from elasticsearch import BadRequestError
from elasticsearch.dsl import Completion, Date, Document, Index, Integer, Keyword, Text

from kb.models import EntryPage, GlossaryTerm
from questions.html import html_to_text

from .text import fold, mentioned_terms, split_elisions

logger = logging.getLogger(__name__)

ELISION_ARTICLES = (
    "c l all dall dell nell sull coll pell gl agl dagl degl negl sugl un m t s v d quell "
    "quest nessun bell"
).split()

# `full`: the cluster has the analysis-common module. `core`: only what every node has (the
# integ-test distribution in CI): there the service splits elisions before sending text, and
# the `folded` field covers missing accents.
PROFILES = {
    "full": {
        "filter": {
            "italian_elision": {
                "type": "elision",
                "articles": ELISION_ARTICLES,
                "articles_case": True,
            },
            "italian_stop": {"type": "stop", "stopwords": "_italian_"},
            "italian_stemmer": {"type": "stemmer", "language": "light_italian"},
        },
        "analyzer": {
            "italian_text": {
                "tokenizer": "standard",
                "filter": [
                    "italian_elision",
                    "lowercase",
                    "italian_stop",
                    "italian_stemmer",
                    "asciifolding",
                ],
            }
        },
    },
    "core": {
        "filter": {
            "italian_stop": {"type": "stop", "stopwords": "_italian_"},
            "italian_hunspell": {"type": "hunspell", "locale": "it_IT", "dedup": True},
        },
        "analyzer": {
            "italian_text": {
                "tokenizer": "standard",
                "filter": ["lowercase", "italian_stop", "italian_hunspell"],
            }
        },
    },
}


def italian_text(**kwargs):
    return Text(analyzer="italian_text", **kwargs)


class EntryDocument(Document):
    """One published entry. Texts go in with elisions split (see `search.text`)."""

    external_id = Keyword()
    title = italian_text()
    question = italian_text()
    answer = italian_text()
    # Folded (no accents), unstemmed text: matches "perche" and "citta", carries fuzzy
    # matching and the "Forse cercavi" term suggester.
    folded = Text(analyzer="standard")
    folded_title = Text(analyzer="standard")
    tags = Keyword()
    tag_names = italian_text()
    glossary = italian_text()
    legal_references = italian_text()
    topic = Keyword()
    authority = Keyword()
    validated_at = Date()
    review_due = Date()
    year = Integer()
    language = Keyword()
    visibility = Keyword()
    popularity = Integer()
    url = Keyword(index=False)
    version = Keyword(index=False)
    suggest = Completion(
        analyzer="simple",
        contexts=[{"name": "visibility", "type": "category", "path": "visibility"}],
    )

    @classmethod
    def from_entry(cls, entry, glossary):
        text = html_to_text(entry.answer)
        tags = list(entry.tags.all())
        whole = f"{entry.title} {entry.question} {text}"
        folded_whole = fold(whole)
        return cls(
            meta={"id": entry.pk},
            external_id=entry.external_id,
            title=split_elisions(entry.title),
            question=split_elisions(entry.question),
            answer=split_elisions(text),
            folded=split_elisions(f"{folded_whole} {' '.join(fold(t.name) for t in tags)}"),
            folded_title=split_elisions(fold(entry.title)),
            tags=[tag.slug for tag in tags],
            tag_names=[tag.name for tag in tags],
            glossary=[
                name for term in mentioned_terms(whole, glossary) for name in term.all_names()
            ],
            legal_references=[ref.label for ref in entry.legal_references.all()],
            topic=entry.topic.slug,
            authority=entry.authority.slug,
            validated_at=entry.validated_at,
            review_due=entry.review_due,
            year=entry.validated_at.year if entry.validated_at else None,
            language=entry.language,
            visibility=entry.visibility,
            popularity=entry.view_count,
            url=entry.url,
            version=version_of(entry.live_revision_id, entry.url_path),
            suggest={
                "input": completion_inputs(entry.title),
                "contexts": {"visibility": [entry.visibility]},
            },
        )


def version_of(live_revision_id, url_path):
    """What `search_index --sync` compares: the published revision and the place."""
    return f"{live_revision_id}:{url_path}"


def completion_inputs(title):
    """The title and its tails from each word on, so "perm" and "rinnovo perm" both find
    "Rinnovo del permesso ..."."""
    words = title.split()
    return [" ".join(words[i:]) for i in range(min(len(words), 8))]


def indexable_entries():
    """Entries that belong in the index, tuned for bulk reading."""
    return (
        EntryPage.objects.live()
        .public()
        .select_related("topic", "authority")
        .prefetch_related("tags", "legal_references")
        .order_by("pk")
    )


def glossary_terms():
    return list(GlossaryTerm.objects.all())


def alias_name():
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-entries"


def probe_profile(client):
    """`full` if the cluster can fold accents and split elisions itself, else `core`."""
    try:
        client.indices.analyze(
            tokenizer="standard",
            filter=["asciifolding", {"type": "elision", "articles": ["l"]}],
            text="l'è",
        )
    except BadRequestError:
        return "core"
    return "full"


def create_index(client, profile=None):
    """A new, empty, timestamped index (not yet behind the alias). Returns its name."""
    profile = profile or probe_profile(client)
    name = f"{alias_name()}-{timezone.now():%Y%m%d%H%M%S%f}"
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, analysis=PROFILES[profile])
    index.document(EntryDocument)
    mapping = index.to_dict()
    mapping["mappings"]["_meta"] = {"profile": profile}
    client.indices.create(index=name, **mapping)
    logger.info("created index %s with the %s analysis profile", name, profile)
    return name


def indices_behind_alias(client):
    """The indices the alias points to (none before the first index): one request."""
    found = client.options(ignore_status=404).indices.get_alias(name=alias_name())
    return [] if found.meta.status == 404 else sorted(found)


def point_alias(client, index_name, grace=0):
    """Move the alias to `index_name` in one step, then drop the indices it left, after
    `grace` seconds: searches already running on them finish first."""
    old = indices_behind_alias(client)
    actions = [{"remove": {"index": name, "alias": alias_name()}} for name in old]
    actions.append({"add": {"index": index_name, "alias": alias_name()}})
    client.indices.update_aliases(actions=actions)
    if old and grace:
        time.sleep(grace)
    for name in old:
        if name != index_name:
            client.indices.delete(index=name)


def profile_of(client, index_name):
    mapping = client.indices.get_mapping(index=index_name)
    return mapping[index_name]["mappings"].get("_meta", {}).get("profile", "?")
