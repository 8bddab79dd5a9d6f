"""Validation journeys in the Wagtail admin: the coordinator routes a question, the
competent authority's expert answers and approves it; an expert of another authority
can neither see nor approve it."""

import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect
from wagtail.models import TaskState

from kb.models import EntryPage
from kb.templatetags.kb_tags import long_date
from questions.models import Question
from tests.validation.test_workflow import routed_question, submitted_question, write_and_submit
from validation.models import Authority, ValidationStamp

from .browse import DEMO, admin_log_out, demo_user, expect_message, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Ricevuta di rinnovo e iscrizione al Centro per l'impiego"  # submitted_question's
QUESTURA = "Questura - Ufficio immigrazione"
ANSWER = "Sì: con la ricevuta di rinnovo ci si iscrive al Centro per l'impiego."
LAW = "D.Lgs. 286/1998, art. 5"
LAW_URL = (
    "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:decreto.legislativo:1998-07-25;286~art5"
)


def open_queue(page: Page):
    page.goto("/admin/")
    page.get_by_role("navigation", name="Menu principale").get_by_role(
        "link", name="Quesiti"
    ).click()
    expect(page.get_by_role("heading", name="Quesiti", level=1)).to_be_visible()


def test_coordinator_routes_and_the_expert_answers_and_approves(page, province, new_context):
    """Precondition: the demo operator has submitted a question about a permit renewal,
    which the routing rules send to the Questura."""
    question = submitted_question(demo_user("operator"))

    # The coordinator routes it to the authority the rules propose.
    log_in(page, DEMO["coordinator"])
    open_queue(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(
        page.get_by_text(f"Proposto dalla regola: Permesso di soggiorno → {QUESTURA}")
    ).to_be_visible()
    authority = page.get_by_label("Ente competente")
    expect(authority).to_have_value(str(Authority.objects.get(slug="questura").pk))
    screenshot(page, "admin-triage")
    page.get_by_role("button", name="Instrada e crea la bozza").click()
    expect_message(page, "Fatto.")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Assegnato all'ente competente · Permesso di soggiorno")
    expect(main).to_contain_text(f"Ente: {QUESTURA}")
    expect(page.get_by_role("link", name="Bozza della voce")).to_be_visible()
    admin_log_out(page, DEMO["coordinator"])

    # The Questura's expert finds the draft on the dashboard, among the answers to write.
    log_in(page, DEMO["questura"])
    page.goto("/admin/")
    to_write = page.get_by_role("region", name="Risposte da scrivere per il tuo ente")
    expect(to_write.get_by_role("row", name=re.compile(QUESTURA))).to_contain_text(TITLE)
    to_write.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Modifica Voce: {TITLE}")).to_be_visible()

    # Writes the answer and its legal basis, saves, submits it to the validation.
    answer = page.get_by_role("region", name="Risposta*").get_by_role("textbox")
    answer.click()
    answer.press_sequentially(ANSWER)
    expect(answer).to_have_text(ANSWER)
    # Draftail copies the text into the form's hidden field a moment after typing.
    expect(page.locator("input[name=answer]")).to_have_value(re.compile("Centro per l'impiego"))
    references = page.get_by_role("region", name="Riferimenti normativi")
    references.get_by_role("button", name="Aggiungi riferimento").click()
    reference = references.get_by_role("region", name="Riferimento 1")
    reference.get_by_role("textbox", name="Riferimento").fill(LAW)
    reference.get_by_role("textbox", name="Link").fill(LAW_URL)
    page.get_by_role("button", name="Salva bozza").click()
    expect_message(page, "è stata aggiornata")
    expect(page.get_by_role("region", name="Risposta*")).to_contain_text(ANSWER)
    page.get_by_role("button", name="Altre azioni").click()
    page.get_by_role("button", name="Invia a Validazione").click()
    expect_message(page, "inviata")

    # Then finds it on the dashboard, waiting for the Questura's validation, and approves.
    page.get_by_role("link", name="Dashboard").click()
    panel = page.get_by_role("region", name="Da validare per il tuo ente")
    expect(panel.get_by_role("row", name=re.compile(QUESTURA))).to_contain_text(TITLE)
    panel.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Modifica Voce: {TITLE}")).to_be_visible()
    screenshot(page, "admin-entry-editor")
    page.get_by_role("button", name="Altre azioni").click()
    page.get_by_role("button", name="Valida e pubblica").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Valida e pubblica")).to_be_visible()
    dialog.get_by_label("Nota di validazione").fill("Conforme alla circolare del Ministero.")
    dialog.get_by_label("Da rivedere tra (mesi)").fill("6")
    dialog.get_by_role("button", name="Valida e pubblica").click()
    expect(dialog).to_be_hidden()
    # Wagtail's own confirmation, then the topic's pages, where the entry is now live.
    expect_message(page, f"Pagina '{TITLE}' è stata aggiornata.")
    expect(page.get_by_role("heading", name="Esplorazione: Permesso di soggiorno")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE, exact=True))
    expect(row).to_contain_text("live", ignore_case=True)
    admin_log_out(page, DEMO["questura"])

    # Anyone can now read the answer, its legal basis and who validated it, and when.
    visitor = new_context().new_page()
    visitor.goto("/")
    visitor.get_by_role("searchbox", name="Cerca nella base di conoscenza").fill(
        "ricevuta rinnovo Centro per l'impiego"
    )
    visitor.get_by_role("searchbox", name="Cerca nella base di conoscenza").press("Enter")
    visitor.get_by_role("link", name=TITLE, exact=True).click()
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    answer = visitor.get_by_role("region", name="Risposta", exact=True)
    # The glossary explains "ricevuta di rinnovo" (once: not "rinnovo" again inside it).
    expect(answer).to_contain_text("Sì: con la ricevuta di rinnovo")
    expect(answer).to_contain_text("ci si iscrive al Centro per l'impiego.")
    expect(answer.get_by_role("tooltip")).to_have_count(1)
    expect(answer.get_by_role("tooltip")).to_contain_text(
        "Ricevuta rilasciata dall'ufficio postale"
    )
    expect(visitor.get_by_role("link", name=LAW)).to_have_attribute("href", LAW_URL)
    with translation.override("it"):
        today = long_date(timezone.localdate())
    expect(visitor.locator("article")).to_contain_text(
        f"Risposta validata da {QUESTURA} (Questura di Montalba - Ufficio immigrazione) il {today}"
    )

    entry = EntryPage.objects.get(pk=Question.objects.get(pk=question.pk).entry_id)
    assert entry.live and entry.answer and ANSWER in entry.answer
    stamp = ValidationStamp.objects.get(entry=entry)
    assert stamp.authority.slug == "questura" and stamp.review_months == 6
    assert stamp.office == "Questura di Montalba - Ufficio immigrazione"
    assert Question.objects.get(pk=question.pk).status == Question.Status.ANSWERED


