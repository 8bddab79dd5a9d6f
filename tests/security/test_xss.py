"""Hostile text through every place a person's text enters, then every page and e-mail that
shows it: nothing a browser could run, template syntax shown as typed, plain text escaped.

Each payload is cleaned alone by the sanitiser (the first test). The pages are then checked
with the payloads in groups (one question, one search, one imported entry per group), so
that every payload reaches every page without a request per payload and page.
"""

import datetime
import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from accounts.roles import EDITOR
from kb.entries_io import EntryFileError, parse_line
from kb.models import EntryPage, Feedback, Topic
from questions import services
from questions.html import clean_html, html_to_text, strip_control, text_to_html
from questions.models import Question
from search.models import QueryLog
from search.service import make_snippet, normalise_query
from search.text import keywords
from tests.factories import QuestionFactory, UserFactory
from tests.html_safety import executable_parts
from tests.security.xss_payloads import PAYLOADS, TEMPLATE_EVALUATIONS
from validation.models import Authority

EVALUATED = [*TEMPLATE_EVALUATIONS, f"TPL{datetime.date.today().year}TPL"]
# JSON inside <script type="application/ld+json"> is data, escaped for that place.
JSON_DATA = re.compile(r'<script type="application/(?:ld\+)?json"[^>]*>.*?</script>', re.S)
HTML_SPECIAL = set("<>&\"'")
SCRIPTS = re.compile(r"<script(?![^>]*application/(?:ld\+)?json)[^>]*>(.*?)</script", re.S)
ATOM = "{http://www.w3.org/2005/Atom}"


def groups(limit):
    """The payloads in groups of at most `limit` characters once joined by spaces."""
    found, current = [], []
    for payload in PAYLOADS:
        if current and len(" ".join([*current, payload])) > limit:
            found.append(current)
            current = []
        current.append(payload)
    return [*found, current]


def problems(where, page, shown=()):
    """What a browser could run on `page`, template syntax that was evaluated, and each text
    of `shown` that is not on the page as typed (escaped, not interpreted)."""
    found = [f"{where}: {problem}" for problem in executable_parts(page)]
    text = html.unescape(page)
    found += [f"{where}: template evaluated, {e!r} on the page" for e in EVALUATED if e in text]
    markup = JSON_DATA.sub("", page)
    for typed in shown:
        if typed not in text:
            found.append(f"{where}: {typed!r} not shown as typed")
        elif HTML_SPECIAL & set(typed) and escape(typed) not in markup:
            found.append(f"{where}: {typed!r} not escaped")
    return found


def editor_problems(page, shown=()):
    """As problems(), for Wagtail's page editor, which runs inline scripts of its own: the
    caller leaves out those of a harmless draft (numbers aside), and no script may mention
    a payload's alert()."""
    found = {re.sub(r"\d+", "N", problem) for problem in problems("", page, shown)}
    for script in SCRIPTS.findall(page):
        if "alert(" in script:
            found.add(f"a script mentions alert(: {script[:200]!r}")
    return found


def email_problems(where):
    """Every e-mail sent: its HTML alternative scanned, no template syntax evaluated."""
    found = []
    for message in mail.outbox:
        label = f"{where}, e-mail «{message.subject}» to {message.to}"
        for evaluated in EVALUATED:
            if evaluated in message.body or evaluated in message.subject:
                found.append(f"{label}: template evaluated, {evaluated!r}")
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                found += problems(label, content)
    return found


def plain(payload):
    """Whether `payload`, typed in a text box, comes back as the same visible text."""
    return "\n" not in payload and not {"<", "&"} & set(payload)


def lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


@pytest.fixture
def editor(taxonomy):
    return UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])


@pytest.fixture
def browsers(client, operator, coordinator, editor):
    """A logged-in browser for the operator, the coordinator and the editor."""
    browsers = {"operator": client, "coordinator": Client(), "editor": Client()}
    for name, user in (("operator", operator), ("coordinator", coordinator), ("editor", editor)):
        browsers[name].force_login(user)
    return browsers


