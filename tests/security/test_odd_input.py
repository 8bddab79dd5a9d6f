"""Odd input everywhere: a clear error in Italian or an ordinary answer, never a 500, and a
refused write changes nothing."""

import datetime
import html
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kb.entries_io import EntryFileError, import_entries, read_entries
from kb.models import EntryPage, Feedback, Topic, TopicPage
from questions.models import Message, Question
from search.models import QueryLog
from tests.accounts.test_accounts import SIGNUP
from tests.factories import EntryPageFactory, QuestionFactory
from tests.html_safety import executable_parts

PROPERTY = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    database=None,  # no database of failing examples in the working tree
)
HUGE = "9" * 30

GOOD = {
    "external_id": "prova-1",
    "title": "Rinnovo del permesso di soggiorno per lavoro",
    "question": "Quando si chiede il rinnovo?",
    "answer": "<p>Almeno <strong>60 giorni</strong> prima della scadenza.</p>",
    "topic": "permesso-di-soggiorno",
    "authority": "questura",
    "tags": ["rinnovo"],
    "legal_references": [{"label": "D.Lgs. 286/1998, art. 5", "url": "https://example.org/"}],
    "validated_at": "2026-03-12",
    "review_due": "2027-03-12",
    "language": "it",
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
TEXT = st.text(max_size=300)
DATES = st.dates().map(datetime.date.isoformat) | TEXT
# For each field: values of the right type but odd content.
ODD_FIELDS = {
    "external_id": TEXT,
    "title": TEXT,
    "question": TEXT,
    "answer": TEXT,
    "topic": st.sampled_from(["sanita", "inesistente"]) | TEXT,
    "authority": st.sampled_from(["asl", "inesistente"]) | TEXT,
    "tags": st.lists(st.text(max_size=120), max_size=3),
    "legal_references": st.lists(
        st.fixed_dictionaries(
            {"label": TEXT},
            optional={"url": st.sampled_from(["https://example.org/x", "javascript:x"]) | TEXT},
        ),
        max_size=2,
    ),
    "validated_at": DATES,
    "review_due": DATES,
    "language": st.sampled_from(["it", "en", "xx"]),
    "demo": st.booleans(),
}
# A good record with one field changed (to an odd value or to anything), maybe one left
# out, maybe one added.
RECORDS = st.builds(
    lambda change, missing, extra: {
        **{name: value for name, value in GOOD.items() if name not in missing},
        **change,
        **extra,
    },
    st.just({})
    | st.sampled_from(sorted(ODD_FIELDS)).flatmap(
        lambda name: st.fixed_dictionaries({name: ODD_FIELDS[name] | JSON_VALUES})
    ),
    st.sets(st.sampled_from(sorted(GOOD)), max_size=1),
    st.dictionaries(st.sampled_from(["tags", "campo"]), JSON_VALUES, max_size=1),
)


def imports_or_explains(lines):
    """Read and import `lines`: the import succeeds, or EntryFileError names the line and
    nothing is written. Rolled back either way."""
    before = EntryPage.objects.count()
    with transaction.atomic():
        try:
            records = read_entries(lines)
        except EntryFileError as error:
            assert 1 <= error.line <= len(lines) and error.reason, error
            assert EntryPage.objects.count() == before
            event("refused")
        else:
            report = import_entries(records)
            assert report.created + report.updated + report.unchanged == len(records)
            event(f"imported {len(records)}")
        transaction.set_rollback(True)


@settings(PROPERTY, max_examples=120)
@given(record=RECORDS)
@example(record={**GOOD, "title": "Permesso \ud800 lone surrogate"})
@example(record={**GOOD, "answer": "<p>NUL \x00 in mezzo</p>"})
@example(record={**GOOD, "language": ["it"]})
@example(record={**GOOD, "tags": ["a\x0bb"]})
def test_import_parser_imports_a_record_or_names_its_line(taxonomy, record):
    imports_or_explains(["", json.dumps(record)])


@settings(PROPERTY, max_examples=150)
@given(lines=st.lists(st.binary(max_size=80) | st.text(max_size=80).map(str.encode), max_size=4))
@example(lines=[b"\xff\xfe{}", b"{}"])
@example(lines=[b"[" * 100_000])
@example(lines=[json.dumps(GOOD).encode()[:-3] + b"\xc3\x28" + b'"}'])
def test_import_parser_explains_any_bytes_with_a_line_number(taxonomy, lines):
    imports_or_explains(lines)


@settings(PROPERTY, max_examples=40)
@given(noise=st.binary(min_size=1, max_size=20), position=st.integers(0, 400))
def test_the_import_command_refuses_a_damaged_file_and_imports_nothing(
    taxonomy, tmp_path, noise, position
):
    good = [json.dumps({**GOOD, "external_id": f"prova-{n}"}).encode() for n in range(3)]
    damaged = good[1][:position] + noise + good[1][position:]
    path = tmp_path / "voci.jsonl"
    path.write_bytes(b"\n".join([good[0], damaged, good[2]]))
    with transaction.atomic():
        try:
            call_command("import_entries", str(path), stdout=io.StringIO())
        except CommandError as error:
            assert re.match(r"riga \d+: ", str(error)), error
            assert str(error).endswith(". Nessuna voce importata.")
            assert not EntryPage.objects.exists()
        else:
            assert EntryPage.objects.count() == 3
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"title": "x" * 256}, 'il campo "title" supera 255 caratteri'),
        ({"external_id": "x" * 101}, 'il campo "external_id" supera 100 caratteri'),
        ({"tags": ["x" * 101]}, "supera 100 caratteri"),
        ({"legal_references": [{"label": "x" * 256}]}, "più lungo di 255 caratteri"),
        ({"title": "Permesso\x0bdi soggiorno"}, "caratteri di controllo"),
        ({"question": "Quando\x00?"}, "caratteri di controllo"),
        ({"tags": ["rin\x1bnovo"]}, "caratteri di controllo"),
        ({"legal_references": [{"label": "D.Lgs.\x07"}]}, "caratteri di controllo"),
        ({"language": {"it": 1}}, "lingua non prevista"),
    ],
)
def test_import_explains_oversize_and_control_characters(taxonomy, tmp_path, changes, reason):
    path = tmp_path / "voci.jsonl"
    lines = [json.dumps({**GOOD, "external_id": "a"}), json.dumps({**GOOD, **changes})]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=f"riga 2: .*{re.escape(reason)}"):
        call_command("import_entries", str(path))
    assert not EntryPage.objects.exists()


