"""Faults: Elasticsearch unreachable while publishing, a failure in the middle of routing or
approval, two experts approving at once, the same question sent twice, e-mails delivered
once however many deliveries run. (The mail server being down: tests/kb/test_mail_outbox.py.)"""

import re
import threading
import time
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.models import PageLogEntry, TaskState

from kb import mail as outbox
from kb.models import EntryPage, OutgoingEmail, Topic
from questions import services
from questions.models import Question
from search import elastic, service
from search.models import PendingIndexUpdate
from tests.authorization.support import database_state
from tests.conftest import expert_of, require_service
from tests.questions.test_asking import form_data
from tests.validation.test_workflow import act, routed_question, write_and_submit
from validation.audit import timeline
from validation.models import Authority, AuthorityTaskState, ValidationStamp

S = Question.Status
ALREADY_DONE = "Questa validazione è già stata conclusa."


@pytest.fixture
def outbox_mail(settings):
    """E-mails through the outbox, as in production (delivered to mail.outbox)."""
    settings.EMAIL_BACKEND = "kb.mail.OutboxBackend"
    return settings


def require_postgresql():
    require_service(
        connection.vendor == "postgresql", "PostgreSQL is not configured (DATABASE_URL)"
    )


def in_threads(target, *args_per_thread):
    """Run `target` once per argument at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(args_per_thread))
    results = [None] * len(args_per_thread)

    def run(index, arg):
        try:
            barrier.wait(timeout=30)
            results[index] = target(arg)
        except Exception as error:  # the outcome is what the test checks
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, arg)) for index, arg in enumerate(args_per_thread)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- Elasticsearch unreachable ------------------------------------------------------------


@pytest.fixture
def es(request, taxonomy):
    return request.getfixturevalue("elasticsearch")


def test_an_entry_approved_while_elasticsearch_is_unreachable_is_found_once_it_is_back(
    client,
    es,
    settings,
    monkeypatch,
    operator,
    coordinator,
    questura_expert,
    django_capture_on_commit_callbacks,
):
    question = routed_question(operator, coordinator)
    state = write_and_submit(question, questura_expert)
    url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, questura_expert, question.entry, state, "approve", review_months=6)

    assert response.status_code == 302
    entry = EntryPage.objects.get(pk=question.entry_id)
    assert entry.live and ValidationStamp.objects.filter(entry=entry).count() == 1
    assert Question.objects.get(pk=question.pk).status == S.ANSWERED
    # The index update tried, failed and waits: nothing is lost.
    pending = PendingIndexUpdate.objects.get(entry_id=entry.pk)
    assert pending.attempts == 1 and pending.last_error
    result = service.search("ricevuta rinnovo centro impiego")
    assert result.degraded and entry.pk in [hit.id for hit in result.hits]

    # Elasticsearch is back; after the pause the next search reaches it again, and that
    # sends what was waiting.
    settings.ELASTICSEARCH_URL = url
    later = time.monotonic() + settings.ELASTICSEARCH_RETRY_SECONDS + 1
    monkeypatch.setattr(elastic.time, "monotonic", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        service.search("ricevuta rinnovo centro impiego")
    assert not PendingIndexUpdate.objects.exists()
    result = service.search("ricevuta rinnovo centro impiego")
    assert result.engine == "elasticsearch" and not result.degraded
    assert [hit.id for hit in result.hits] == [entry.pk]


# --- a failure half-way leaves nothing behind ---------------------------------------------


def test_a_failure_late_in_routing_leaves_the_question_as_it_was(
    client, operator, coordinator, outbox_mail, monkeypatch, django_capture_on_commit_callbacks
):
    question = services.submit_question(
        operator,
        title="Iscrizione anagrafica con ricevuta",
        body="<p>Il Comune può rifiutare l'iscrizione a chi ha solo la ricevuta?</p>",
        topic=Topic.objects.get(slug="iscrizione-anagrafica"),
        tags=[],
        municipality="Borgo San Vito",
        token=uuid.uuid4(),
        personal_data=[],
    )
    client.force_login(coordinator)
    before = database_state()

    # The last step of routing: the draft page and the status change are already written.
    def broken(*args, **kwargs):
        raise RuntimeError("disco pieno")

    monkeypatch.setattr(EntryPage, "save_revision", broken)
    comune = Authority.objects.get(slug="comune-anagrafe")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="disco pieno"):
            client.post(f"/admin/quesiti/{question.pk}/instrada/", {"authority": comune.pk})

    assert database_state() == before
    assert callbacks == []  # no e-mail, no index update, nothing waiting for a commit
    question.refresh_from_db()
    assert question.status == S.SUBMITTED and question.authority is None
    assert not EntryPage.objects.filter(title=question.title).exists()

    monkeypatch.undo()
    services.route(question, coordinator, comune)
    assert Question.objects.get(pk=question.pk).status == S.ROUTED


def test_a_failure_late_in_an_approval_publishes_nothing(
    client,
    operator,
    coordinator,
    questura_expert,
    outbox_mail,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    question = routed_question(operator, coordinator)
    state = write_and_submit(question, questura_expert)
    client.force_login(questura_expert)
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[question.entry_id, "approve", state.pk]
    )
    before = database_state()

    # The last step of an approval: the stamp, the audit event and the publication are done.
    def broken(entry, user):
        raise RuntimeError("connessione persa")

    monkeypatch.setattr(services, "entry_published", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="connessione persa"):
            client.post(url, {"review_months": 6})

    assert database_state() == before
    assert callbacks == []
    assert not EntryPage.objects.get(pk=question.entry_id).live
    assert not ValidationStamp.objects.exists()
    assert AuthorityTaskState.objects.get(pk=state.pk).status == TaskState.STATUS_IN_PROGRESS
    assert Question.objects.get(pk=question.pk).status == S.IN_VALIDATION

    # Nothing half-done stands in the way: the expert approves again and it works.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"review_months": 6})
    assert EntryPage.objects.get(pk=question.entry_id).live
    assert Question.objects.get(pk=question.pk).status == S.ANSWERED


# --- at the same time (PostgreSQL: SQLite runs one writer at a time) -----------------------


def answered_mails(address):
    return [m for m in mail.outbox if address in m.to and "Risposto" in m.body]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_experts_approving_at_once_publish_once(
    operator, coordinator, questura_expert, roles, outbox_mail
):
    require_postgresql()
    second_expert = expert_of("questura", roles, email="secondo@questura.example")
    question = routed_question(operator, coordinator)
    state = write_and_submit(question, questura_expert)

    def approve(user):
        task_state = AuthorityTaskState.objects.get(pk=state.pk)
        task_state.task.specific.on_action(task_state, user, "approve", review_months=6)
        return "approved"

    outcomes = in_threads(approve, questura_expert, second_expert)

    assert sorted(map(str, outcomes)) == sorted([ALREADY_DONE, "approved"])
    assert any(isinstance(outcome, PermissionDenied) for outcome in outcomes)
    entry = EntryPage.objects.get(pk=question.entry_id)
    assert entry.live
    assert PageLogEntry.objects.filter(page=entry, action="wagtail.publish").count() == 1
    assert ValidationStamp.objects.filter(entry=entry).count() == 1
    question.refresh_from_db()
    assert question.status == S.ANSWERED
    assert [e.action for e in timeline(question)].count("answered") == 1
    assert len(answered_mails(operator.email)) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_sent_twice_at_once_creates_one_question(operator, coordinator, outbox_mail):
    require_postgresql()
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(operator)
    data = form_data()
    check = browsers[0].post("/quesiti/nuovo/", {**data, "step": "check"}).content.decode()
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check).group(1)

    def confirm(browser):
        return browser.post("/quesiti/nuovo/", {**data, "checked": checked, "step": "confirm"})

    responses = in_threads(confirm, *browsers)

    question = Question.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {f"/quesiti/{question.pk}/"}
    assert [e.action for e in timeline(question)] == ["submitted"]
    assert len([m for m in mail.outbox if coordinator.email in m.to]) == 1


def test_the_same_form_sent_twice_notifies_the_coordinators_once(
    client, operator, coordinator, outbox_mail, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    data = form_data()
    check = client.post("/quesiti/nuovo/", {**data, "step": "check"}).content.decode()
    checked = re.search(r'name="checked" value="([0-9a-f]+)"', check).group(1)
    confirm = {**data, "checked": checked, "step": "confirm"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/quesiti/nuovo/", confirm)
        second = client.post("/quesiti/nuovo/", confirm, follow=True)

    question = Question.objects.get()
    assert second.redirect_chain[-1][0] == first["Location"] == f"/quesiti/{question.pk}/"
    assert question.title in second.content.decode()
    assert [e.action for e in timeline(question)] == ["submitted"]
    assert len([m for m in mail.outbox if coordinator.email in m.to]) == 1


class HeldMailServer(BaseEmailBackend):
    """Takes a message only when the test says so, and tells when it is holding one."""

    holding = threading.Event()
    release = threading.Event()

    def send_messages(self, email_messages):
        self.holding.set()
        self.release.wait(timeout=30)
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_email_being_delivered_is_not_sent_again_by_the_retry(settings):
    require_postgresql()
    settings.EMAIL_DELIVERY_BACKEND = "tests.test_faults.HeldMailServer"
    HeldMailServer.holding.clear()
    HeldMailServer.release.clear()
    email = OutgoingEmail.objects.create(
        from_email="noreply@example.org", to=["a@example.org"], subject="Promemoria", body="Testo"
    )
    delivery = threading.Thread(target=lambda: (outbox.deliver([email.pk]), connection.close()))
    delivery.start()
    try:
        assert HeldMailServer.holding.wait(timeout=30)
        # The retry runs while the first delivery still holds the e-mail: it leaves it alone.
        assert outbox.retry_outgoing_email() == (0, 1)
    finally:
        HeldMailServer.release.set()
        delivery.join()
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().sent_at is not None
