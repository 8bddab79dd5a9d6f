"""Coordinators in the Wagtail admin: the queue and every triage action."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from accounts.roles import OPERATOR
from kb.models import EntryPage, Topic
from questions import services
from questions.models import Question
from tests.factories import QuestionFactory
from validation.audit import timeline
from validation.models import Authority

S = Question.Status


@pytest.fixture
def question(operator):
    return services.submit_question(
        operator,
        title="Permesso per attesa occupazione scaduto",
        body="<p>Un ospite del CAS ha il permesso scaduto da due settimane.</p>",
        topic=Topic.objects.get(slug="permesso-di-soggiorno"),
        tags=["rinnovo"],
        municipality="Borgo San Vito",
        token=uuid.uuid4(),
        personal_data=[],
    )


@pytest.fixture
def admin_client(client, coordinator):
    client.force_login(coordinator)
    return client


def act(admin_client, question, action, **data):
    return admin_client.post(f"/admin/quesiti/{question.pk}/{action}/", data, follow=True)


def test_queue_lists_new_questions_and_the_dashboard_counts_them(admin_client, question):
    flagged = QuestionFactory(asker=question.asker, has_personal_data=True, title="Con CF")

    queue = admin_client.get("/admin/quesiti/").content.decode()
    assert question.title in queue and flagged.title in queue
    assert "Nuovi (2)" in queue
    flagged_queue = admin_client.get("/admin/quesiti/?coda=dati-personali").content.decode()
    assert flagged.title in flagged_queue and question.title not in flagged_queue
    dashboard = admin_client.get("/admin/").content.decode()
    assert "Coda del coordinamento" in dashboard
    assert "Dati personali da verificare" in dashboard


def test_queue_filters_by_topic_organisation_and_age(admin_client, question, stranger):
    health = QuestionFactory(asker=stranger, topic=Topic.objects.get(slug="sanita"), title="STP")

    by_topic = admin_client.get("/admin/quesiti/?coda=tutti&tema=sanita").content.decode()
    assert health.title in by_topic and question.title not in by_topic
    by_org = admin_client.get(
        f"/admin/quesiti/?coda=tutti&organizzazione={stranger.organisation_id}"
    ).content.decode()
    assert health.title in by_org and question.title not in by_org
    old = admin_client.get("/admin/quesiti/?coda=tutti&eta=3").content.decode()
    assert question.title not in old and health.title not in old


def test_routing_proposes_the_rule_and_creates_the_draft_entry(
    admin_client, question, operator, django_capture_on_commit_callbacks
):
    page = admin_client.get(f"/admin/quesiti/{question.pk}/").content.decode()
    assert "Proposto dalla regola: Permesso di soggiorno → Questura" in page

    questura = Authority.objects.get(slug="questura")
    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, question, "instrada", authority=questura.pk)

    question.refresh_from_db()
    assert question.status == S.ROUTED
    assert question.authority == questura
    draft = question.entry
    assert isinstance(draft, EntryPage) and not draft.live
    assert draft.title == question.title
    assert draft.get_parent().specific.topic.slug == "permesso-di-soggiorno"
    assert draft.authority == questura
    assert [e.action for e in timeline(question)] == ["submitted", "routed"]
    page = admin_client.get(f"/admin/quesiti/{question.pk}/").content.decode()
    assert "(Da esaminare → Assegnato all&#x27;ente competente)" in page
    [email] = [m for m in mail.outbox if operator.email in m.to]
    assert "Assegnato all'ente competente" in email.body
    assert f"/quesiti/{question.pk}/" in email.body


def test_a_narrower_rule_wins_and_the_coordinator_can_override(admin_client, operator):
    hearing = QuestionFactory(
        asker=operator, topic=Topic.objects.get(slug="protezione-internazionale")
    )
    hearing.tags.set(["audizione"])
    page = admin_client.get(f"/admin/quesiti/{hearing.pk}/").content.decode()
    assert "Commissione territoriale" in page.split("Proposto dalla regola")[1][:200]

    comune = Authority.objects.get(slug="comune-anagrafe")
    act(admin_client, hearing, "instrada", authority=comune.pk)
    hearing.refresh_from_db()
    assert hearing.authority == comune


def test_flagged_question_cannot_be_routed_until_personal_data_is_cleared(admin_client, operator):
    flagged = QuestionFactory(asker=operator, has_personal_data=True)
    questura = Authority.objects.get(slug="questura")

    response = act(admin_client, flagged, "instrada", authority=questura.pk)
    assert "dati personali sono stati rimossi" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == S.SUBMITTED and flagged.entry is None

    act(admin_client, flagged, "dati-rimossi")
    act(admin_client, flagged, "instrada", authority=questura.pk)
    flagged.refresh_from_db()
    assert flagged.status == S.ROUTED


def test_duplicate_links_the_operator_to_the_existing_entry(
    admin_client, client, question, operator, renewal_entry
):
    act(admin_client, question, "duplicato", entry=renewal_entry.pk)

    question.refresh_from_db()
    assert question.status == S.DUPLICATE
    client.force_login(operator)
    html = client.get(f"/quesiti/{question.pk}/").content.decode()
    assert "Questa domanda ha già una risposta validata" in html
    assert renewal_entry.url in html


def test_duplicate_of_an_unpublished_entry_is_refused(admin_client, question, renewal_entry):
    renewal_entry.unpublish()
    response = act(admin_client, question, "duplicato", entry=renewal_entry.pk)
    assert "Azione non eseguita" in response.content.decode()
    question.refresh_from_db()
    assert question.status == S.SUBMITTED


def test_rejection_needs_a_reason_which_the_operator_sees(admin_client, client, question, operator):
    act(admin_client, question, "respingi", text="")
    question.refresh_from_db()
    assert question.status == S.SUBMITTED

    act(
        admin_client,
        question,
        "respingi",
        text="Riguarda un caso individuale: rivolgersi al legale.",
    )
    question.refresh_from_db()
    assert question.status == S.REJECTED
    client.force_login(operator)
    html = client.get(f"/quesiti/{question.pk}/").content.decode()
    assert "Non accolto" in html
    assert "Riguarda un caso individuale: rivolgersi al legale." in html


def test_ask_for_details_puts_the_message_in_the_operators_thread(
    admin_client, client, question, operator
):
    act(admin_client, question, "dettagli", text="Indicate la data di scadenza del permesso.")
    question.refresh_from_db()
    assert question.status == S.NEEDS_INFO
    client.force_login(operator)
    html = client.get(f"/quesiti/{question.pk}/").content.decode()
    assert "Indicate la data di scadenza del permesso." in html
    assert "Rispondi alla richiesta di dettagli" in html


def test_editing_keeps_the_original_for_coordinators_only(admin_client, client, question, operator):
    original_title = question.title
    act(
        admin_client,
        question,
        "modifica",
        title="Permesso per attesa occupazione scaduto: rinnovo possibile?",
        body="Testo anonimizzato.",
        topic=question.topic.pk,
        tags="rinnovo, attesa occupazione",
    )

    question.refresh_from_db()
    assert question.title.endswith("rinnovo possibile?")
    assert sorted(question.tags.names()) == ["attesa occupazione", "rinnovo"]
    assert question.versions.get().title == original_title
    triage = admin_client.get(f"/admin/quesiti/{question.pk}/").content.decode()
    assert "Testo originale e versioni precedenti" in triage and original_title in triage
    client.force_login(operator)
    public = client.get(f"/quesiti/{question.pk}/").content.decode()
    assert "Testo anonimizzato." in public
    assert "versioni precedenti" not in public
    assert "Un ospite del CAS" not in public


def test_internal_notes_are_never_shown_to_the_operator(
    admin_client, client, question, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(admin_client, question, "nota", text="Sentire prima la Questura al telefono.")
    assert (
        "Sentire prima la Questura"
        in admin_client.get(f"/admin/quesiti/{question.pk}/").content.decode()
    )
    client.force_login(operator)
    assert (
        "Sentire prima la Questura" not in client.get(f"/quesiti/{question.pk}/").content.decode()
    )
    assert not [m for m in mail.outbox if operator.email in m.to]


def test_an_impossible_transition_is_refused_and_changes_nothing(
    admin_client, question, coordinator
):
    services.reject(question, coordinator, "Fuori ambito")
    response = act(admin_client, question, "instrada", authority=Authority.objects.first().pk)
    assert "Non si può passare da «Non accolto»" in response.content.decode()
    question.refresh_from_db()
    assert question.status == S.REJECTED
    assert question.entry is None


def test_coordinator_approves_a_pending_operator_who_can_then_ask(
    admin_client, client, pending, django_capture_on_commit_callbacks
):
    page = admin_client.get("/admin/quesiti/operatori/").content.decode()
    assert pending.email in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/quesiti/operatori/{pending.pk}/abilita/")

    assert pending.groups.filter(name=OPERATOR).exists()
    assert any(pending.email in m.to and "Account abilitato" in m.subject for m in mail.outbox)
    assert [e.action for e in timeline(pending)] == ["approved"]
    client.force_login(pending)
    assert client.get("/quesiti/nuovo/").status_code == 200


def test_signup_tells_the_coordinators(client, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/account/signup/",
            {
                "email": "nuova@serralta.example",
                "password1": "Sicura-Password-2026",
                "password2": "Sicura-Password-2026",
                "first_name": "Giulia",
                "last_name": "Bianchi",
                "new_organisation_name": "Comune di Serralta",
                "new_organisation_kind": "public",
                "new_organisation_municipality": "Serralta",
            },
        )
    assert any(
        coordinator.email in m.to and "nuova@serralta.example" in m.body for m in mail.outbox
    )
    assert (
        not Group.objects.get(name=OPERATOR)
        .user_set.filter(email="nuova@serralta.example")
        .exists()
    )
