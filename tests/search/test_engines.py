"""The same behaviour from both engines: the database engine (no server) and Elasticsearch."""

import datetime

import pytest

from kb.models import EntryPage, GlossaryTerm, TopicPage
from search import service
from tests.factories import EntryPageFactory, UserFactory
from validation.models import Authority


@pytest.fixture
def corpus(taxonomy, engine):
    def topic(slug):
        return TopicPage.objects.get(topic__slug=slug)

    def authority(slug):
        return Authority.objects.get(slug=slug)

    GlossaryTerm.objects.create(
        term="permesso di soggiorno",
        definition="Documento che autorizza il soggiorno.",
        synonyms="pds",
        english_synonyms="residence permit",
    )
    entries = {
        "renewal": EntryPageFactory(
            parent=topic("permesso-di-soggiorno"),
            title="Rinnovo del permesso di soggiorno con il kit postale",
            question="Come si rinnova il permesso di soggiorno scaduto?",
            answer="<p>Si presenta il kit postale all'ufficio abilitato, con la ricevuta.</p>",
            authority=authority("questura"),
            tags=["rinnovo"],
            validated_at=datetime.date(2026, 3, 1),
        ),
        "residence": EntryPageFactory(
            parent=topic("iscrizione-anagrafica"),
            title="Residenza dei richiedenti asilo ospiti di un centro",
            question="Perché l'anagrafe deve iscrivere il richiedente ospite nella città?",
            answer="<p>L'ufficio dell'anagrafe iscrive l'ospite nella convivenza.</p>",
            authority=authority("comune-anagrafe"),
            tags=["residenza"],
            validated_at=datetime.date(2025, 6, 1),
        ),
        "health": EntryPageFactory(
            parent=topic("sanita"),
            title="Tessera STP per chi non ha documenti",
            question="Chi rilascia il codice STP per le cure urgenti?",
            answer="<p>La ASL rilascia il codice per le cure <b>urgenti</b> ed essenziali.</p>",
            authority=authority("asl"),
            validated_at=datetime.date(2025, 9, 1),
        ),
        "reunification": EntryPageFactory(
            parent=topic("ricongiungimento-familiare"),
            title="Ricongiungimento familiare: il nulla osta",
            question="Come si chiede il nulla osta per il ricongiungimento familiare?",
            answer="<p>La domanda va allo Sportello unico per l'immigrazione.</p>",
            authority=authority("prefettura-sui"),
            validated_at=datetime.date(2026, 1, 15),
        ),
        "restricted": EntryPageFactory(
            parent=topic("permesso-di-soggiorno"),
            title="Prassi interna sul rinnovo del permesso scaduto",
            question="Come tratta la Questura i rinnovi tardivi?",
            answer="<p>Indicazioni riservate agli operatori.</p>",
            authority=authority("questura"),
            visibility=EntryPage.Visibility.OPERATORS,
        ),
    }
    engine.refresh()
    return entries


def found(query, **kwargs):
    result = service.search(query, **kwargs)
    assert not result.degraded
    return [hit.external_id for hit in result.hits]


def ids(corpus, *names):
    return [corpus[name].external_id for name in names]


def test_engine_answers_with_its_own_name(corpus, engine):
    assert service.search("permesso").engine == engine.name


def test_public_readers_never_get_restricted_entries(corpus, operator):
    assert corpus["restricted"].external_id not in found("rinnovo permesso scaduto")
    assert corpus["restricted"].external_id in found("rinnovo permesso scaduto", user=operator)


def test_title_matches_rank_first(corpus):
    assert found("ricongiungimento familiare")[0] == corpus["reunification"].external_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dell'anagrafe", "residence"),  # elision
        ("l’ufficio anagrafe", "residence"),  # typographic apostrophe
        ("perche citta", "residence"),  # accents left out
        ("richiedente", "residence"),  # singular of "richiedenti"
        ("permessi rinnovati", "renewal"),  # plural, participle
        ("pds", "renewal"),  # glossary abbreviation
        ("residence permit", "renewal"),  # glossary English synonym
        ("ricongiungimeto familaire", "reunification"),  # typos
    ],
)
def test_italian_forms_find_the_entry(corpus, query, expected):
    assert found(query)[0] == corpus[expected].external_id


