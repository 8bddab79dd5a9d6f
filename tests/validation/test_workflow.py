"""Validation through Wagtail's real workflow engine: route → draft → validate → publish."""

import datetime
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from kb.models import EntryPage, Topic
from questions import services
from questions.models import Question
from search import service as search_service
from tests.conftest import expert_of
from validation.models import Authority, AuthorityTaskState, ValidationStamp
from validation.workflow import add_months

S = Question.Status


@pytest.fixture
def routed(operator, coordinator, questura_expert):
    questura_expert.office = "Questura di Montalba - Ufficio immigrazione"
    questura_expert.save()
    return routed_question(operator, coordinator)


def submitted_question(operator):
    """A renewal question submitted by `operator`, as the question form submits it."""
    return services.submit_question(
        operator,
        title="Ricevuta di rinnovo e iscrizione al Centro per l'impiego",
        body="<p>Con la sola ricevuta di rinnovo ci si può iscrivere al Centro per l'impiego?</p>",
        topic=Topic.objects.get(slug="permesso-di-soggiorno"),
        tags=["rinnovo"],
        municipality="Borgo San Vito",
        token=uuid.uuid4(),
        personal_data=[],
    )


def routed_question(operator, coordinator):
    """A renewal question submitted by `operator` and routed to the Questura."""
    question = submitted_question(operator)
    return services.route(question, coordinator, Authority.objects.get(slug="questura"))


def write_and_submit(question, user, answer="<p>Sì: la ricevuta vale come permesso.</p>"):
    """The drafter writes the answer and submits it to the "Validazione" workflow."""
    draft = EntryPage.objects.get(pk=question.entry_id).get_latest_revision_as_object()
    draft.answer = answer
    draft.save_revision(user=user)
    draft.get_workflow().start(draft, user)
    return AuthorityTaskState.objects.get(
        workflow_state__object_id=str(draft.pk), status=TaskState.STATUS_IN_PROGRESS
    )


def act(client, user, entry, state, action, **data):
    client.force_login(user)
    url = reverse("wagtailadmin_pages:workflow_action", args=[entry.pk, action, state.pk])
    return client.post(url, data)


def test_route_draft_approve_publishes_with_the_stamp_and_notifies(
    client, routed, operator, colleague, questura_expert, django_capture_on_commit_callbacks
):
    services.follow(routed, colleague)
    state = write_and_submit(routed, questura_expert)
    routed.refresh_from_db()
    assert routed.status == S.IN_VALIDATION
    assert state.authority.slug == "questura"

    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            client,
            questura_expert,
            routed.entry,
            state,
            "approve",
            comment="Conforme alla circolare",
            review_months=6,
        )
    assert response.status_code == 302

    entry = EntryPage.objects.get(pk=routed.entry_id)
    today = timezone.localdate()
    assert entry.live
    assert entry.validated_at == today
    assert entry.review_due == add_months(today, 6)
    stamp = ValidationStamp.objects.get(entry=entry)
    assert stamp.office == "Questura di Montalba - Ufficio immigrazione"
    assert stamp.note == "Conforme alla circolare"
    routed.refresh_from_db()
    assert routed.status == S.ANSWERED and routed.answered_at
    notified = {address for m in mail.outbox if "Risposto" in m.body for address in m.to}
    assert {operator.email, colleague.email} <= notified

    client.logout()
    page = client.get(entry.url).content.decode()
    assert "Sì: la ricevuta vale come permesso." in page
    assert "Questura di Montalba - Ufficio immigrazione" in page
    assert questura_expert.get_full_name() not in page
    hits = search_service.search("ricevuta rinnovo centro impiego").hits
    assert entry.pk in [hit.id for hit in hits]


def test_operator_sees_the_answer_and_the_timeline(client, routed, operator, questura_expert):
    state = write_and_submit(routed, questura_expert)
    act(client, questura_expert, routed.entry, state, "approve", review_months=12)

    client.force_login(operator)
    html = client.get(f"/quesiti/{routed.pk}/").content.decode()
    assert "La risposta validata è pubblicata" in html
    for step in ("Quesito inviato", "Assegnato all&#x27;ente competente", "Risposto"):
        assert step in html or step.replace("&#x27;", "'") in html