def test_each_payload_alone_is_cleaned_by_the_sanitiser():
    found = []
    for payload in PAYLOADS:
        for name, cleaned in (
            ("clean_html", clean_html(payload)),
            ("text_to_html", text_to_html(payload)),
            ("escaped html_to_text", escape(html_to_text(payload))),
            ("snippet", make_snippet(html_to_text(payload), keywords(payload))),
        ):
            found += problems(f"{name}({payload!r})", cleaned)
    assert not found, "\n".join(found)
    assert len(PAYLOADS) >= 150


def test_question_title_and_body(
    browsers,
    operator,
    coordinator,
    questura_expert,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    asker, desk = browsers["operator"], browsers["coordinator"]
    monkeypatch.setattr(services, "DAILY_LIMIT", len(PAYLOADS))
    topic = Topic.objects.get(slug="permesso-di-soggiorno").pk
    found, titles = [], []
    with django_capture_on_commit_callbacks(execute=True):
        for n, group in enumerate(groups(200)):
            title = " ".join(group)
            cases = [f"Caso {n}.{i}: {payload}" for i, payload in enumerate(group)]
            shown = [title.strip(), *(case for case in cases if plain(case))]
            data = {
                "title": title,
                "body": "\n\n".join(cases),
                "topic": topic,
                "token": str(uuid.uuid4()),
                "step": "check",
            }
            check = asker.post("/quesiti/nuovo/", data)
            assert check.status_code == 200, title
            found += problems(f"check step {n}", check.content.decode(), [title.strip()])
            checked = re.search(r'name="checked" value="(\w+)"', check.content.decode()).group(1)
            sent = asker.post("/quesiti/nuovo/", {**data, "checked": checked, "step": "confirm"})
            assert sent.status_code == 302, title
            found += problems(f"question page {n}", get(asker, sent["Location"]), shown)
            question = Question.objects.get(submission_token=data["token"])
            triage = get(desk, f"/admin/quesiti/{question.pk}/")
            found += problems(f"triage page {n}", triage, shown)
            titles.append(title.strip())
    assert Question.objects.count() == len(titles)
    found += problems("my questions", get(asker, "/quesiti/"), titles)
    queue = get(desk, "/admin/quesiti/", coda="tutti") + get(
        desk, "/admin/quesiti/", coda="tutti", p=2
    )
    found += problems("coordinators' queue", queue, titles)

    # The expert of the authority the questions are routed to.
    expert = Client()
    expert.force_login(questura_expert)
    questura = Authority.objects.get(slug="questura")
    harmless = QuestionFactory(asker=operator, title="Rinnovo del permesso per lavoro")
    for question in Question.objects.all():
        if question.needs_personal_data_check:
            services.clear_personal_data(question, coordinator)
        services.route(question, coordinator, questura)
    expert_queue = get(expert, "/admin/quesiti/", coda="instradati")
    expert_queue += get(expert, "/admin/quesiti/", coda="instradati", p=2)
    found += problems("expert's queue", expert_queue, titles)
    harmless.refresh_from_db()
    own_scripts = editor_problems(get(expert, f"/admin/pages/{harmless.entry_id}/edit/"))
    for question in Question.objects.exclude(pk=harmless.pk).select_related("entry"):
        found += problems(
            f"expert's page {question.pk}", get(expert, f"/admin/quesiti/{question.pk}/")
        )
        draft = get(expert, f"/admin/pages/{question.entry_id}/edit/")
        found += [
            f"draft entry {question.entry_id}: {problem}"
            for problem in editor_problems(draft, [question.title])
            if problem not in own_scripts
        ]

    found += email_problems("questions")
    assert len(mail.outbox) >= len(titles)
    assert not found, "\n".join(found)


def test_messages(browsers, operator, django_capture_on_commit_callbacks):
    asker, desk = browsers["operator"], browsers["coordinator"]
    found = []
    with django_capture_on_commit_callbacks(execute=True):
        for n, group in enumerate(groups(200)):
            question = QuestionFactory(asker=operator)
            shown = []
            for i, payload in enumerate(group):
                body = f"Messaggio {n}.{i}: {payload}"
                response = asker.post(f"/quesiti/{question.pk}/messaggio/", {"body": body})
                assert response.status_code == 302, payload
                shown += [body] if plain(body) else []
            assert question.messages.count() == len(group)
            found += problems(f"question page {n}", get(asker, question.get_absolute_url()), shown)
            found += problems(
                f"triage page {n}", get(desk, f"/admin/quesiti/{question.pk}/"), shown
            )
    found += email_problems("messages")
    assert mail.outbox
    assert not found, "\n".join(found)


def test_feedback_comments(browsers, renewal_entry):
    desk, editor = browsers["coordinator"], browsers["editor"]
    found = []
    reader = Client()
    for n, group in enumerate(groups(200)):
        reader.cookies.clear()  # one reader each; each from their own address
        response = reader.post(
            f"/voci/{renewal_entry.pk}/riscontro/",
            {"utile": "no", "commento": f"Commento {n}: " + " ".join(group)},
            REMOTE_ADDR=f"10.0.0.{n}",
        )
        assert response.status_code == 302
    comments = list(Feedback.objects.order_by("pk"))
    assert len(comments) == len(groups(200))
    shown = [line for item in comments for line in lines(item.comment)]
    found += problems("editor's feedback report", get(editor, "/admin/riscontri/"), shown)
    # An editor turns each comment into a question for the coordinators.
    for item in comments:
        assert editor.post(f"/admin/riscontri/{item.pk}/quesito/").status_code == 302
        item.refresh_from_db()
        triage = get(desk, f"/admin/quesiti/{item.question_id}/")
        found += problems(f"triage of comment {item.pk}", triage, lines(item.comment))
    found += problems("editor's report, after", get(editor, "/admin/riscontri/"))
    assert not found, "\n".join(found)


def test_signup_fields(browsers, django_capture_on_commit_callbacks):
    desk, client = browsers["coordinator"], Client()
    names = [" ".join(group) for group in groups(100)]
    # Each signup carries four groups: names, new organisation and its municipality.
    signups = [names[n : n + 4] for n in range(0, len(names), 4)]
    found, shown = [], []
    with django_capture_on_commit_callbacks(execute=True):
        for n, fields in enumerate(signups):
            first, last, organisation, municipality = (
                text[:limit]
                for text, limit in zip(
                    fields + ["Nome", "Cognome", "Ente"], (150, 150, 200, 100), strict=False
                )
            )
            response = client.post(
                "/account/signup/",
                {
                    "email": f"persona{n}@comune.example",
                    "password1": "Sicura-Password-2026",
                    "password2": "Sicura-Password-2026",
                    "first_name": first,
                    "last_name": last,
                    "new_organisation_name": organisation,
                    "new_organisation_kind": "public",
                    "new_organisation_municipality": municipality,
                },
                REMOTE_ADDR=f"10.0.1.{n}",
            )
            assert response.status_code == 302, (fields, response.context["form"].errors)
            client.logout()
            shown += [first.strip(), last.strip(), organisation.strip(), municipality.strip()]
        pending = User.objects.filter(email__endswith="@comune.example")
        assert pending.count() == len(signups)
        found += problems("operators to approve", get(desk, "/admin/quesiti/operatori/"), shown)
        for user in pending:
            response = desk.post(f"/admin/quesiti/operatori/{user.pk}/abilita/")
            assert response.status_code == 302
            client.force_login(user)
            found += problems(f"header of {user.email}", get(client, "/quesiti/"), [str(user)])
        # The confirmations ("... è stato abilitato") name each person.
        approved = [str(user) for user in pending]
        found += problems("approvals", get(desk, "/admin/quesiti/operatori/"), approved)
    found += email_problems("signup")
    assert not found, "\n".join(found)


def test_search_page_shows_the_query_as_text(browsers):
    asker, editor = browsers["operator"], browsers["editor"]
    found = []
    for n, group in enumerate(groups(200)):
        query = " ".join(group)
        shown = [normalise_query(query)]
        page = get(asker, "/cerca/", q=query, page=group[0])
        found += problems(f"search {n}", page, shown)
        assert "Fai questa domanda" in page
        # "Fai questa domanda" opens the form with the query as its title.
        found += problems(f"ask with title {n}", get(asker, "/quesiti/nuovo/", titolo=query))
        if n % 20 == 19:
            # The editors' report lists the 20 most asked queries.
            logged = list(QueryLog.objects.values_list("query", flat=True))
            found += problems(f"query report {n}", get(editor, "/admin/ricerche/"), logged)
            QueryLog.objects.all().delete()
    assert not found, "\n".join(found)


def json_answer(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, params)
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.content)


