import pytest

from search import service
from tests.factories import AuthorityFactory, EntryPageFactory, TopicFactory, TopicPageFactory


@pytest.fixture
def entries(home):
    permits = TopicPageFactory(parent=home)
    health = TopicPageFactory(parent=home, topic=TopicFactory(slug="sanita", name="Sanità"))
    asl = AuthorityFactory(slug="asl", name="Azienda sanitaria locale", kind="asl")
    return {
        "renewal": EntryPageFactory(
            parent=permits,
            title="Rinnovo del permesso di soggiorno",
            question="Come si rinnova il permesso?",
            answer="<p>Con il kit postale presso gli uffici abilitati.</p>",
            tags=["rinnovo"],
        ),
        "stp": EntryPageFactory(
            parent=health,
            title="Tessera STP per stranieri non iscrivibili",
            question="Chi rilascia la tessera STP?",
            answer="<p>La rilascia la ASL a chi non ha un permesso di soggiorno.</p>",
            authority=asl,
        ),
    }


def test_search_page_finds_an_entry_and_marks_the_words(client, entries):
    html = client.get("/cerca/", {"q": "tessera"}).content.decode()

    assert "1 risultato" in html
    assert entries["stp"].title in html
    assert f"/{entries['stp'].pk}/" in html  # through the click log to the entry
    assert "<mark>tessera</mark>" in html.lower()
    assert entries["renewal"].title not in html


def test_filters_narrow_the_results_and_facets_count_them(entries):
    everything = service.search("permesso")
    assert everything.engine == "database"
    assert everything.total == 2
    assert {f["value"]: f["count"] for f in everything.facets["authority"]} == {
        "questura": 1,
        "asl": 1,
    }

    only_health = service.search("permesso", {"topic": "sanita"})
    assert [hit.external_id for hit in only_health.hits] == [entries["stp"].external_id]
    assert only_health.facets["topic"] == [{"value": "sanita", "label": "Sanità", "count": 1}]

    by_tag = service.search("permesso", {"tag": "rinnovo"})
    assert [hit.title for hit in by_tag.hits] == [entries["renewal"].title]


def test_search_escapes_the_query_in_the_page(client, entries):
    html = client.get("/cerca/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "Nessuna risposta trovata" in html


def test_odd_input_is_answered_not_crashed(client, entries):
    for params in (
        {"q": "\x00\x07permesso"},
        {"q": "x" * 3000},
        {"q": "permesso", "page": "-4"},
        {"q": "permesso", "page": "abc"},
        {"q": '"unbalanced'},
    ):
        assert client.get("/cerca/", params).status_code == 200


def test_snippet_keeps_whole_words_around_the_match():
    text = "parola " * 60 + "tessera sanitaria " + "fine " * 60
    snippet = service.make_snippet(text, ["tessera"])
    assert snippet.startswith("… parola")
    assert snippet.endswith(" …")
    assert "<mark>tessera</mark> sanitaria" in snippet
    inner = snippet.removeprefix("… ").removesuffix(" …")
    assert all(
        word in {"parola", "fine", "<mark>tessera</mark>", "sanitaria"} for word in inner.split()
    )