def test_import_names_the_line_that_is_not_utf8(taxonomy, tmp_path):
    path = tmp_path / "voci.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + "città".encode("latin-1"))
    with pytest.raises(CommandError, match="riga 2: il testo non è in UTF-8"):
        call_command("import_entries", str(path))
    assert not EntryPage.objects.exists()


# --- search --------------------------------------------------------------------------------

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.text(min_size=300, max_size=2000),
    st.sampled_from(
        ["permesso-di-soggiorno", "questura", "rinnovo", "2026", "0", "-1", "1e9", "²", "٣"]
    ),
    st.just(HUGE),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
)
SEARCH_PARAMS = st.dictionaries(
    st.sampled_from(["q", "topic", "authority", "tag", "year", "page", "page_size"]), ODD_TEXT
)


@pytest.fixture
def entries(taxonomy):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    return [
        EntryPageFactory(
            parent=permits, title=f"Rinnovo del permesso di soggiorno {n}", tags=["rinnovo"]
        )
        for n in range(3)
    ]


@settings(PROPERTY, max_examples=80)
@given(params=SEARCH_PARAMS)
@example(params={"page": "²"})
@example(params={"page_size": HUGE * 200})
@example(params={"q": "permesso", "topic": "\x00", "tag": "a\x00b"})
def test_search_api_answers_json_or_an_italian_error(client, entries, params):
    response = client.get("/api/search/", params)
    data = response.json()
    if response.status_code == 400:
        assert re.fullmatch(
            r"«page(_size)?» deve essere un numero intero tra 1 e \d+\.", data["error"]
        )
    else:
        assert response.status_code == 200
        assert set(data) == {"query", "engine", "total", "results", "facets", "suggestion"}
        assert len(data["results"]) <= 50
        for hit in data["results"]:
            assert "<" not in re.sub(r"</?mark>", "", hit["snippet"])
    for logged in QueryLog.objects.all():
        for text in [logged.query, *logged.filters.values()]:
            assert not re.search(r"[\x00-\x1f]", text), logged.filters