def test_filters_narrow_and_facets_count(corpus):
    everything = service.search("")
    assert everything.total == 4
    counts = {row["value"]: row["count"] for row in everything.facets["topic"]}
    assert counts == {
        "permesso-di-soggiorno": 1,
        "iscrizione-anagrafica": 1,
        "sanita": 1,
        "ricongiungimento-familiare": 1,
    }
    years = {row["value"]: row["count"] for row in everything.facets["year"]}
    assert years == {"2026": 2, "2025": 2}
    labels = {row["value"]: row["label"] for row in everything.facets["authority"]}
    assert labels["asl"] == "Azienda sanitaria locale"

    assert found("", filters={"topic": "sanita"}) == ids(corpus, "health")
    assert found("", filters={"authority": "questura"}) == ids(corpus, "renewal")
    assert found("", filters={"tag": "residenza"}) == ids(corpus, "residence")
    assert set(found("", filters={"year": "2026"})) == set(ids(corpus, "renewal", "reunification"))
    narrowed = service.search("", filters={"year": "2025"})
    assert {row["value"] for row in narrowed.facets["topic"]} == {
        "iscrizione-anagrafica",
        "sanita",
    }
    tags = {row["value"]: row["count"] for row in narrowed.facets["tag"]}
    assert tags == {"residenza": 1}


def test_empty_query_lists_the_latest_validated_first(corpus):
    assert found("") == ids(corpus, "renewal", "reunification", "health", "residence")


def test_snippets_mark_the_matched_words_and_escape_the_rest(corpus):
    hit = service.search("cure urgenti").hits[0]
    assert hit.external_id == corpus["health"].external_id
    assert "<mark>urgenti</mark>" in hit.snippet
    assert "<b>" not in hit.snippet


def test_hits_carry_the_validation_stamp(corpus):
    hit = service.search("tessera stp").hits[0]
    assert hit.authority == "asl"
    assert hit.authority_name == "Azienda sanitaria locale"
    assert hit.topic_name == "Assistenza sanitaria"
    assert hit.validated_at == datetime.date(2025, 9, 1)
    assert hit.url == corpus["health"].url


def test_typos_get_a_did_you_mean(corpus):
    result = service.search("ricongiungimeto")
    assert result.suggestion == "ricongiungimento"
    assert service.search("ricongiungimento").suggestion == ""


def test_pages_split_the_results(corpus):
    first = service.search("", page=1, page_size=3)
    second = service.search("", page=2, page_size=3)
    assert first.total == second.total == 4
    assert first.page_count == 2
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_similar_finds_what_may_already_answer_a_question(corpus):
    hits = service.similar(
        "Un ospite ha il permesso di soggiorno scaduto: come presenta il rinnovo alla posta?"
    )
    assert hits[0].external_id == corpus["renewal"].external_id
    assert service.similar("e il la") == []


def test_similar_finds_the_demo_entry_asked_again_with_other_words(taxonomy, engine):
    """A long question that mentions other subjects too (here a codice fiscale) still
    finds the entry that answers it: on PostgreSQL the stems alone missed it."""
    from kb.demo.load import load_entries

    load_entries()
    engine.refresh()
    titles = [
        hit.title
        for hit in service.similar(
            "Rinnovo del permesso per lavoro subordinato in scadenza. Un lavoratore con "
            "contratto a tempo indeterminato ha il permesso di soggiorno per lavoro subordinato "
            "che scade tra un mese. Codice fiscale RSSMRA85T10A562S. Quando deve presentare la "
            "domanda di rinnovo e quali documenti servono?"
        )
    ]
    answer = "Rinnovo del permesso di soggiorno per lavoro subordinato: quando e come si chiede"
    assert answer in titles[:3]


def test_autocomplete_completes_titles(corpus, operator):
    assert [s["title"] for s in service.autocomplete("tesser")] == [corpus["health"].title]
    titles = [s["title"] for s in service.autocomplete("permesso di sogg")]
    assert corpus["renewal"].title in titles
    assert corpus["restricted"].title not in titles
    assert service.autocomplete("prassi interna", user=operator)[0]["url"] == (
        corpus["restricted"].url
    )
    assert service.autocomplete("x") == []


@pytest.mark.parametrize(
    "query",
    ['"permesso', "permesso)", "a" * 2000, "rinnovo\x00\x1b[31m", "*:*", "OR AND NOT", "🙂"],
)
def test_odd_queries_get_an_answer(corpus, query):
    result = service.search(query)
    assert not result.degraded
    assert result.total >= 0


def test_registered_readers_are_recognised_by_role(corpus, roles):
    # A user without the operator role is a public reader.
    assert corpus["restricted"].external_id not in found(
        "prassi interna", user=UserFactory(email="nessuno@example.org")
    )
