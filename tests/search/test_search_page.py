import datetime
import re
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kb.models import TopicPage
from search import elastic, service
from tests.factories import AuthorityFactory, EntryPageFactory, TopicFactory, TopicPageFactory
from validation.models import Authority


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


# What a reader sees on /cerca/: filters with counts, stamps, pages, help when nothing is found.


@pytest.fixture
def library(taxonomy):
    """Entries on the demo taxonomy: two on permits (one tagged, one validated in 2025) and
    one on health care by the ASL."""
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    health = TopicPage.objects.get(topic__slug="sanita")
    return {
        "renewal": EntryPageFactory(
            parent=permits,
            title="Rinnovo del permesso di soggiorno con il kit postale",
            question="Come si rinnova il permesso di soggiorno?",
            tags=["rinnovo"],
        ),
        "duplicate": EntryPageFactory(
            parent=permits,
            title="Duplicato del permesso di soggiorno smarrito",
            question="Cosa fare se il permesso di soggiorno è stato smarrito?",
            validated_at=datetime.date(2025, 6, 3),
        ),
        "stp": EntryPageFactory(
            parent=health,
            title="Tessera STP per chi non ha il permesso di soggiorno",
            question="Chi rilascia la tessera STP?",
            authority=Authority.objects.get(slug="asl"),
        ),
    }


def page_html(client, url="/cerca/", **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def facet_links(html):
    """{label: (count, href)} of the filter links that select a value."""
    found = re.findall(
        r'<a href="([^"]+)">([^<]+?) <span aria-hidden="true">\((\d+)\)</span>', html
    )
    return {label: (int(count), unescape(href)) for href, label, count in found}


def titles(html):
    return re.findall(r'<h3 class="h5 mb-1"><a href="[^"]+">([^<]+)</a></h3>', html)


def test_filters_show_their_counts_and_a_link_selects_one_keeping_the_query(client, library):
    html = page_html(client, q="permesso")
    links = facet_links(html)

    assert "3 risultati" in html
    assert links["Permesso di soggiorno"][0] == 2
    assert links["Assistenza sanitaria"][0] == 1
    assert links["Questura - Ufficio immigrazione"][0] == 2
    assert links["Azienda sanitaria locale"][0] == 1
    assert links["rinnovo"][0] == 1
    assert links["2026"][0] == 2 and links["2025"][0] == 1

    health = page_html(client, "/cerca/" + links["Assistenza sanitaria"][1])
    assert titles(health) == [library["stp"].title]
    assert "Filtri attivi:" in health
    assert "Tema: Assistenza sanitaria" in health
    # The query box keeps the chosen filter for the next search.
    assert '<input type="hidden" name="topic" value="sanita">' in health


def test_a_chosen_filter_is_marked_and_removable_and_the_others_keep_it(client, library):
    html = page_html(client, q="permesso", topic="permesso-di-soggiorno")

    assert sorted(titles(html)) == sorted([library["renewal"].title, library["duplicate"].title])
    assert '<strong>Permesso di soggiorno <span aria-hidden="true">(2)</span></strong>' in html
    assert "filtro scelto" in html
    # Choosing a year keeps the topic and the query.
    year = facet_links(html)["2025"][1]
    assert parse_qs(year.lstrip("?")) == {
        "q": ["permesso"],
        "topic": ["permesso-di-soggiorno"],
        "year": ["2025"],
    }
    assert titles(page_html(client, "/cerca/" + year)) == [library["duplicate"].title]
    # Removing the topic keeps the query.
    removal = re.search(r'<a class="btn btn-outline-primary btn-sm" href="([^"]+)">Tema:', html)
    assert unescape(removal.group(1)) == "?q=permesso"


@pytest.fixture
def back_to_italian():
    """A request under /en/ leaves English active in this thread."""
    yield
    translation.deactivate()


def test_each_hit_shows_who_validated_it_and_when(client, library, back_to_italian):
    html = page_html(client, q="tessera")

    assert "<mark>tessera</mark>" in html.lower()
    assert "Assistenza sanitaria ·" in html
    assert "Validata da <strong>Azienda sanitaria locale</strong> il 12 marzo 2026" in html

    english = page_html(client, "/en/cerca/", q="tessera")
    assert "Validated by <strong>Azienda sanitaria locale</strong> on 12 March 2026" in english


def test_pages_keep_the_query_and_the_filters(client, taxonomy):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    for number in range(23):
        EntryPageFactory(parent=permits, title=f"Permesso di soggiorno, caso {number}")

    html = page_html(client, q="permesso", topic="permesso-di-soggiorno", page="2")
    nav = re.search(
        r'<nav class="pagination-wrapper" aria-label="Pagine dei risultati">.*?</nav>', html, re.S
    )

    assert "23 risultati" in html
    assert len(titles(html)) == 10
    base = "?q=permesso&topic=permesso-di-soggiorno"
    links = {
        re.sub(r"<[^>]+>", "", text): unescape(href)
        for href, text in re.findall(
            r'<a class="page-link" href="([^"]+)"[^>]*>(.*?)</a>', nav.group()
        )
    }
    assert links == {
        "Precedente": base,
        "Pagina 1": base,
        "Pagina 2": base + "&page=2",
        "Pagina 3": base + "&page=3",
        "Successiva": base + "&page=3",
    }
    assert 'aria-current="page"><span class="visually-hidden">Pagina </span>2</a>' in nav.group()
    assert len(titles(page_html(client, "/cerca/" + links["Successiva"]))) == 3


def test_a_typo_gets_did_you_mean_with_the_corrected_query(client, taxonomy):
    family = TopicPage.objects.get(topic__slug="ricongiungimento-familiare")
    EntryPageFactory(parent=family, title="Ricongiungimento familiare con i figli minori")

    html = page_html(client, q="ricongiungimeto figli")

    assert 'Forse cercavi «<a href="?q=ricongiungimento+figli">ricongiungimento figli</a>»?' in html
    assert "Forse cercavi" not in page_html(client, q="ricongiungimento figli")


def related_topics(html):
    listed = re.search(r'<ul class="related-topics">(.*?)</ul>', html, re.S)
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', listed.group(1))


def test_no_result_points_to_related_topics_and_not_to_asking_for_anonymous_readers(
    client, library
):
    html = page_html(client, q="ricongiungimento del coniuge")

    assert "Nessuna risposta trovata" in html
    assert related_topics(html) == [
        ("/ricongiungimento-familiare/", "Ricongiungimento e coesione familiare")
    ]
    assert "Fai questa domanda" not in html
    # Nothing in common with a topic: every topic is offered.
    assert len(related_topics(page_html(client, q="zzzz"))) == TopicPage.objects.count() == 12


def test_an_operator_can_ask_the_unanswered_query_with_the_title_filled_in(
    client, library, operator, coordinator
):
    client.force_login(coordinator)
    assert "Fai questa domanda" not in page_html(client, q="ricongiungimento del coniuge")

    client.force_login(operator)
    html = page_html(client, q="ricongiungimento del coniuge")
    button = re.search(r'<a class="btn btn-primary" href="([^"]+)">Fai questa domanda</a>', html)
    assert button and unescape(button.group(1)) == (
        "/quesiti/nuovo/?titolo=ricongiungimento%20del%20coniuge"
    )

    form = page_html(client, unescape(button.group(1)))
    assert 'value="ricongiungimento del coniuge"' in form
    assert '"><b>' not in page_html(client, "/quesiti/nuovo/", titolo='"><b>x')
    # Only for a search without results.
    assert "Fai questa domanda" not in page_html(client, q="permesso")


@pytest.fixture
def elasticsearch_down(settings):
    settings.SEARCH_ENGINE = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    yield
    elastic.mark_available()


def test_the_page_says_when_the_main_engine_is_down(client, library, elasticsearch_down):
    html = page_html(client, q="tessera")

    assert titles(html) == [library["stp"].title]
    assert re.search(
        r'<div class="alert alert-warning" role="status">I risultati potrebbero essere meno '
        r"precisi del solito: il motore di ricerca principale è temporaneamente non disponibile",
        html,
    )


def test_the_notice_is_absent_when_the_engine_answers(client, library):
    assert "temporaneamente non disponibile" not in page_html(client, q="tessera")


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "20255"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "1.5"},
        {"topic": "non-esiste"},
        {"authority": "x" * 500},
        {"tag": "<script>"},
        {"topic": "\x00"},
    ],
)
def test_bad_filters_are_ignored(client, library, params):
    html = page_html(client, q="permesso", **params)

    assert "3 risultati" in html
    assert len(titles(html)) == 3