def test_expert_of_another_authority_cannot_see_or_approve_the_task(page, province):
    """Precondition: the renewal question is routed to the Questura and its draft answer
    submitted to the validation, so a Questura task is in progress."""
    question = routed_question(demo_user("operator"), demo_user("coordinator"))
    state = write_and_submit(question, demo_user("questura"))
    entry_pk = question.entry_id

    log_in(page, DEMO["asl"])
    page.goto("/admin/")
    panel = page.get_by_role("region", name="Da validare per il tuo ente")
    expect(panel).to_contain_text("Nessuna voce in attesa.")
    to_write = page.get_by_role("region", name="Risposte da scrivere per il tuo ente")
    expect(to_write).to_contain_text("Nessuna risposta da scrivere.")
    expect(page.get_by_role("main")).not_to_contain_text(TITLE)
    screenshot(page, "admin-dashboard-other-authority")

    open_queue(page)
    for tab in ("Instradati", "Tutti"):
        page.get_by_role("link", name=tab).click()
        expect(page.get_by_role("table", name="Quesiti")).to_contain_text(
            "Nessun quesito in questa coda."
        )

    # A link to the draft opens it locked, with no validation action.
    page.goto(f"/admin/pages/{entry_pk}/edit/")
    expect(page.get_by_role("heading", name=f"Modifica Voce: {TITLE}")).to_be_visible()
    expect_message(page, "Solo i revisori di questa attività possono modificare")
    footer = page.get_by_role("navigation", name="Actions (footer)")
    expect(footer).to_contain_text("Pagina bloccata")
    expect(page.get_by_role("button", name="Valida e pubblica")).to_have_count(0)

    # The approval's own address, pasted in the browser, is refused.
    page.goto(f"/admin/pages/workflow/action/{entry_pk}/approve/{state.pk}/")
    expect_message(page, "Spiacente, non hai i permessi per accedere a questa area.")
    # So is the approval form's submission replayed with the session's CSRF token.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/admin/pages/workflow/action/{entry_pk}/approve/{state.pk}/",
        form={"csrfmiddlewaretoken": csrf, "comment": "", "review_months": "12"},
        max_redirects=0,
    )
    # Wagtail answers a refused action with a redirect to the dashboard and its message.
    assert (response.status, response.headers["location"]) == (302, "/admin/")
    admin_log_out(page, DEMO["asl"])

    state.refresh_from_db()
    assert state.status == TaskState.STATUS_IN_PROGRESS
    assert not EntryPage.objects.get(pk=entry_pk).live
    assert not ValidationStamp.objects.filter(entry_id=entry_pk).exists()

    # The Questura's expert, on the other hand, finds it waiting on the dashboard.
    log_in(page, DEMO["questura"])
    page.goto("/admin/")
    panel = page.get_by_role("region", name="Da validare per il tuo ente")
    expect(panel.get_by_role("link", name=TITLE)).to_be_visible()
