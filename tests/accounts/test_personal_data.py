"""An operator's own data: the "I miei dati" page, the download, deleting the account, and
the retention of messages."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.db import models
from django.utils import timezone, translation

from accounts.models import User
from accounts.services import approve_operator, enrol_authenticator
from kb.models import EntryPage, Feedback
from questions import services
from questions.models import Message, Question
from tests.factories import TOTP_SECRET, QuestionFactory
from validation import audit
from validation.audit import timeline
from validation.freshness import run_daily
from validation.models import AuditEvent

PASSWORD = "una-password-lunga-1"
S = Question.Status


@pytest.fixture(autouse=True)
def back_to_default_language():
    """A request under /en/ leaves English active in this thread: reset it for later tests."""
    yield
    translation.deactivate()


@pytest.fixture
def thread(operator, colleague, stranger, coordinator, renewal_entry):
    """The operator's question with a request for details, their reply and an internal note;
    their message in a colleague's question; questions and feedback of other people."""
    mine = QuestionFactory(
        asker=operator,
        title="Rinnovo del permesso: è possibile col kit postale?",
        municipality="Borgo San Vito",
    )
    mine.tags.set(["rinnovo", "kit postale"])
    mine = services.ask_for_details(mine, coordinator, "<p>Che tipo di permesso ha l'ospite?</p>")
    services.reply(mine, operator, "<p>Attesa occupazione, scaduto da poco.</p>")
    services.add_internal_note(mine, coordinator, "<p>NOTA RISERVATA: sentire la Questura.</p>")
    answered = QuestionFactory(asker=operator, title="Iscrizione al CPI", entry=renewal_entry)
    answered.status = S.ANSWERED
    answered.save()

    colleagues = QuestionFactory(asker=colleague, title="Domanda della collega")
    colleagues.body = "<p>TESTO DELLA COLLEGA</p>"
    colleagues.save()
    services.reply(colleagues, operator, "<p>Anche da noi è successo.</p>")
    services.reply(colleagues, colleague, "<p>MESSAGGIO DELLA COLLEGA</p>")
    services.follow(colleagues, operator)

    QuestionFactory(asker=stranger, title="QUESITO DI UN ALTRO ENTE")
    Feedback.objects.create(entry=renewal_entry, helpful=False, comment="COMMENTO DI UN LETTORE")
    return {"mine": mine, "answered": answered, "colleagues": colleagues}


def download(client, prefix=""):
    response = client.get(f"{prefix}/profilo/dati.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return response


# --- the page and the download ----------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix, words",
    [
        ("", ["<h1>I miei dati</h1>", "Scarica i miei dati (JSON)", "Elimina definitivamente"]),
        ("/en", ["<h1>My data</h1>", "Download my data (JSON)", "Delete my account permanently"]),
    ],
)
def test_the_page_answers_in_italian_and_english(client, operator, thread, prefix, words):
    client.force_login(operator)
    response = client.get(f"{prefix}/profilo/")
    assert response.status_code == 200
    html = response.content.decode()
    assert all(word in html for word in words)
    assert f'action="{prefix}/profilo/elimina/"' in html
    assert f'href="{prefix}/profilo/dati.json"' in html
    assert "730" in html  # the retention period is stated
    assert download(client, prefix).json()["account"]["email"] == operator.email


def test_the_header_links_to_my_data_for_logged_in_users_only(client, operator, home):
    assert 'href="/profilo/"' not in client.get("/").content.decode()
    client.force_login(operator)
    assert 'href="/profilo/"' in client.get("/").content.decode()


