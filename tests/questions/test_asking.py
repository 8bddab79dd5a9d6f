"""Operators on the public site: asking, the check step, limits, their questions."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from kb.models import Topic
from questions import services
from questions.models import Question
from tests.factories import QuestionFactory
from tests.html_safety import executable_parts

VALID_CF = "RSSMRA85T10A562S"


def form_data(**changes):
    data = {
        "title": "Rinnovo del permesso per attesa occupazione",
        "body": "Un ospite del CAS ha il permesso per attesa occupazione in scadenza.\n\n"
        "- ha la DID\n- non ha un contratto",
        "topic": Topic.objects.get(slug="permesso-di-soggiorno").pk,
        "tags": "rinnovo, attesa occupazione",
        "municipality": "Borgo San Vito",
        "token": "6f1c9a52-4c1e-4a7e-9a43-0d6f7f0f2a11",
    }
    data.update(changes)
    return data


def check_then_confirm(client, data):
    """Do what the operator does: Continue, read the check page, then Send."""
    check = client.post("/quesiti/nuovo/", {**data, "step": "check"})
    assert check.status_code == 200
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check.content.decode()).group(1)
    return check, client.post("/quesiti/nuovo/", {**data, "checked": checked, "step": "confirm"})


@pytest.fixture
def logged_in(client, operator):
    client.force_login(operator)
    return client


def test_check_step_suggests_existing_entries_and_sends_nothing(logged_in, renewal_entry):
    response = logged_in.post("/quesiti/nuovo/", {**form_data(), "step": "check"})

    html = response.content.decode()
    assert "Forse la risposta c&#x27;è già" in html or "Forse la risposta c'è già" in html
    assert renewal_entry.title in html
    assert "Invia il quesito" in html
    assert not Question.objects.exists()


def test_confirming_creates_the_question_and_tells_the_coordinators(
    logged_in, operator, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, response = check_then_confirm(logged_in, form_data())

    question = Question.objects.get()
    assert response["Location"] == f"/quesiti/{question.pk}/"
    assert question.asker == operator
    assert question.organisation == operator.organisation
    assert question.status == Question.Status.SUBMITTED
    assert sorted(question.tags.names()) == ["attesa occupazione", "rinnovo"]
    assert "<ul><li>ha la DID</li><li>non ha un contratto</li></ul>" in question.body
    [email] = [m for m in mail.outbox if coordinator.email in m.to]
    assert "Nuovo quesito" in email.subject
    assert f"/admin/quesiti/{question.pk}/" in email.body
    assert email.alternatives[0][1] == "text/html"

    detail = logged_in.get(response["Location"]).content.decode()
    assert "Quesito inviato" in detail
    assert "Da esaminare" in detail


def test_text_changed_after_the_check_is_checked_again(logged_in):
    check = logged_in.post("/quesiti/nuovo/", {**form_data(), "step": "check"})
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check.content.decode()).group(1)

    changed = form_data(body=f"Il codice fiscale è {VALID_CF}")
    response = logged_in.post("/quesiti/nuovo/", {**changed, "checked": checked, "step": "confirm"})

    assert response.status_code == 200
    assert "dati personali" in response.content.decode()
    assert not Question.objects.exists()


def test_personal_data_is_highlighted_and_flags_the_question_if_sent_anyway(
    logged_in, coordinator, django_capture_on_commit_callbacks
):
    data = form_data(body=f"La signora, codice fiscale {VALID_CF}, chiede il rinnovo.")
    with django_capture_on_commit_callbacks(execute=True):
        check, response = check_then_confirm(logged_in, data)

    html = check.content.decode()
    assert "Il testo sembra contenere dati personali" in html
    assert f'title="codice fiscale">{VALID_CF}</mark>' in html
    question = Question.objects.get()
    assert question.has_personal_data
    assert question.needs_personal_data_check
    assert any("possibili dati personali" in m.subject for m in mail.outbox)


def test_clean_text_is_not_flagged(logged_in):
    data = form_data(body="Art. 5, comma 8-bis, D.Lgs. 286/1998 e DPR 394/1999 del 31/08/1999.")
    check_then_confirm(logged_in, data)
    assert not Question.objects.get().has_personal_data


def test_the_same_form_sent_twice_creates_one_question(logged_in):
    data = form_data()
    _, first = check_then_confirm(logged_in, data)
    _, second = check_then_confirm(logged_in, data)
    assert Question.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_daily_limit_is_explained_and_enforced(logged_in, operator):
    QuestionFactory.create_batch(services.DAILY_LIMIT, asker=operator)

    page = logged_in.get("/quesiti/nuovo/").content.decode()
    assert "massimo di 10 quesiti al giorno" in page
    check_then_confirm_blocked = logged_in.post(
        "/quesiti/nuovo/", {**form_data(), "step": "confirm"}
    )
    assert "massimo di 10 quesiti al giorno" in check_then_confirm_blocked.content.decode()
    assert Question.objects.count() == services.DAILY_LIMIT


def test_daily_limit_holds_in_the_service_too(operator, taxonomy):
    QuestionFactory.create_batch(services.DAILY_LIMIT, asker=operator)
    with pytest.raises(services.QuestionError, match="massimo giornaliero"):
        services.submit_question(
            operator,
            title="x",
            body="<p>x</p>",
            topic=Topic.objects.first(),
            tags=[],
            municipality="",
            token="0f1c9a52-4c1e-4a7e-9a43-0d6f7f0f2a11",
            personal_data=[],
        )


def test_overlong_body_is_refused_with_a_clear_error(logged_in):
    response = logged_in.post("/quesiti/nuovo/", {**form_data(body="x" * 10_001), "step": "check"})
    assert "10000" in response.content.decode()
    assert not Question.objects.exists()


def test_attachments_are_refused(logged_in):
    upload = SimpleUploadedFile("documento.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = logged_in.post(
        "/quesiti/nuovo/", {**form_data(), "step": "check", "file": upload}, follow=True
    )
    assert "Gli allegati non sono accettati" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>Testo visibile",
        '<p onclick="alert(1)">Testo visibile</p><img src=x onerror=alert(1)>',
        '<p><a href="javascript:alert(1)">Testo visibile</a></p>',
    ],
)
def test_hostile_html_never_reaches_a_page(logged_in, coordinator, client, payload):
    check_then_confirm(logged_in, form_data(body=payload, title="<b onmouseover=alert(1)>T</b>"))
    question = Question.objects.get()
    pages = [logged_in.get(f"/quesiti/{question.pk}/").content.decode()]
    client.force_login(coordinator)
    pages.append(client.get(f"/admin/quesiti/{question.pk}/").content.decode())
    for html in pages:
        assert "Testo visibile" in html
        assert executable_parts(html) == []


def test_pending_operator_is_told_to_wait_and_cannot_ask(client, pending):
    client.force_login(pending)
    page = client.get("/quesiti/nuovo/")
    assert page.status_code == 403
    assert "in attesa di abilitazione" in page.content.decode()
    client.post("/quesiti/nuovo/", {**form_data(), "step": "confirm"})
    assert not Question.objects.exists()
    assert "in attesa di abilitazione" in client.get("/quesiti/").content.decode()


def test_my_questions_and_my_organisation_are_listed_separately(
    logged_in, operator, colleague, stranger
):
    mine = QuestionFactory(asker=operator, title="Domanda mia")
    theirs = QuestionFactory(asker=colleague, title="Domanda della collega")
    other = QuestionFactory(asker=stranger, title="Domanda di un altro ente")

    own_page = logged_in.get("/quesiti/").content.decode()
    organisation_page = logged_in.get("/quesiti/?vista=organizzazione").content.decode()

    assert mine.title in own_page and theirs.title not in own_page
    assert theirs.title in organisation_page and mine.title not in organisation_page
    assert other.title not in own_page + organisation_page


def test_operator_answers_a_request_for_details_and_it_goes_back_to_triage(
    logged_in, operator, coordinator, django_capture_on_commit_callbacks
):
    question = QuestionFactory(asker=operator)
    with django_capture_on_commit_callbacks(execute=True):
        services.ask_for_details(question, coordinator, "<p>Da quanto è scaduto?</p>")
    assert any(operator.email in m.to and "In attesa di dettagli" in m.body for m in mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(f"/quesiti/{question.pk}/messaggio/", {"body": "Da tre settimane."})

    question.refresh_from_db()
    assert question.status == Question.Status.SUBMITTED
    html = logged_in.get(f"/quesiti/{question.pk}/").content.decode()
    assert "Da quanto è scaduto?" in html and "Da tre settimane." in html
    assert "Richiesta di dettagli" in html and "Dettagli forniti" in html
    assert any(coordinator.email in m.to and "Nuovo messaggio" in m.subject for m in mail.outbox)


def test_operator_withdraws_an_open_question_but_not_a_closed_one(logged_in, operator, coordinator):
    question = QuestionFactory(asker=operator)
    logged_in.post(f"/quesiti/{question.pk}/ritira/")
    question.refresh_from_db()
    assert question.status == Question.Status.WITHDRAWN

    answered = QuestionFactory(asker=operator, status=Question.Status.ANSWERED)
    response = logged_in.post(f"/quesiti/{answered.pk}/ritira/", follow=True)
    assert "Non si può passare" in response.content.decode()
    answered.refresh_from_db()
    assert answered.status == Question.Status.ANSWERED


def test_similar_entries_api_serves_the_typing_suggestions(client, renewal_entry):
    response = client.get("/api/similar/", {"text": "permesso attesa occupazione da rinnovare"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["title"] == renewal_entry.title
    assert results[0]["url"] == renewal_entry.url
    assert client.get("/api/similar/", {"text": "\x00"}).json() == {"results": []}