def test_search_apis_answer_json(client, taxonomy):
    for group in groups(200):
        query = " ".join(group)
        assert json_answer(client, "/api/search/", q=query)["query"] == normalise_query(query)
        assert json_answer(client, "/api/autocomplete/", q=query)["query"] == normalise_query(query)
        assert json_answer(client, "/api/similar/", text=query)["results"] == []


def reference_url(payload):
    """A URL with `payload` in it that the import accepts; dangerous ones are refused."""
    for url in (
        payload,
        f"https://example.org/?q={payload}",
        f"https://example.org/{quote(payload)}",
    ):
        line = json.dumps(entry_line(0, [payload], url=url))
        try:
            parse_line(line, 7)
        except EntryFileError as error:
            assert error.line == 7
            assert "url non valido" in error.reason
        else:
            return url
    raise AssertionError(payload)


def entry_line(n, group, url="https://example.org/"):
    topics = sorted(Topic.objects.values_list("slug", flat=True))
    return {
        "external_id": f"xss-{n}",
        "title": " ".join(group),
        "question": "\n".join([f"voceostile{n}", *group]),
        "answer": f"<p>voceostile{n}</p>" + " ".join(group),
        "topic": topics[n % len(topics)],
        "authority": "questura",
        "tags": [payload[:100] for payload in group],
        "legal_references": [{"label": payload[:255], "url": url} for payload in group],
        "validated_at": "2026-03-12",
        "review_due": "2027-03-12",
    }


