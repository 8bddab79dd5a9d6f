"""Who reaches what: every URL of the project × every role → the answer they get.

The URLs come from the URL configuration itself (tests/authorization/support.py), so a new
URL without a row in MATRIX fails `test_every_project_url_is_in_the_matrix`. Every refused
write is checked against the whole database: a refusal changes nothing at all.

Roles (columns): anon = not logged in; op = approved operator who asked the questions;
str = operator of another organisation; pend = operator not yet approved (same organisation
as op); coord = coordinator; exp = expert of the Questura, the competent authority; asl =
expert of the ASL, another authority; ed = editor; su = superuser.

Codes (cells):
  200    the page
  200+   the page, showing the row's protected text (see TARGETS)
  200-   the page, without the row's protected text
  302    a redirect elsewhere than the login (a GET)
  login  a redirect to the login page. Wagtail answers so to logged-in people without access
         to the admin too (operators on /admin/...): inconsistent with the 403 of the
         project's own role checks, but Wagtail's behaviour, kept.
  400    refused as bad input, with the page again (accounts:delete of a staff account)
  403 404 405   refused; 404 where even the existence of the object is not disclosed
  ok     a write carried out: redirect, and the row's state (default: the database) changed
  no     a write refused by the service with a message (redirect, or the page again)
Every POST refused (login / 400 / 403 / 404 / 405 / no) leaves the whole database unchanged.

Kept, though inconsistent:
- the admin refuses a workflow action to whoever may not validate (coordinator, editor,
  expert of another authority) with a redirect to the dashboard and an error message
  (Wagtail turns PermissionDenied into that), where the project's views answer 403;
- in the triage admin the expert of another authority gets 404 (the question's existence is
  not disclosed), the editor 403 (refused by role before any lookup);
- experts have page permissions on the whole tree (accounts.roles), so the expert of another
  authority opens the editor of an entry under validation; it is locked for them and shows
  no validation action.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.roles import EDITOR
from kb import feedback
from kb.models import EntryPage, Feedback, GuidePage
from questions import services
from questions.forms import QuestionForm
from search.models import QueryLog
from tests.authorization.support import (
    changed_tables,
    database_state,
    form_data,
    project_urls,
    response_code,
)
from tests.conftest import clear_caches
from tests.factories import EntryPageFactory, QuestionFactory, UserFactory
from tests.validation.test_workflow import write_and_submit
from validation.models import Authority

ROLES = {
    "anon": "anonymous",
    "op": "operator",
    "str": "stranger",
    "pend": "pending",
    "coord": "coordinator",
    "exp": "questura_expert",
    "asl": "asl_expert",
    "ed": "editor",
    "su": "superuser",
}

# One row per URL and method; "name[variant]" when the same URL is tried on another object
# or with another action; "page:..." are pages of the Wagtail tree.
MATRIX = """
url                                    http   anon  op    str   pend  coord exp   asl   ed    su
page:home                              GET    200   200   200   200   200   200   200   200   200
page:topic                             GET    200-  200-  200-  200-  200-  200-  200-  200-  200-
page:entry                             GET    200   200   200   200   200   200   200   200   200
page:entry[restricted]                 GET    200-  200+  200+  200-  200+  200+  200+  200+  200+
page:entry[draft]                      GET    404   404   404   404   404   404   404   404   404
page:entry[in-validation]              GET    404   404   404   404   404   404   404   404   404
page:guide                             GET    200   200   200   200   200   200   200   200   200
page:short-link                        GET    302   302   302   302   302   302   302   302   302
page:short-link[draft]                 GET    404   404   404   404   404   404   404   404   404
healthz                                GET    200   200   200   200   200   200   200   200   200
glossary                               GET    200   200   200   200   200   200   200   200   200
feed_rss                               GET    200-  200-  200-  200-  200-  200-  200-  200-  200-
feed_atom                              GET    200-  200-  200-  200-  200-  200-  200-  200-  200-
feed_topic_rss                         GET    200-  200-  200-  200-  200-  200-  200-  200-  200-
feed_topic_atom                        GET    200-  200-  200-  200-  200-  200-  200-  200-  200-
search                                 GET    200-  200+  200+  200-  200+  200+  200+  200+  200+
search_open                            GET    302   302   302   302   302   302   302   302   302
search_open[restricted]                GET    404   302   302   404   302   302   302   302   302
search_open[draft]                     GET    404   404   404   404   404   404   404   404   404
api-search                             GET    200-  200+  200+  200-  200+  200+  200+  200+  200+
api-similar                            GET    200-  200+  200+  200-  200+  200+  200+  200+  200+
api-autocomplete                       GET    200-  200+  200+  200-  200+  200+  200+  200+  200+
entry_feedback                         GET    405   405   405   405   405   405   405   405   405
entry_feedback                         POST   ok    ok    ok    ok    ok    ok    ok    ok    ok
entry_feedback[restricted]             POST   404   ok    ok    404   ok    ok    ok    ok    ok
entry_feedback[draft]                  POST   404   404   404   404   404   404   404   404   404
questions:mine                         GET    login 200+  200-  200-  200-  200-  200-  200-  200-
questions:ask                          GET    login 200   200   403   403   403   403   403   403
questions:ask                          POST   login ok    ok    403   403   403   403   403   403
questions:detail                       GET    login 200-  404   404   200-  200-  404   404   200-
questions:reply                        GET    login 405   405   405   405   405   405   405   405
questions:reply                        POST   login ok    404   404   no    no    404   404   no
questions:reply[no-organisation]       POST   login 404   404   404   no    404   404   404   no
questions:withdraw                     GET    login 405   405   405   405   405   405   405   405
questions:withdraw                     POST   login ok    404   404   no    no    404   404   no
questions:follow                       GET    login 405   405   405   405   405   405   405   405
questions:follow                       POST   login ok    404   404   ok    ok    404   404   ok
accounts:my_data                       GET    login 200   200   200   200   200   200   200   200
accounts:download                      GET    login 200+  200-  200-  200-  200-  200-  200-  200-
accounts:delete                        GET    login 405   405   405   405   405   405   405   405
accounts:delete                        POST   login ok    ok    ok    400   400   400   400   400
admin/login/                           GET    login login login login login login login login login
django-admin/login/                    GET    login login login login login login login login login
wagtailadmin_home                      GET    login login login login 200-  200+  200-  200-  200+
questions_admin:queue                  GET    login login login login 200+  200+  200-  403   200+
questions_admin:triage                 GET    login login login login 200+  200+  404   403   200+
questions_admin:act[nota]              GET    login login login login 405   405   405   405   405
questions_admin:act[nota]              POST   login login login login ok    ok    404   403   ok
questions_admin:act[instrada]          POST   login login login login ok    403   404   403   ok
questions_admin:act[respingi]          POST   login login login login ok    404   404   403   ok
questions_admin:act[sconosciuta]       POST   login login login login 404   404   404   403   404
questions_admin:operators              GET    login login login login 200   403   403   403   200
questions_admin:approve                GET    login login login login 405   405   405   405   405
questions_admin:approve                POST   login login login login ok    403   403   403   ok
validation_report                      GET    login login login login 200   403   403   403   200
validation_due                         GET    login login login login 200   403   403   403   200
search_query_report                    GET    login login login login 403   403   403   200   200
kb_feedback_report                     GET    login login login login 403   403   403   200   200
kb_feedback_question                   GET    login login login login 405   405   405   405   405
kb_feedback_question                   POST   login login login login 403   403   403   ok    ok
wagtailadmin_pages:edit                GET    login login login login 200-  200+  200-  200-  200+
wagtailadmin_pages:edit                POST   login login login login no    ok    no    no    ok
wagtailadmin_pages:edit[publish]       POST   login login login login 403   403   403   403   ok
wagtailadmin_pages:edit[publish-live]  POST   login login login login 403   403   403   403   ok
wagtailadmin_pages:add[publish]        POST   login login login login 403   403   403   403   ok
wagtailadmin_pages:workflow_action     GET    login login login login 302   200   302   302   200
wagtailadmin_pages:workflow_action     POST   login login login login no    ok    no    no    ok
wagtail_bulk_action[publish]           POST   login login login login no    no    no    403   ok
wagtail_bulk_action[publish-subtree]   POST   login login login login no    no    no    403   ok
"""

SECRET_ANSWER = "si accetta con la ricevuta della segnalazione tardiva"
INTERNAL_NOTE = "Verificare con la Questura la prassi locale"
RESTRICTED_TITLE = "Prassi interna sui rinnovi in ritardo"
VALIDATION_TITLE = "Ricevuta di rinnovo e iscrizione anagrafica"
APPROVE_LABEL = "Valida e pubblica"
PASSWORD = "una-password-lunga-1"  # every UserFactory user's


@dataclass(frozen=True)
class Target:
    """How to call a row's URL on the world's objects, and what it protects."""

    path: Callable
    data: Callable = lambda w: {}
    # The text a `200+` cell shows and a `200-` cell must not.
    secret: str | None = None
    # What an `ok` write changes; None: anything in the database.
    state: Callable | None = None


def _url(name, **kwargs):
    return lambda w: reverse(name, kwargs={key: value(w) for key, value in kwargs.items()})


def _routed(w):
    return w.routed.pk


def _published(w):
    """The live pages of the topic, each with the revision it shows."""
    pages = w.permits.get_descendants(inclusive=True).live().order_by("pk")
    return tuple(pages.values_list("pk", "live_revision_id"))


def _new_question(w):
    """A complete question, as the second step of the form posts it."""
    data = {
        "title": "Tessera sanitaria per richiedenti asilo",
        "body": "Un ospite del CAS chiede la tessera sanitaria: quali documenti servono?",
        "topic": w.routed.topic_id,
        "tags": "sanita",
        "municipality": "Borgo San Vito",
        "token": str(uuid.uuid4()),
        "step": "confirm",
    }
    form = QuestionForm(data)
    assert form.is_valid(), form.errors
    return {**data, "checked": form.text_fingerprint()}


def _edit_url(page):
    return lambda w: reverse("wagtailadmin_pages:edit", args=[page(w).pk])


def _add_url(w):
    return reverse("wagtailadmin_pages:add", args=["kb", "entrypage", w.permits.pk])


def _page_form(w, url, **changes):
    """The page editor's form at `url` as the superuser's browser posts it, with `changes`."""
    client = Client()
    client.force_login(w.people["superuser"])
    html = client.get(url(w)).content.decode()
    return {**form_data(html, "page-edit-form"), **changes}


def _in_validation(w):
    return w.in_validation


def _entry(w):
    return w.entry


def _approve_url(w):
    return reverse(
        "wagtailadmin_pages:workflow_action", args=[w.in_validation.pk, "approve", w.task_state.pk]
    )


def _bulk_publish_url(page):
    def url(w):
        bulk = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
        return f"{bulk}?id={page(w).pk}"

    return url


PUBLISH = {"action-publish": "action-publish"}
# A rich text field as the admin's editor posts it.
DRAFTAIL_ANSWER = json.dumps(
    {
        "blocks": [
            {
                "key": "a1b2c",
                "type": "unstyled",
                "depth": 0,
                "text": "All'Agenzia delle Entrate, con il documento del genitore.",
                "inlineStyleRanges": [],
                "entityRanges": [],
            }
        ],
        "entityMap": {},
    }
)

TARGETS = {
    "page:home": Target(lambda w: w.home.url),
    "page:topic": Target(lambda w: w.permits.url, secret=SECRET_ANSWER),
    "page:entry": Target(lambda w: w.entry.url),
    "page:entry[restricted]": Target(lambda w: w.restricted.url, secret=SECRET_ANSWER),
    "page:entry[draft]": Target(lambda w: f"{w.permits.url}{w.draft.slug}/"),
    "page:entry[in-validation]": Target(lambda w: f"{w.permits.url}{w.in_validation.slug}/"),
    "page:guide": Target(lambda w: w.guide.url),
    "page:short-link": Target(lambda w: f"/v/{w.entry.pk}/"),
    "page:short-link[draft]": Target(lambda w: f"/v/{w.draft.pk}/"),
    "healthz": Target(_url("healthz")),
    "glossary": Target(_url("glossary")),
    "feed_rss": Target(_url("feed_rss"), secret=RESTRICTED_TITLE),
    "feed_atom": Target(_url("feed_atom"), secret=RESTRICTED_TITLE),
    "feed_topic_rss": Target(
        _url("feed_topic_rss", topic=lambda w: w.permits.topic.slug), secret=RESTRICTED_TITLE
    ),
    "feed_topic_atom": Target(
        _url("feed_topic_atom", topic=lambda w: w.permits.topic.slug), secret=RESTRICTED_TITLE
    ),
    "search": Target(lambda w: reverse("search") + "?q=prassi+rinnovi", secret=RESTRICTED_TITLE),
    "search_open": Target(
        _url("search_open", log_id=lambda w: w.log.pk, entry_id=lambda w: w.entry.pk)
    ),
    "search_open[restricted]": Target(
        _url("search_open", log_id=lambda w: w.log.pk, entry_id=lambda w: w.restricted.pk)
    ),
    "search_open[draft]": Target(
        _url("search_open", log_id=lambda w: w.log.pk, entry_id=lambda w: w.draft.pk)
    ),
    "api-search": Target(
        lambda w: reverse("api-search") + "?q=prassi+rinnovi", secret=RESTRICTED_TITLE
    ),
    "api-similar": Target(
        lambda w: reverse("api-similar") + "?text=prassi+interna+rinnovi+ritardo",
        secret=RESTRICTED_TITLE,
    ),
    "api-autocomplete": Target(
        lambda w: reverse("api-autocomplete") + "?q=prassi", secret=RESTRICTED_TITLE
    ),
    "entry_feedback": Target(
        _url("entry_feedback", pk=lambda w: w.entry.pk),
        data=lambda w: {"utile": "no", "commento": "Manca il costo del kit."},
    ),
    "entry_feedback[restricted]": Target(
        _url("entry_feedback", pk=lambda w: w.restricted.pk), data=lambda w: {"utile": "si"}
    ),
    "entry_feedback[draft]": Target(
        _url("entry_feedback", pk=lambda w: w.draft.pk), data=lambda w: {"utile": "si"}
    ),
    "questions:mine": Target(_url("questions:mine"), secret=VALIDATION_TITLE),
    "questions:ask": Target(_url("questions:ask"), data=_new_question),
    "questions:detail": Target(_url("questions:detail", pk=_routed), secret=INTERNAL_NOTE),
    "questions:reply": Target(
        _url("questions:reply", pk=_routed), data=lambda w: {"body": "Aggiungo un dettaglio."}
    ),
    "questions:reply[no-organisation]": Target(
        _url("questions:reply", pk=lambda w: w.from_feedback.pk),
        data=lambda w: {"body": "Aggiungo un dettaglio."},
    ),
    "questions:withdraw": Target(_url("questions:withdraw", pk=_routed)),
    "questions:follow": Target(_url("questions:follow", pk=_routed), data=lambda w: {"segui": "1"}),
    "accounts:my_data": Target(_url("accounts:my_data")),
    "accounts:download": Target(_url("accounts:download"), secret=VALIDATION_TITLE),
    "accounts:delete": Target(_url("accounts:delete"), data=lambda w: {"password": PASSWORD}),
    "admin/login/": Target(lambda w: "/admin/login/"),
    "django-admin/login/": Target(lambda w: "/django-admin/login/"),
    "wagtailadmin_home": Target(_url("wagtailadmin_home"), secret=VALIDATION_TITLE),
    "questions_admin:queue": Target(
        lambda w: reverse("questions_admin:queue") + "?coda=tutti", secret=VALIDATION_TITLE
    ),
    "questions_admin:triage": Target(
        _url("questions_admin:triage", pk=_routed), secret=INTERNAL_NOTE
    ),
    "questions_admin:act[nota]": Target(
        _url("questions_admin:act", pk=_routed, action=lambda w: "nota"),
        data=lambda w: {"text": "Sentito l'ufficio."},
    ),
    "questions_admin:act[instrada]": Target(
        _url("questions_admin:act", pk=_routed, action=lambda w: "instrada"),
        data=lambda w: {"authority": Authority.objects.get(slug="asl").pk},
    ),
    "questions_admin:act[respingi]": Target(
        _url("questions_admin:act", pk=lambda w: w.asked.pk, action=lambda w: "respingi"),
        data=lambda w: {"text": "Non riguarda l'immigrazione."},
    ),
    "questions_admin:act[sconosciuta]": Target(
        _url("questions_admin:act", pk=_routed, action=lambda w: "sconosciuta"),
        data=lambda w: {"text": "Sentito l'ufficio."},
    ),
    "questions_admin:operators": Target(_url("questions_admin:operators")),
    "questions_admin:approve": Target(_url("questions_admin:approve", pk=lambda w: w.pending.pk)),
    "validation_report": Target(_url("validation_report")),
    "validation_due": Target(_url("validation_due")),
    "search_query_report": Target(_url("search_query_report")),
    "kb_feedback_report": Target(_url("kb_feedback_report")),
    "kb_feedback_question": Target(_url("kb_feedback_question", pk=lambda w: w.feedback.pk)),
    "wagtailadmin_pages:edit": Target(
        _edit_url(_in_validation),
        data=lambda w: _page_form(
            w, _edit_url(_in_validation), title="Ricevuta di rinnovo: titolo rivisto"
        ),
        secret=APPROVE_LABEL,
    ),
    # Saving a draft is allowed; only the publication is guarded.
    "wagtailadmin_pages:edit[publish]": Target(
        _edit_url(_in_validation),
        data=lambda w: _page_form(w, _edit_url(_in_validation), **PUBLISH),
        state=_published,
    ),
    "wagtailadmin_pages:edit[publish-live]": Target(
        _edit_url(_entry),
        data=lambda w: _page_form(
            w, _edit_url(_entry), title="Rinnovo per attesa occupazione: rivisto", **PUBLISH
        ),
        state=_published,
    ),
    "wagtailadmin_pages:add[publish]": Target(
        _add_url,
        data=lambda w: _page_form(
            w,
            _add_url,
            title="Codice fiscale per i minori",
            slug="codice-fiscale-minori",
            question="Come si chiede il codice fiscale di un minore?",
            answer=DRAFTAIL_ANSWER,
            authority=Authority.objects.get(slug="agenzia-entrate").pk,
            **PUBLISH,
        ),
        state=_published,
    ),
    "wagtailadmin_pages:workflow_action": Target(
        _approve_url,
        data=lambda w: {"comment": "Conforme alla circolare.", "review_months": "12"},
    ),
    "wagtail_bulk_action[publish]": Target(_bulk_publish_url(_in_validation), state=_published),
    "wagtail_bulk_action[publish-subtree]": Target(
        _bulk_publish_url(lambda w: w.permits),
        data=lambda w: {"include_descendants": "on"},
        state=_published,
    ),
}


@dataclass(frozen=True)
class Row:
    key: str
    method: str
    codes: dict

    @property
    def url_key(self):
        return self.key.split("[")[0]

    @property
    def id(self):
        return f"{self.key}-{self.method}"


def _rows():
    header, *lines = MATRIX.strip().splitlines()
    assert header.split()[2:] == list(ROLES), header
    rows = []
    for line in lines:
        key, method, *codes = line.split()
        assert len(codes) == len(ROLES), line
        rows.append(Row(key, method, dict(zip(ROLES.values(), codes, strict=True))))
    return rows


ROWS = _rows()
URL_KEYS = list(dict.fromkeys(row.url_key for row in ROWS))


@pytest.fixture
def world(
    home, taxonomy, roles, operator, stranger, pending, coordinator, questura_expert, asl_expert,
    renewal_entry,
):  # fmt: skip
    """Every object a row points at, and one person per role."""
    permits = renewal_entry.get_parent().specific
    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    restricted = EntryPageFactory(
        parent=permits,
        title=RESTRICTED_TITLE,
        question="Come si comporta l'ufficio con i rinnovi chiesti in ritardo?",
        answer=f"<p>Il rinnovo tardivo {SECRET_ANSWER}.</p>",
        visibility=EntryPage.Visibility.OPERATORS,
    )
    draft = EntryPageFactory(parent=permits, title="Bozza sul ricongiungimento", live=False)
    guide = GuidePage(
        title="Guida al rinnovo del permesso",
        slug="guida-rinnovo",
        introduction="<p>Tutti i passi del rinnovo.</p>",
        sections=[
            ("section", {"heading": "Le voci", "body": [("entries", [renewal_entry, restricted])]})
        ],
    )
    home.add_child(instance=guide)
    guide.save_revision().publish()

    routed = services.route(
        QuestionFactory(asker=operator, title=VALIDATION_TITLE),
        coordinator,
        Authority.objects.get(slug="questura"),
    )
    task_state = write_and_submit(routed, questura_expert)
    services.add_internal_note(routed, coordinator, f"<p>{INTERNAL_NOTE}.</p>")
    commented = Feedback.objects.create(
        entry=renewal_entry, helpful=False, comment="Non dice dove si compra il kit."
    )
    return SimpleNamespace(
        home=home,
        permits=permits,
        entry=renewal_entry,
        restricted=restricted,
        draft=draft,
        guide=guide,
        routed=routed,
        in_validation=routed.entry.specific,
        task_state=task_state,
        asked=QuestionFactory(asker=operator, title="Iscrizione al servizio sanitario"),
        # Asked by an editor from a reader's comment: a question of no organisation.
        from_feedback=feedback.to_question(commented, editor),
        feedback=Feedback.objects.create(
            entry=renewal_entry, helpful=False, comment="Manca il costo del kit postale."
        ),
        log=QueryLog.objects.create(
            query="rinnovo", result_count=1, engine="database", milliseconds=3
        ),
        pending=pending,
        people={
            "anonymous": None,
            "operator": operator,
            "stranger": stranger,
            "pending": pending,
            "coordinator": coordinator,
            "questura_expert": questura_expert,
            "asl_expert": asl_expert,
            "editor": editor,
            "superuser": UserFactory(email="amministrazione@example.org", is_superuser=True),
        },
    )


def test_every_project_url_is_in_the_matrix():
    covered = set(URL_KEYS)
    missing = [key for key in project_urls() if key not in covered]
    assert not missing, "\n".join(f"URL non coperta dalla matrice: {key}" for key in missing)


def test_every_row_has_a_target_and_every_target_a_row():
    assert {row.key for row in ROWS} == set(TARGETS)
    assert len({row.id for row in ROWS}) == len(ROWS), "righe ripetute"


@pytest.mark.parametrize("url_key", URL_KEYS)
def test_authorization(url_key, world, subtests):
    """Each row of the URL, for each role: the code of the table. The world is built once
    per URL; each role's request is rolled back before the next one's."""
    for row in (row for row in ROWS if row.url_key == url_key):
        target = TARGETS[row.key]
        path = target.path(world)
        data = target.data(world) if row.method == "POST" else None
        before = database_state()
        before_state = target.state(world) if target.state else before
        for role, expected in row.codes.items():
            with subtests.test(msg=f"{row.id}-{role}"), transaction.atomic():
                clear_caches()
                client = Client()
                if world.people[role] is not None:
                    client.force_login(world.people[role])
                if row.method == "GET":
                    assert _observed(client.get(path), target.secret) == expected
                else:
                    response = client.post(path, data)
                    _check_write(response, expected, before, before_state, target, world)
                transaction.set_rollback(True)


def _observed(response, secret):
    code = response_code(response)
    if code == "200" and secret is not None:
        code += "+" if secret in response.content.decode() else "-"
    return code


def _check_write(response, expected, before, before_state, target, world):
    code = response_code(response)
    after = database_state()
    changed = changed_tables(before, after)
    if expected == "ok":
        after_state = target.state(world) if target.state else after
        assert code == "302" and after_state != before_state, (code, changed)
        return
    if expected == "no":
        assert code in ("200", "302")
    else:
        assert code == expected
    assert changed == [], f"una scrittura rifiutata ha cambiato {changed}"
