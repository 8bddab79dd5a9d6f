"""Who sees and does what with questions; a refused request changes nothing."""

import pytest

from questions import services
from questions.models import Message, Question
from tests.factories import QuestionFactory, UserFactory
from validation.models import Authority

S = Question.Status


@pytest.fixture
def routed(operator, coordinator):
    question = QuestionFactory(asker=operator, title="Quesito instradato alla Questura")
    return services.route(question, coordinator, Authority.objects.get(slug="questura"))


def snapshot(question):
    question.refresh_from_db()
    return (question.status, question.title, question.authority_id, question.messages.count())


def test_visible_questions_follow_the_roles(
    operator, colleague, stranger, coordinator, questura_expert, asl_expert, routed, pending
):
    own = QuestionFactory(asker=operator)
    other = QuestionFactory(asker=stranger)

    assert set(services.visible_questions(operator)) == {own, routed}
    assert set(services.visible_questions(colleague)) == {own, routed}
    assert set(services.visible_questions(stranger)) == {other}
    assert set(services.visible_questions(coordinator)) == {own, routed, other}
    assert set(services.visible_questions(questura_expert)) == {routed}
    assert set(services.visible_questions(asl_expert)) == set()
    assert set(services.visible_questions(pending)) == set()
    assert set(services.visible_questions(UserFactory(email="nessuno@example.org"))) == set()


def test_anonymous_readers_are_sent_to_login(client, operator):
    question = QuestionFactory(asker=operator)
    for url in ("/quesiti/", "/quesiti/nuovo/", f"/quesiti/{question.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
    before = snapshot(question)
    client.post(f"/quesiti/{question.pk}/ritira/")
    client.post(f"/quesiti/{question.pk}/messaggio/", {"body": "ciao"})
    assert snapshot(question) == before


def test_an_operator_of_another_organisation_gets_404_and_changes_nothing(
    client, operator, stranger
):
    question = QuestionFactory(asker=operator)
    before = snapshot(question)
    client.force_login(stranger)

    assert client.get(f"/quesiti/{question.pk}/").status_code == 404
    assert client.post(f"/quesiti/{question.pk}/ritira/").status_code == 404
    assert client.post(f"/quesiti/{question.pk}/messaggio/", {"body": "x"}).status_code == 404
    assert snapshot(question) == before


def test_a_colleague_sees_and_replies_but_cannot_withdraw(client, operator, colleague):
    question = QuestionFactory(asker=operator)
    client.force_login(colleague)

    assert client.get(f"/quesiti/{question.pk}/").status_code == 200
    client.post(f"/quesiti/{question.pk}/ritira/")
    question.refresh_from_db()
    assert question.status == S.SUBMITTED
    client.post(f"/quesiti/{question.pk}/messaggio/", {"body": "Aggiungo un dettaglio."})
    assert Message.objects.filter(question=question, author=colleague).exists()


def test_operators_cannot_reach_the_triage_admin(client, operator):
    question = QuestionFactory(asker=operator)
    before = snapshot(question)
    client.force_login(operator)
    for url in ("/admin/quesiti/", f"/admin/quesiti/{question.pk}/", "/admin/quesiti/operatori/"):
        assert client.get(url).status_code == 302
    client.post(f"/admin/quesiti/{question.pk}/respingi/", {"text": "no"})
    assert snapshot(question) == before


def test_expert_of_the_competent_authority_sees_but_cannot_triage(client, questura_expert, routed):
    before = snapshot(routed)
    client.force_login(questura_expert)

    assert client.get("/admin/quesiti/?coda=instradati").status_code == 200
    assert routed.title in client.get("/admin/quesiti/?coda=instradati").content.decode()
    assert client.get(f"/admin/quesiti/{routed.pk}/").status_code == 200
    assert client.post(f"/admin/quesiti/{routed.pk}/respingi/", {"text": "no"}).status_code == 403
    assert client.get("/admin/quesiti/operatori/").status_code == 403
    assert snapshot(routed) == before


def test_expert_of_another_authority_gets_404_and_changes_nothing(client, asl_expert, routed):
    before = snapshot(routed)
    client.force_login(asl_expert)

    assert routed.title not in client.get("/admin/quesiti/?coda=tutti").content.decode()
    QuestionFactory(asker=routed.asker)  # a new one, for the coordinators only
    assert "Nuovi (0)" in client.get("/admin/quesiti/").content.decode()
    assert client.get(f"/admin/quesiti/{routed.pk}/").status_code == 404
    assert client.post(f"/admin/quesiti/{routed.pk}/nota/", {"text": "x"}).status_code == 404
    assert snapshot(routed) == before


def test_only_coordinators_approve_operators(client, questura_expert, pending):
    client.force_login(questura_expert)
    assert client.post(f"/admin/quesiti/operatori/{pending.pk}/abilita/").status_code == 403
    assert not pending.groups.exists()


def test_services_refuse_non_coordinators(operator, questura_expert):
    question = QuestionFactory(asker=operator)
    for actor in (operator, questura_expert):
        with pytest.raises(services.QuestionError):
            services.reject(question, actor, "no")
        with pytest.raises(services.QuestionError):
            services.route(question, actor, Authority.objects.get(slug="questura"))
    question.refresh_from_db()
    assert question.status == S.SUBMITTED


def test_editors_have_the_admin_but_not_the_triage(client, operator, taxonomy):
    from django.contrib.auth.models import Group

    from accounts.roles import EDITOR

    question = QuestionFactory(asker=operator)
    client.force_login(
        UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    )
    assert client.get("/admin/quesiti/").status_code == 403
    assert client.get(f"/admin/quesiti/{question.pk}/").status_code == 403
    assert client.post(f"/admin/quesiti/{question.pk}/nota/", {"text": "x"}).status_code == 403
    assert not question.messages.exists()