def test_a_page_beyond_the_last_says_so_and_links_to_the_last(client, library):
    html = page_html(client, q="permesso", page="999999")

    assert "3 risultati" in html
    assert titles(html) == []
    assert 'non esiste. <a href="?q=permesso">Vai all\'ultima pagina</a>' in html


def test_filters_alone_list_the_entries_of_a_topic(client, library):
    html = page_html(client, topic="sanita")

    assert titles(html) == [library["stp"].title]


def test_queries_do_not_grow_with_the_entries(
    client, taxonomy, operator, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    client.force_login(operator)
    params = {"q": "permesso", "topic": "permesso-di-soggiorno", "tag": "rinnovo"}
    EntryPageFactory(parent=permits, title="Permesso di soggiorno, primo caso", tags=["rinnovo"])
    page_html(client, **params)  # fills the caches
    with CaptureQueriesContext(connection) as few:
        page_html(client, **params)
    queries = len(few)  # now: the next request empties the log

    with django_capture_on_commit_callbacks(execute=True):
        for number in range(30):
            EntryPageFactory(
                parent=permits,
                title=f"Permesso di soggiorno, caso {number}",
                tags=["rinnovo", f"t{number}"],
            ).save_revision().publish()
    page_html(client, **params)
    with django_assert_max_num_queries(queries):
        html = page_html(client, **params)
    assert "31 risultati" in html


def test_search_boxes_get_suggestions_from_a_static_script(client, library):
    for html in (page_html(client, "/"), page_html(client, q="permesso")):
        assert 'data-autocomplete="/api/autocomplete/"' in html
        assert '<script src="/static/search/autocomplete.js" defer></script>' in html
        # No inline script: a Content-Security-Policy will forbid them.
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert finders.find("search/autocomplete.js")


def test_a_move_or_a_view_restriction_shows_in_the_next_search(
    client, taxonomy, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    health = TopicPage.objects.get(topic__slug="sanita")
    with django_capture_on_commit_callbacks(execute=True):
        entry = EntryPageFactory(parent=permits, title="Tessera sanitaria e permesso")
        entry.save_revision().publish()
    assert "1 risultato" in page_html(client, q="tessera", topic="permesso-di-soggiorno")

    with django_capture_on_commit_callbacks(execute=True):
        entry.move(health, pos="last-child")
    assert "0 risultati" in page_html(client, q="tessera", topic="permesso-di-soggiorno")
    assert "1 risultato" in page_html(client, q="tessera", topic="sanita")

    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=entry, restriction_type="login")
    assert "0 risultati" in page_html(client, q="tessera")