def test_download_has_my_questions_and_messages_and_nothing_of_others(client, operator, thread):
    client.force_login(operator)
    response = download(client)
    assert "è possibile col kit postale".encode() in response.content  # UTF-8, not \u00e8
    data = json.loads(response.content.decode("utf-8"))

    assert data["account"]["email"] == "omar@ilponte.example"
    assert data["account"]["organisation"]["name"] == "Cooperativa Il Ponte"
    assert data["account"]["roles"] == ["Operatori"]
    questions = {q["title"]: q for q in data["questions"]}
    assert set(questions) == {thread["mine"].title, "Iscrizione al CPI"}
    mine = questions[thread["mine"].title]
    assert mine["tags"] == ["kit postale", "rinnovo"]
    assert mine["topic"] == "Permesso di soggiorno"
    assert mine["status"] == "submitted"
    assert mine["created_at"].startswith(str(timezone.localdate().year))
    assert [(m["written_by_you"], m["body"]) for m in mine["messages"]] == [
        (False, "Che tipo di permesso ha l'ospite?"),
        (True, "Attesa occupazione, scaduto da poco."),
    ]
    assert questions["Iscrizione al CPI"]["status"] == "answered"
    assert [m["body"] for m in data["messages_in_other_questions"]] == ["Anche da noi è successo."]
    assert [q["title"] for q in data["followed_questions"]] == ["Domanda della collega"]

    text = response.content.decode()
    for foreign in (
        "NOTA RISERVATA",
        "TESTO DELLA COLLEGA",
        "MESSAGGIO DELLA COLLEGA",
        "QUESITO DI UN ALTRO ENTE",
        "COMMENTO DI UN LETTORE",
        "coordinamento@prefettura.example",
        "collega@ilponte.example",
    ):
        assert foreign not in text


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", ["/profilo/", "/profilo/dati.json"])
def test_anonymous_visitors_are_sent_to_log_in(client, home, prefix, path):
    response = client.get(prefix + path)
    assert response.status_code == 302
    assert response["Location"] == f"{prefix}/account/login/?next={prefix}{path}"