def test_imported_entries(client, taxonomy, tmp_path):
    records = []
    for n, group in enumerate(groups(200)):
        # The import refuses control characters (tests/security/test_odd_input.py).
        group = [strip_control(payload) for payload in group]
        record = entry_line(n, group)
        record["legal_references"] = [
            {"label": payload[:255], "url": reference_url(payload)} for payload in group
        ]
        records.append(record)
    path = tmp_path / "ostili.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    call_command("import_entries", str(path))
    assert EntryPage.objects.count() == len(records)

    found = []
    for n, record in enumerate(records):
        entry = EntryPage.objects.get(external_id=record["external_id"])
        shown = [
            record["title"].strip(),
            *(" ".join(tag.lower().split()) for tag in record["tags"]),
            *(ref["label"].strip() for ref in record["legal_references"]),
            *lines(record["question"]),
        ]
        found += problems(f"entry page {n}", get(client, entry.url), shown)
        query = f"voceostile{n}"
        found += problems(f"search {n}", get(client, "/cerca/", q=query), [record["title"].strip()])
        answer = json_answer(client, "/api/search/", q=query)
        [hit] = [hit for hit in answer["results"] if hit["external_id"] == record["external_id"]]
        assert hit["title"] == record["title"].strip()
        assert executable_parts(hit["snippet"]) == []
        assert "<" not in re.sub(r"</?mark>", "", hit["snippet"]), hit["snippet"]
    for topic in Topic.objects.all():
        found += problems(f"topic page {topic.slug}", get(client, topic.page.url))
        found += feed_problems(client, f"/feed/{topic.slug}/rss/", f"/feed/{topic.slug}/atom/")
    found += problems("home page", get(client, "/"))
    assert not found, "\n".join(found)


def feed_problems(client, rss, atom):
    """Feed readers show an item's description as HTML: it must be safe HTML."""
    found = []
    for item in ET.fromstring(client.get(rss).content).iter("item"):
        found += problems(f"{rss} {item.findtext('link')}", item.findtext("description") or "")
    for item in ET.fromstring(client.get(atom).content).iter(f"{ATOM}entry"):
        found += problems(
            f"{atom} {item.findtext(f'{ATOM}id')}", item.findtext(f"{ATOM}summary") or ""
        )
    return found


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav\tascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relativo",
    ],
)
def test_import_refuses_a_reference_url_that_is_not_http(taxonomy, tmp_path, url):
    record = entry_line(0, ["Permesso di soggiorno"], url=url)
    path = tmp_path / "voci.jsonl"
    path.write_text(json.dumps(entry_line(1, ["Buona"])) + "\n" + json.dumps(record), "utf-8")
    with pytest.raises(CommandError, match=r"riga 2: riferimento normativo n. 1: url non valido"):
        call_command("import_entries", str(path))
    assert not EntryPage.objects.exists()