@settings(PROPERTY, max_examples=60)
@given(params=SEARCH_PARAMS)
@example(params={"q": "permesso", "page": HUGE})
def test_search_page_shows_results_or_says_there_are_none(client, entries, params):
    response = client.get("/cerca/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cerca nella base di conoscenza" in page
    assert executable_parts(page) == []


@settings(PROPERTY, max_examples=40)
@given(text=ODD_TEXT)
def test_autocomplete_and_similar_answer_json(client, entries, text):
    for url, name in (("/api/autocomplete/", "q"), ("/api/similar/", "text")):
        response = client.get(url, {name: text})
        assert response.status_code == 200
        assert isinstance(response.json()["results"], list)


@pytest.mark.parametrize(
    "url",
    [
        "/cerca/?q=%FF%FE",
        "/cerca/?q=permesso%C3&topic=%FF",
        "/api/search/?q=%FF%FE&tag=%C0%80",
        "/api/autocomplete/?q=%FFri",
        "/api/similar/?text=%ED%A0%80permesso",
        "/quesiti/nuovo/?titolo=%FF%00",
    ],
)
def test_invalid_utf8_in_the_query_string_is_read_as_replacement_characters(
    client, operator, entries, url
):
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200
    if response["Content-Type"] == "application/json":
        json.loads(response.content)
    else:
        assert executable_parts(response.content.decode()) == []


def test_raw_bytes_in_the_query_string_are_no_error(client, entries):
    # What a client sends without percent-encoding reaches Django as Latin-1 text.
    for url in ("/cerca/", "/api/search/"):
        assert client.get(url, QUERY_STRING="q=perm\xe9s\xff\x00so").status_code == 200


# --- forms ---------------------------------------------------------------------------------


def ask(client, **changes):
    data = {
        "title": "Rinnovo del permesso",
        "body": "Un ospite ha il permesso in scadenza.",
        "topic": Topic.objects.get(slug="permesso-di-soggiorno").pk,
        "token": "6f1c9a52-4c1e-4a7e-9a43-0d6f7f0f2a11",
        "step": "check",
        **changes,
    }
    return client.post("/quesiti/nuovo/", data)


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"title": "Rinnovo\x00"}, "I caratteri null non sono ammessi."),
        ({"body": "Testo\x00"}, "I caratteri null non sono ammessi."),
        ({"municipality": "\x00"}, "I caratteri null non sono ammessi."),
        ({"tags": "rinnovo\x00"}, "I caratteri null non sono ammessi."),
        ({"title": "x" * 201}, "non contenga più di 200 caratteri"),
        ({"body": "x" * 10_001}, "non contenga più di 10000 caratteri"),
        ({"tags": "x" * 301}, "non contenga più di 300 caratteri"),
        ({"token": "non-un-uuid"}, "Modulo non valido: ricarica la pagina e riprova."),
        ({"checked": "x\x00"}, "Modulo non valido: ricarica la pagina e riprova."),
        ({"topic": HUGE}, "Scegli un'opzione valida"),
        ({"topic": "²"}, "Scegli un'opzione valida"),
    ],
)
def test_the_ask_form_explains_odd_input_and_saves_nothing(client, operator, changes, error):
    client.force_login(operator)
    for step in ("check", "confirm"):
        response = ask(client, step=step, **changes)
        assert response.status_code == 200
        assert error in html.unescape(response.content.decode())
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "body, error",
    [("Dettagli\x00", "I caratteri null non sono ammessi."), ("x" * 10_001, "non contenga più di")],
)
def test_a_message_with_odd_input_is_refused_with_a_message(client, operator, body, error):
    question = QuestionFactory(asker=operator)
    client.force_login(operator)
    response = client.post(f"/quesiti/{question.pk}/messaggio/", {"body": body}, follow=True)
    assert error in html.unescape(response.content.decode())
    assert not Message.objects.exists()


