"""GET /api/autocomplete/?q= — titles for what a reader has typed so far."""

import pytest
from django.urls import reverse
from django.utils import translation

from kb.models import EntryPage, TopicPage
from tests.factories import EntryPageFactory


@pytest.fixture
def entries(taxonomy):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    return {
        "renewal": EntryPageFactory(
            parent=permits, title="Rinnovo del permesso di soggiorno con il kit postale"
        ),
        "restricted": EntryPageFactory(
            parent=permits,
            title="Rinnovo con il permesso scaduto: prassi interna",
            visibility=EntryPage.Visibility.OPERATORS,
        ),
        "other": EntryPageFactory(parent=permits, title="Duplicato del permesso smarrito"),
    }


def suggest(client, q):
    response = client.get("/api/autocomplete/", {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_contract_of_the_autocomplete_api(client, entries):
    data = suggest(client, "rinno")

    assert data == {
        "query": "rinno",
        "results": [{"title": entries["renewal"].title, "url": entries["renewal"].url}],
    }


def test_operators_are_also_offered_restricted_entries(client, entries, operator):
    client.force_login(operator)

    titles = {result["title"] for result in suggest(client, "rinnovo")["results"]}

    assert titles == {entries["renewal"].title, entries["restricted"].title}


def test_the_api_is_not_translated():
    assert reverse("api-autocomplete") == "/api/autocomplete/"
    with translation.override("en"):
        assert reverse("api-autocomplete") == "/api/autocomplete/"


@pytest.mark.parametrize("q", ["", " ", "r", "\x00", "\x00r\x07"])
def test_too_short_input_gives_no_suggestion(client, entries, q):
    assert suggest(client, q)["results"] == []


@pytest.mark.parametrize(
    "q",
    ['"rinnovo', "rinnovo'", "\x00\x07rinnovo\x1f", "rinnovo*", "rinnovo:", "rin%no_vo", "\\"],
)
def test_odd_input_is_answered(client, entries, q):
    data = suggest(client, q)

    assert isinstance(data["results"], list)
    assert all(set(result) == {"title", "url"} for result in data["results"])
    assert "\x00" not in data["query"]


def test_control_characters_are_spaces(client, entries):
    data = suggest(client, "\x00\x07rinnovo\x1f")

    assert data["query"] == "rinnovo"
    assert [result["title"] for result in data["results"]] == [entries["renewal"].title]


def test_a_long_query_is_cut_not_refused(client, entries):
    data = suggest(client, "rinnovo " + "x" * 2000)

    assert len(data["query"]) == 200
    assert data["query"].startswith("rinnovo xxx")
    assert data["results"] == []