def test_anonymous_delete_is_sent_to_log_in(client, home):
    response = client.post("/profilo/elimina/", {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


# --- deleting the account ---------------------------------------------------------------------


def test_deleting_the_account_anonymises_the_questions_and_keeps_the_knowledge_base(
    client, operator, colleague, pending, coordinator, thread, django_capture_on_commit_callbacks
):
    EmailAddress.objects.create(user=operator, email=operator.email, verified=True, primary=True)
    enrol_authenticator(operator, TOTP_SECRET)
    # The account's own history goes with it; another account's stays.
    audit.record(operator, coordinator, "approved", "pending", "approved")
    approve_operator(pending, coordinator)
    client.force_login(operator)
    email, pk = operator.email, operator.pk

    response = client.post("/profilo/elimina/", {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Il tuo account è stato eliminato" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=email).exists()
    assert not EmailAddress.objects.filter(user_id=pk).exists()
    assert not Authenticator.objects.filter(user_id=pk).exists()
    accounts_history = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(User)
    )
    assert list(accounts_history.values_list("object_id", flat=True)) == [pending.pk]

    mine = Question.objects.get(pk=thread["mine"].pk)
    assert mine.asker is None
    assert mine.organisation.name == "Cooperativa Il Ponte"
    assert mine.municipality == "Borgo San Vito"
    assert mine.title == thread["mine"].title
    reply = mine.messages.get(body__contains="Attesa occupazione")
    assert reply.author is None
    assert mine.messages.count() == 3
    # Their step in the timeline stays, without who made it.
    assert timeline(mine).get(action="reply").actor is None
    answered = Question.objects.get(pk=thread["answered"].pk)
    assert answered.asker is None and answered.entry.live
    assert EntryPage.objects.get(pk=answered.entry_id).live
    assert list(thread["colleagues"].followers.all()) == []
    assert thread["colleagues"].messages.filter(author=None).count() == 1

    # No way back in.
    login = client.post("/account/login/", {"login": email, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in client.session

    # The coordinators still work on it, and the asker shows as a deleted account.
    client.force_login(coordinator)
    triage = client.get(f"/admin/quesiti/{mine.pk}/")
    assert triage.status_code == 200
    html = triage.content.decode()
    assert "Account eliminato" in html and "Attesa occupazione" in html
    services.follow(mine, colleague)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject(mine, coordinator, "Non di competenza del tavolo")
    assert Question.objects.get(pk=mine.pk).status == S.REJECTED
    assert [message.to for message in mail.outbox] == [[colleague.email]]

    # Colleagues of the organisation still see it, without the name.
    client.force_login(colleague)
    listing = client.get("/quesiti/?vista=organizzazione").content.decode()
    assert mine.title in listing and "Account eliminato" in listing
    detail = client.get(f"/quesiti/{mine.pk}/").content.decode()
    assert "Account eliminato" in detail and "None" not in detail


def test_no_reference_to_a_user_can_block_deleting_it():
    """Every model pointing at a user (ours, Wagtail's, allauth's) lets it go."""
    references = [
        field
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.fields
        if field.is_relation and field.related_model is User
    ]
    assert {"questions.Question.asker", "wagtailcore.PageLogEntry.user"} <= {
        f"{field.model._meta.label}.{field.name}" for field in references
    }
    for field in references:
        on_delete = field.remote_field.on_delete
        allowed = on_delete in (models.CASCADE, models.SET_NULL) or (
            on_delete is models.DO_NOTHING and not field.db_constraint
        )
        assert allowed, f"{field.model._meta.label}.{field.name}"


def test_a_wrong_password_changes_nothing(client, operator, thread):
    client.force_login(operator)
    response = client.post("/profilo/elimina/", {"password": "non-la-mia"})
    assert response.status_code == 400
    assert "La password non è corretta" in response.content.decode()
    operator.refresh_from_db()
    assert operator.is_active
    assert Question.objects.filter(asker=operator).count() == 2
    assert thread["colleagues"].followers.filter(pk=operator.pk).exists()
    assert client.get("/profilo/").status_code == 200


def test_a_wrong_password_is_explained_in_english_under_en(client, operator):
    client.force_login(operator)
    response = client.post("/en/profilo/elimina/", {"password": ""})
    assert response.status_code == 400
    assert "The password is not correct" in response.content.decode()
    assert User.objects.filter(pk=operator.pk).exists()


def test_delete_needs_a_post(client, operator):
    client.force_login(operator)
    assert client.get("/profilo/elimina/").status_code == 405
    assert User.objects.filter(pk=operator.pk).exists()


@pytest.mark.parametrize("who", ["coordinator", "questura_expert"])
def test_staff_cannot_delete_their_own_account(client, taxonomy, request, who):
    staff = request.getfixturevalue(who)
    client.force_login(staff)
    page = client.get("/profilo/").content.decode()
    assert "per eliminarlo chiedi a un amministratore" in page
    assert 'action="/profilo/elimina/"' not in page

    response = client.post("/profilo/elimina/", {"password": PASSWORD})
    assert response.status_code == 400
    assert "per eliminarlo chiedi a un amministratore" in response.content.decode()
    assert User.objects.filter(pk=staff.pk).exists()
    assert Authenticator.objects.filter(user=staff).exists()

    english = client.get("/en/profilo/")
    assert english.status_code == 200
    assert "ask an administrator" in english.content.decode()


# --- retention of messages --------------------------------------------------------------------


def _message(question, author, created_at, internal=False):
    message = Message.objects.create(
        question=question, author=author, body="<p>testo</p>", internal=internal
    )
    Message.objects.filter(pk=message.pk).update(created_at=created_at)
    return message.pk


def test_the_daily_job_purges_exactly_the_messages_older_than_the_retention(
    operator, coordinator, settings
):
    settings.MESSAGE_RETENTION_DAYS = 30
    today = datetime.date(2026, 6, 15)
    limit = timezone.make_aware(datetime.datetime(2026, 5, 16))  # midnight, 30 days before
    question = QuestionFactory(asker=operator)
    second = datetime.timedelta(seconds=1)
    old = [
        _message(question, operator, limit - datetime.timedelta(days=200)),
        _message(question, coordinator, limit - second, internal=True),
    ]
    kept = [
        _message(question, coordinator, limit),
        _message(question, operator, limit + second),
        _message(question, operator, timezone.make_aware(datetime.datetime(2026, 6, 14, 23))),
    ]

    report = run_daily(today)

    assert report.purged_messages == len(old)
    assert sorted(Message.objects.values_list("pk", flat=True)) == sorted(kept)
    assert Question.objects.filter(pk=question.pk).exists()
    assert run_daily(today).purged_messages == 0


def test_the_daily_command_reports_the_purged_messages(operator, capsys):
    question = QuestionFactory(asker=operator)
    _message(question, operator, timezone.now() - datetime.timedelta(days=731))
    _message(question, operator, timezone.now() - datetime.timedelta(days=700))
    call_command("validation_daily")
    assert "1 messaggi cancellati perché più vecchi di 730 giorni" in capsys.readouterr().out
    assert Message.objects.count() == 1