def test_an_oversize_feedback_comment_is_refused_without_being_cleaned(
    client, renewal_entry, monkeypatch
):
    from kb import feedback

    def never(text):
        raise AssertionError("a comment this long is refused before cleaning")

    monkeypatch.setattr(feedback, "html_to_text", never)
    response = client.post(
        f"/voci/{renewal_entry.pk}/riscontro/",
        {"utile": "no", "commento": "<b>x</b>" * 300_000},
        follow=True,
    )
    assert "Il commento supera 1000 caratteri." in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_nul_in_a_feedback_comment_is_dropped(client, renewal_entry):
    client.post(f"/voci/{renewal_entry.pk}/riscontro/", {"utile": "no", "commento": "Man\x00ca"})
    assert Feedback.objects.get().comment == "Manca"


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"first_name": "Giulia\x00"}, "I caratteri null non sono ammessi."),
        ({"new_organisation_name": "Comune\x00"}, "I caratteri null non sono ammessi."),
        ({"last_name": "x" * 151}, "non contenga più di 150 caratteri"),
        ({"new_organisation_municipality": "x" * 101}, "non contenga più di 100 caratteri"),
        ({"email": "nuova\x00@comune.example"}, "I caratteri null non sono ammessi."),
    ],
)
def test_signup_explains_odd_input_and_creates_nothing(client, home, changes, error):
    from accounts.models import Organisation, User

    response = client.post("/account/signup/", {**SIGNUP, **changes})
    assert response.status_code == 200
    assert error in html.unescape(response.content.decode())
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_a_control_character_in_a_title_does_not_break_the_feeds(client, renewal_entry):
    renewal_entry.title = "Rinnovo\x0b del permesso\x1b"
    renewal_entry.save_revision().publish()
    for url in ("/feed/rss/", "/feed/atom/", "/feed/permesso-di-soggiorno/rss/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"Rinnovo del permesso" in response.content


# --- numbers and names that do not exist ---------------------------------------------------


@pytest.mark.parametrize(
    "url, shown",
    [
        (f"/cerca/?q=permesso&page={HUGE}", "Questa pagina dei risultati non esiste"),
        ("/cerca/?q=permesso&page=-5", "risultat"),
        (f"/permesso-di-soggiorno/?page={HUGE}&ente=%00&etichetta=%00", "Permesso di soggiorno"),
    ],
)
def test_huge_page_numbers_on_public_pages(client, entries, url, shown):
    response = client.get(url)
    assert response.status_code == 200
    assert shown in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        f"coda=tutti&p={HUGE}",
        "coda=tutti&p=-1",
        f"coda=tutti&eta={HUGE}",
        "coda=tutti&eta=%C2%B2",
        f"coda=tutti&organizzazione={HUGE}",
        "coda=tutti&organizzazione=%C2%B2",
        "coda=tutti&tema=%00",
        "coda=%00",
    ],
)
def test_odd_filters_on_the_admin_queue(client, coordinator, operator, query):
    question = QuestionFactory(asker=operator, title="Rinnovo per attesa occupazione")
    client.force_login(coordinator)
    response = client.get(f"/admin/quesiti/?{query}")
    assert response.status_code == 200
    # Filters that cannot be right are ignored, a page out of range is the last one.
    assert question.title in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/pagina-che-non-esiste/",
        "/permesso-di-soggiorno/voce-che-non-esiste/",
        "/feed/tema-inesistente/rss/",
        "/%FF%FE/",
        "/quesiti/999999/",
        f"/quesiti/{HUGE}/",
        f"/cerca/apri/{HUGE}/{HUGE}/",
        f"/v/{HUGE}/",
    ],
)
def test_what_does_not_exist_is_a_404_page_in_italian(client, operator, taxonomy, url):
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Pagina non trovata" in page
    assert executable_parts(page) == []


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", f"/voci/{HUGE}/riscontro/"),
        ("post", f"/quesiti/{HUGE}/messaggio/"),
        ("get", f"/admin/quesiti/{HUGE}/"),
        ("post", f"/admin/quesiti/{HUGE}/nota/"),
        ("post", "/admin/quesiti/999999/azione-inesistente/"),
        ("post", f"/admin/quesiti/operatori/{HUGE}/abilita/"),
    ],
)
def test_unknown_ids_are_not_found(client, coordinator, method, url):
    client.force_login(coordinator)
    assert (
        getattr(client, method)(url, {"utile": "si", "text": "x", "body": "x"}).status_code == 404
    )


def test_a_nul_in_the_login_form_is_explained(client, operator):
    response = client.post(
        "/account/login/", {"login": "omar\x00@ilponte.example", "password": "x"}
    )
    assert response.status_code == 200
    assert "I caratteri null non sono ammessi." in html.unescape(response.content.decode())


@pytest.mark.parametrize("action", ["nota", "dettagli", "respingi"])
def test_a_nul_in_a_triage_action_is_explained_and_changes_nothing(
    client, coordinator, operator, action
):
    question = QuestionFactory(asker=operator)
    client.force_login(coordinator)
    response = client.post(
        f"/admin/quesiti/{question.pk}/{action}/", {"text": "Serve\x00 altro"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "Azione non eseguita: I caratteri null non sono ammessi." in page
    question.refresh_from_db()
    assert question.status == Question.Status.SUBMITTED
    assert not Message.objects.exists()


def test_a_request_too_big_to_read_gets_an_italian_page(client, renewal_entry):
    response = client.post(
        f"/voci/{renewal_entry.pk}/riscontro/", {"utile": "no", "commento": "x" * 3_000_000}
    )
    assert response.status_code == 400
    assert "Richiesta non valida" in response.content.decode()
    assert not Feedback.objects.exists()
