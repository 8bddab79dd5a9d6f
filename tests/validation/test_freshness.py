"""The daily job, amended laws, re-validation, and the SLA report."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState

from kb.models import EntryPage, LegalAct, TopicPage
from questions.models import Question
from tests.factories import EntryPageFactory, QuestionFactory
from validation.audit import timeline
from validation.models import Authority, AuthorityTaskState
from validation.reports import sla_figures

TODAY = timezone.localdate()


@pytest.fixture
def permits(taxonomy):
    return TopicPage.objects.get(topic__slug="permesso-di-soggiorno")


@pytest.fixture
def overdue_entry(permits, questura_expert):
    return EntryPageFactory(
        parent=permits,
        title="Conversione del permesso per studio",
        authority=Authority.objects.get(slug="questura"),
        validated_at=TODAY - datetime.timedelta(days=400),
        review_due=TODAY - datetime.timedelta(days=5),
        legal_references=[("D.Lgs. 286/1998, art. 6", "https://www.normattiva.it/x")],
    )


@pytest.fixture
def fresh_entry(permits):
    return EntryPageFactory(
        parent=permits,
        title="Kit postale: come si compila",
        authority=Authority.objects.get(slug="questura"),
        validated_at=TODAY - datetime.timedelta(days=10),
        review_due=TODAY + datetime.timedelta(days=300),
        legal_references=[("DPR 394/1999, art. 13", "")],
    )


def test_daily_job_flags_due_entries_reminds_experts_and_is_idempotent(
    client,
    coordinator,
    questura_expert,
    overdue_entry,
    fresh_entry,
    capsys,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("validation_daily")
    assert "1 voci segnate da rivalidare, 1 enti avvisati" in capsys.readouterr().out

    overdue_entry.refresh_from_db()
    fresh_entry.refresh_from_db()
    assert overdue_entry.needs_revalidation and not fresh_entry.needs_revalidation
    assert "Data di revisione superata" in overdue_entry.revalidation_reason
    [reminder] = [m for m in mail.outbox if questura_expert.email in m.to]
    assert overdue_entry.title in reminder.body

    page = client.get(overdue_entry.url).content.decode()
    assert "Risposta in corso di verifica." in page
    assert "Risposta in corso di verifica." not in client.get(fresh_entry.url).content.decode()
    client.force_login(coordinator)
    listing = client.get(reverse("validation_due")).content.decode()
    assert overdue_entry.title in listing and fresh_entry.title not in listing

    call_command("validation_daily")
    assert "0 voci segnate" in capsys.readouterr().out
    assert [e.action for e in timeline(overdue_entry)] == ["revalidation_due"]


def test_daily_job_runs_as_a_background_task(overdue_entry):
    from validation.tasks import daily

    result = daily.enqueue()
    assert result.return_value == {"flagged": 1, "reminded": 1}


def test_revalidation_keeps_the_live_version_until_approved(
    client, overdue_entry, questura_expert, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("validation_daily")
    draft = EntryPage.objects.get(pk=overdue_entry.pk).get_latest_revision_as_object()
    draft.answer = "<p>Testo aggiornato dopo la rivalidazione.</p>"
    draft.save_revision(user=questura_expert)
    draft.get_workflow().start(draft, questura_expert)

    page = client.get(overdue_entry.url).content.decode()
    assert "Testo aggiornato" not in page and "Risposta in corso di verifica." in page

    state = AuthorityTaskState.objects.get(status=TaskState.STATUS_IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        state.task.specific.on_action(state, questura_expert, "approve", review_months=12)
    entry = EntryPage.objects.get(pk=overdue_entry.pk)
    assert not entry.needs_revalidation
    assert entry.validated_at == TODAY
    page = client.get(entry.url).content.decode()
    assert "Testo aggiornato dopo la rivalidazione." in page
    assert "Risposta in corso di verifica." not in page


def test_amending_an_act_flags_the_entries_citing_it(
    client,
    coordinator,
    questura_expert,
    overdue_entry,
    fresh_entry,
    roles,
    taxonomy,
    django_capture_on_commit_callbacks,
):
    from django.contrib.auth.models import Group

    from accounts.roles import EDITOR
    from tests.factories import UserFactory

    act = LegalAct.objects.get(name="D.Lgs. 286/1998")
    assert overdue_entry.legal_references.get().article == "art. 6"
    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("wagtailsnippets_kb_legalact:edit", args=[act.pk]),
            {
                "name": act.name,
                "url": "",
                "amended_on": TODAY.isoformat(),
                "amendment_note": "Nuovi termini di rinnovo",
            },
        )
    assert response.status_code == 302

    overdue_entry.refresh_from_db()
    fresh_entry.refresh_from_db()
    assert overdue_entry.needs_revalidation
    assert "Norma modificata: D.Lgs. 286/1998" in overdue_entry.revalidation_reason
    assert "Nuovi termini di rinnovo" in overdue_entry.revalidation_reason
    assert not fresh_entry.needs_revalidation  # cites another act
    assert any(questura_expert.email in m.to for m in mail.outbox)


def test_sla_reminders_the_day_before_and_on_the_due_day(
    questura_expert, operator, django_capture_on_commit_callbacks
):
    questura = Authority.objects.get(slug="questura")
    tomorrow = QuestionFactory(
        asker=operator,
        title="Scade domani",
        authority=questura,
        status=Question.Status.ROUTED,
        due_on=TODAY + datetime.timedelta(days=1),
    )
    QuestionFactory(
        asker=operator,
        title="Scade oggi",
        authority=questura,
        status=Question.Status.IN_VALIDATION,
        due_on=TODAY,
    )
    QuestionFactory(
        asker=operator,
        title="Scade tra una settimana",
        authority=questura,
        status=Question.Status.ROUTED,
        due_on=TODAY + datetime.timedelta(days=7),
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("validation_daily")

    [reminder] = [m for m in mail.outbox if questura_expert.email in m.to]
    assert f"Scade domani la validazione di «{tomorrow.title}»" in reminder.body
    assert "Scade oggi la validazione di «Scade oggi»" in reminder.body
    assert "Scade tra una settimana" not in reminder.body


def test_sla_report_figures(client, coordinator, operator, questura_expert):
    questura = Authority.objects.get(slug="questura")
    now = timezone.now()
    for days in (2, 4, 9):
        QuestionFactory(
            asker=operator,
            authority=questura,
            status=Question.Status.ANSWERED,
            routed_at=now - datetime.timedelta(days=days + 1),
            answered_at=now - datetime.timedelta(days=1),
        )
    # Validated too long ago to count in the 90-day window.
    QuestionFactory(
        asker=operator,
        authority=questura,
        status=Question.Status.ANSWERED,
        routed_at=now - datetime.timedelta(days=200),
        answered_at=now - datetime.timedelta(days=150),
    )
    QuestionFactory(
        asker=operator,
        authority=questura,
        status=Question.Status.ROUTED,
        due_on=TODAY - datetime.timedelta(days=1),
        title="In ritardo",
    )
    QuestionFactory(
        asker=operator,
        authority=questura,
        status=Question.Status.IN_VALIDATION,
        due_on=TODAY + datetime.timedelta(days=3),
    )

    row = next(r for r in sla_figures() if r["authority"] == questura)
    assert (row["open"], row["overdue"], row["validated"], row["median_days"]) == (2, 1, 3, 4.0)
    assert next(r for r in sla_figures() if r["authority"].slug == "asl")["median_days"] is None

    client.force_login(coordinator)
    report = client.get(reverse("validation_report")).content.decode()
    assert "<td>4,0</td>" in report
    assert ">In ritardo</a>" in report
    client.force_login(questura_expert)
    assert client.get(reverse("validation_report")).status_code == 403
