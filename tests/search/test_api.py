"""GET /api/search/ — the stable interface of DESIGN.md — and the query log."""

import pytest

from kb.models import EntryPage, GlossaryTerm, TopicPage
from search import service
from search.models import QueryLog
from tests.factories import EntryPageFactory
from validation.models import Authority


@pytest.fixture
def entries(taxonomy):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    health = TopicPage.objects.get(topic__slug="sanita")
    return {
        "renewal": EntryPageFactory(
            parent=permits,
            title="Rinnovo del permesso di soggiorno con il kit postale",
            question="Come si rinnova il permesso di soggiorno?",
            answer="<p>Con il kit postale presso gli uffici abilitati.</p>",
            tags=["rinnovo"],
        ),
        "stp": EntryPageFactory(
            parent=health,
            title="Tessera sanitaria per stranieri senza permesso",
            question="Chi rilascia il codice per le cure?",
            answer="<p>La ASL rilascia il codice a chi non ha il permesso di soggiorno.</p>",
            authority=Authority.objects.get(slug="asl"),
        ),
        "restricted": EntryPageFactory(
            parent=permits,
            title="Prassi interna sul permesso di soggiorno scaduto",
            visibility=EntryPage.Visibility.OPERATORS,
        ),
    }


def test_contract_of_the_search_api(client, entries):
    data = client.get("/api/search/", {"q": "permesso di soggiorno"}).json()

    assert set(data) == {"query", "engine", "total", "results", "facets", "suggestion"}
    assert data["query"] == "permesso di soggiorno"
    assert data["engine"] == "database"
    assert data["total"] == 2  # the restricted entry is not public
    first = data["results"][0]
    assert set(first) == {
        "id",
        "external_id",
        "title",
        "url",
        "snippet",
        "topic",
        "authority",
        "validated_at",
        "score",
    }
    assert first["url"].startswith("http://testserver/")
    assert first["validated_at"] == "2026-03-12"
    assert {r["external_id"] for r in data["results"]} == {
        entries["renewal"].external_id,
        entries["stp"].external_id,
    }
    assert set(data["facets"]) == {"topic", "authority", "tag", "year"}
    assert {f["value"]: f["count"] for f in data["facets"]["authority"]} == {
        "questura": 1,
        "asl": 1,
    }
    assert data["facets"]["topic"][0].keys() == {"value", "label", "count"}


def test_filters_and_paging(client, entries):
    only_health = client.get("/api/search/", {"q": "permesso", "topic": "sanita"}).json()
    assert [r["title"] for r in only_health["results"]] == [entries["stp"].title]
    by_tag = client.get("/api/search/", {"q": "permesso", "tag": "rinnovo"}).json()
    assert [r["title"] for r in by_tag["results"]] == [entries["renewal"].title]
    second_page = client.get("/api/search/", {"q": "permesso", "page": 2, "page_size": 1}).json()
    assert second_page["total"] == 2 and len(second_page["results"]) == 1


def test_registered_readers_also_find_restricted_entries(client, entries, operator):
    client.force_login(operator)
    assert client.get("/api/search/", {"q": "permesso di soggiorno"}).json()["total"] == 3


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "permesso", "page": "-1"}, "«page» deve essere un numero intero"),
        ({"q": "permesso", "page": "abc"}, "«page» deve essere un numero intero"),
        (
            {"q": "permesso", "page_size": "500"},
            "«page_size» deve essere un numero intero tra 1 e 50",
        ),
    ],
)
def test_bad_parameters_get_a_json_error(client, entries, params, message):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    "query", ["", "x" * 2000, '"permesso', "permesso\x00\x1b[31m", "((( OR AND NOT *", "ü∑ß ✓"]
)
def test_odd_queries_are_answered_not_crashed(client, entries, query):
    response = client.get("/api/search/", {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json()["total"], int)


def test_glossary_synonyms_expand_the_query(client, entries, django_capture_on_commit_callbacks):
    assert client.get("/api/search/", {"q": "pds"}).json()["total"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        GlossaryTerm.objects.create(
            term="permesso di soggiorno",
            definition="Il titolo che autorizza a soggiornare.",
            synonyms="pds",
            english_synonyms="residence permit",
        )
        GlossaryTerm.objects.create(
            term="STP",
            definition="Straniero temporaneamente presente.",
            synonyms="tessera sanitaria per stranieri",
        )
    assert entries["renewal"].external_id in [
        r["external_id"] for r in client.get("/api/search/", {"q": "pds"}).json()["results"]
    ]
    english = client.get("/api/search/", {"q": "residence permit renewal"}).json()
    assert english["results"][0]["external_id"] == entries["renewal"].external_id
    assert service.expand_with_glossary("tesserino STP").startswith("tesserino STP ")


def test_searches_are_logged_without_identity(client, entries, operator):
    client.force_login(operator)
    client.get("/api/search/", {"q": "kit postale", "topic": "permesso-di-soggiorno"})
    client.get("/cerca/", {"q": "nessun risultato qui"})
    api, page = QueryLog.objects.order_by("created_at")
    assert (api.query, api.source, api.engine, api.result_count) == (
        "kit postale",
        "api",
        "database",
        1,
    )
    assert api.filters == {"topic": "permesso-di-soggiorno"}
    assert (page.source, page.result_count) == ("page", 0)
    assert {f.name for f in QueryLog._meta.fields} == {
        "id",
        "query",
        "filters",
        "result_count",
        "engine",
        "milliseconds",
        "source",
        "opened",
        "created_at",
    }


def test_editor_report_of_queries_top_empty_and_never_opened(client, entries, taxonomy):
    from django.contrib.auth.models import Group

    from accounts.roles import EDITOR
    from tests.factories import UserFactory

    for _ in range(3):
        client.get("/cerca/", {"q": "kit postale"})
    client.get("/cerca/", {"q": "tessera sanitaria"})
    client.get("/cerca/", {"q": "parola inesistente"})
    page = client.get("/cerca/", {"q": "tessera sanitaria"}).content.decode()
    link = f"/cerca/apri/{QueryLog.objects.latest('created_at').pk}/{entries['stp'].pk}/"
    assert link in page
    assert client.get(link)["Location"] == entries["stp"].url

    report = service.query_report()
    assert report["top"][0] == {"query": "kit postale", "count": 3}
    assert report["no_results"] == [{"query": "parola inesistente", "count": 1}]
    assert [row["query"] for row in report["never_opened"]] == ["kit postale"]

    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)
    html = client.get("/admin/ricerche/").content.decode()
    assert "Senza risultati" in html and "parola inesistente" in html
    client.force_login(UserFactory(email="altro@example.org"))
    assert client.get("/admin/ricerche/").status_code in (302, 403)