def test_request_changes_sends_the_comment_back_and_publishes_nothing(
    client, routed, coordinator, questura_expert, django_capture_on_commit_callbacks
):
    state = write_and_submit(routed, coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        act(
            client,
            questura_expert,
            routed.entry,
            state,
            "reject",
            comment="Citare l'art. 22 del Testo unico.",
        )

    entry = EntryPage.objects.get(pk=routed.entry_id)
    assert not entry.live
    assert WorkflowState.objects.get(object_id=str(entry.pk)).status == "needs_changes"
    routed.refresh_from_db()
    assert routed.status == S.ROUTED
    assert any(coordinator.email in m.to and "Citare l'art. 22" in m.body for m in mail.outbox)


def test_not_our_competence_returns_the_question_for_rerouting(
    client, routed, coordinator, questura_expert, roles, django_capture_on_commit_callbacks
):
    state = write_and_submit(routed, questura_expert)

    with django_capture_on_commit_callbacks(execute=True):
        act(
            client,
            questura_expert,
            routed.entry,
            state,
            "not_competent",
            comment="Riguarda l'iscrizione anagrafica: è del Comune.",
        )

    workflow_state = WorkflowState.objects.get(object_id=str(routed.entry_id))
    assert workflow_state.status == WorkflowState.STATUS_CANCELLED
    routed.refresh_from_db()
    assert routed.status == S.SUBMITTED and routed.authority is None
    assert any(
        coordinator.email in m.to and "non è di sua competenza" in m.body for m in mail.outbox
    )

    # Re-routed to the Comune: the same draft, now validated by the Comune's experts.
    comune = Authority.objects.get(slug="comune-anagrafe")
    routed = services.route(routed, coordinator, comune)
    comune_expert = expert_of("comune-anagrafe", roles)
    state = write_and_submit(routed, comune_expert)
    assert state.authority == comune
    act(client, comune_expert, routed.entry, state, "approve", review_months=12)
    assert EntryPage.objects.filter(pk=routed.entry_id, live=True, authority=comune).exists()
    assert EntryPage.objects.filter(title=routed.title).count() == 1


def test_joint_validation_publishes_only_after_both_authorities(
    client, routed, questura_expert, roles
):
    comune = Authority.objects.get(slug="comune-anagrafe")
    draft = routed.entry.specific.get_latest_revision_as_object()
    draft.joint_authority = comune
    draft.save_revision(clean=False)
    state = write_and_submit(routed, questura_expert)
    assert state.joint_authority == comune

    act(client, questura_expert, routed.entry, state, "approve", review_months=12)
    assert not EntryPage.objects.get(pk=routed.entry_id).live
    # The same expert cannot stamp a second time, nor for the other authority.
    act(client, questura_expert, routed.entry, state, "approve", review_months=12)
    assert ValidationStamp.objects.count() == 1
    assert not EntryPage.objects.get(pk=routed.entry_id).live

    comune_expert = expert_of("comune-anagrafe", roles)
    act(client, comune_expert, routed.entry, state, "approve", review_months=6)
    entry = EntryPage.objects.get(pk=routed.entry_id)
    assert entry.live
    assert entry.review_due == add_months(timezone.localdate(), 6)
    page = client.get(entry.url).content.decode()
    assert "Questura - Ufficio immigrazione" in page and "Comune - Ufficio anagrafe" in page


def test_expert_of_another_authority_can_neither_see_nor_approve(
    client, routed, questura_expert, asl_expert
):
    state = write_and_submit(routed, questura_expert)
    entry = routed.entry.specific

    assert entry.current_workflow_task.get_actions(entry, asl_expert) == []
    assert not TaskState.objects.reviewable_by(asl_expert).exists()
    client.force_login(asl_expert)
    assert escape(routed.title) not in client.get("/admin/").content.decode()
    response = act(client, asl_expert, entry, state, "approve", review_months=12)
    assert response.status_code in (302, 403)
    state.refresh_from_db()
    assert state.status == TaskState.STATUS_IN_PROGRESS
    assert not ValidationStamp.objects.exists()
    assert not EntryPage.objects.get(pk=entry.pk).live

    client.force_login(questura_expert)
    assert escape(routed.title) in client.get("/admin/").content.decode()


def test_the_dashboard_lists_the_answers_to_write_then_to_validate(
    client, routed, questura_expert, asl_expert
):
    def panel(user, heading):
        client.force_login(user)
        html = client.get("/admin/").content.decode()
        start = html.index(heading)
        return html[start : html.index("</section>", start)]

    to_write, to_validate = "Risposte da scrivere per il tuo ente", "Da validare per il tuo ente"
    edit = reverse("wagtailadmin_pages:edit", args=[routed.entry_id])
    assert edit in panel(questura_expert, to_write)
    assert edit not in panel(questura_expert, to_validate)
    assert edit not in panel(asl_expert, to_write)

    write_and_submit(routed, questura_expert)
    assert edit not in panel(questura_expert, to_write)
    assert edit in panel(questura_expert, to_validate)


def test_the_answers_to_write_cost_the_same_queries_however_many(
    client, routed, operator, coordinator, questura_expert, django_assert_max_num_queries
):
    client.force_login(questura_expert)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as one_question:
        client.get("/admin/")
    for _ in range(5):
        routed_question(operator, coordinator)
    with django_assert_max_num_queries(len(one_question)):
        html = client.get("/admin/").content.decode()
    assert html.count(escape(routed.title)) == 6


def test_two_approvals_of_the_same_task_leave_one_consistent_state(routed, questura_expert, roles):
    second_expert = expert_of("questura", roles, email="secondo@questura.example")
    state = write_and_submit(routed, questura_expert)
    task = state.task.specific

    task.on_action(state, questura_expert, "approve", review_months=12)
    with pytest.raises(Exception, match="già stata conclusa"):
        task.on_action(state, second_expert, "approve", review_months=12)

    assert ValidationStamp.objects.count() == 1
    entry = EntryPage.objects.get(pk=routed.entry_id)
    assert entry.live
    assert PageLogEntry.objects.filter(page=entry, action="wagtail.publish").count() == 1
    assert Question.objects.get(pk=routed.pk).status == S.ANSWERED


def test_editors_cannot_publish_an_entry_directly(client, routed, roles, taxonomy):
    from django.contrib.auth.models import Group

    from accounts.roles import EDITOR
    from tests.factories import UserFactory

    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)
    entry = routed.entry.specific
    edit_url = reverse("wagtailadmin_pages:edit", args=[entry.pk])
    assert "action-publish" not in client.get(edit_url).content.decode()
    assert not EntryPage.objects.get(pk=entry.pk).live


def test_sla_due_date_comes_from_the_authority(routed):
    questura = Authority.objects.get(slug="questura")
    assert routed.due_on == timezone.localdate() + datetime.timedelta(days=questura.sla_days)


def test_the_draft_editor_says_the_entry_is_not_validated_yet(client, routed, questura_expert):
    client.force_login(questura_expert)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[routed.entry_id])).content.decode()
    assert html.count("non ancora") == 2  # "Validata il" and "Da rivedere entro"
