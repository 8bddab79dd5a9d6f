"""Operators' journeys: signing up and asking a first question; getting the answer."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kb.models import EntryPage
from questions.models import Question
from tests.accounts.test_accounts import SIGNUP
from tests.validation.test_workflow import act, routed_question, write_and_submit

from .browse import DEMO, demo_user, link_in_last_email, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORGANISATION = "Cooperativa sociale Il Ponte (CAS di Borgo San Vito)"
# The demo entry that answers the question asked in journey 1.
RENEWAL_ENTRY = "Rinnovo del permesso di soggiorno per lavoro subordinato: quando e come si chiede"
CODICE_FISCALE = "RSSMRA85T10A562S"
# Without glossary terms, which the entry page wraps in tooltips.
ANSWER = "Sì: può iscriversi subito, senza aspettare il nuovo documento."


def test_operator_signs_up_is_approved_and_asks_a_question(page, province, new_context):
    email, password = SIGNUP["email"], SIGNUP["password1"]
    title = "Rinnovo del permesso per lavoro subordinato in scadenza"

    # Sign up, joining an organisation already in the list.
    page.goto("/")
    page.get_by_role("link", name="Accedi").click()
    page.get_by_role("link", name="Registrati").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Nome:", exact=True).fill(SIGNUP["first_name"])
    page.get_by_label("Cognome:", exact=True).fill(SIGNUP["last_name"])
    page.get_by_label("Organizzazione:", exact=True).select_option(label=ORGANISATION)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_label("Password (nuovamente)").fill(SIGNUP["password2"])
    page.get_by_role("button", name="Registrazione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica il tuo indirizzo email")

    # Confirm the address with the link of the e-mail.
    page.goto(link_in_last_email(email, r"https?://\S+/account/confirm-email/\S+/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Conferma l'indirizzo email")
    page.get_by_role("button", name="Conferma").click()
    expect(page.get_by_text("Hai appena confermato l’indirizzo email")).to_be_visible()

    # Logged in, the operator cannot ask yet: the coordinator has to approve the account.
    log_in(page, email, password)
    page.get_by_role("banner").get_by_role("link", name="Fai una domanda").click()
    expect(page.get_by_text("Il tuo account è in attesa di abilitazione")).to_be_visible()
    expect(page.get_by_role("button", name="Continua")).to_have_count(0)

    # The coordinator, in a browser of their own, approves the new operator.
    admin = new_context().new_page()
    admin.set_default_timeout(15_000)
    log_in(admin, DEMO["coordinator"])
    admin.goto("/admin/")
    admin.get_by_role("link", name="Operatori da abilitare").click()
    row = admin.get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text("Giulia Bianchi")
    expect(row).to_contain_text(ORGANISATION)
    row.get_by_role("button", name="Abilita").click()
    expect(admin.get_by_text("è stato abilitato")).to_be_visible()
    expect(admin.get_by_text("Nessun operatore in attesa.")).to_be_visible()
    admin.context.close()

    # The approval e-mail leads to the form.
    approved = [m for m in mail.outbox if email in m.to][-1]
    assert "Account abilitato" in approved.subject
    page.goto(link_in_last_email(email, r"https?://\S+/quesiti/nuovo/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fai una domanda")
    page.get_by_label("Titolo").fill(title)
    page.get_by_label("Domanda").fill(
        "Un lavoratore con contratto a tempo indeterminato ha il permesso di soggiorno per "
        f"lavoro subordinato che scade tra un mese. Codice fiscale {CODICE_FISCALE}.\n\n"
        "Quando deve presentare la domanda di rinnovo e quali documenti servono?"
    )
    page.get_by_label("Tema").select_option(label="Permesso di soggiorno")
    page.get_by_label("Comune").fill("Borgo San Vito")
    page.get_by_role("button", name="Continua").click()

    # The check step: an entry that may already answer, and the codice fiscale to remove,
    # both in the list of findings and highlighted in the text.
    already = page.get_by_role("region", name="Forse la risposta c'è già")
    expect(already.get_by_role("link", name=RENEWAL_ENTRY)).to_be_visible()
    warning = page.get_by_role("alert").filter(has_text="dati personali")
    expect(warning.get_by_role("heading")).to_have_text("Il testo sembra contenere dati personali")
    expect(warning.locator("mark")).to_have_text([CODICE_FISCALE, CODICE_FISCALE])
    screenshot(page, "ask-check")

    body = page.get_by_label("Domanda")
    body.fill(body.input_value().replace(f" Codice fiscale {CODICE_FISCALE}.", ""))
    page.get_by_role("button", name="Ricontrolla il testo modificato").click()
    expect(page.get_by_role("link", name=RENEWAL_ENTRY)).to_be_visible()
    expect(page.get_by_label("Domanda")).not_to_contain_text(CODICE_FISCALE)
    expect(page.get_by_text("Il testo sembra contenere dati personali")).to_have_count(0)
    page.get_by_role("button", name="Invia il quesito").click()

    expect(page.get_by_text("Quesito inviato. Ti scriveremo a ogni passaggio.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Da esaminare", exact=True)).to_be_visible()

    question = Question.objects.get(asker__email=email)
    assert question.title == title
    assert question.organisation.name == ORGANISATION
    assert not question.has_personal_data
    assert CODICE_FISCALE not in question.body


def answered_question(client):
    """The precondition of journey 3: the demo operator's question, submitted, routed to the
    Questura by the demo coordinator, answered by the demo Questura expert and approved
    through Wagtail's real workflow action view, as the expert's button does (the database
    is transactional here, so the status e-mail really goes out on commit)."""
    operator = demo_user("operator")
    coordinator = demo_user("coordinator")
    expert = demo_user("questura")
    question = routed_question(operator, coordinator)
    state = write_and_submit(question, expert, answer=f"<p>{ANSWER}</p>")
    approval = act(client, expert, question.entry, state, "approve", review_months=12)
    assert approval.status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    return question


def test_operator_gets_the_answer_by_email_and_sees_the_timeline(page, province, client):
    question = answered_question(client)
    entry = EntryPage.objects.get(pk=question.entry_id)
    email = DEMO["operator"]

    # The e-mail says the question is answered; its link asks to log in, then shows it.
    [answered] = [m for m in mail.outbox if email in m.to and "Risposto" in m.body]
    assert question.title in answered.body
    page.goto(link_in_last_email(email, rf"https?://\S+/quesiti/{question.pk}/"))
    expect(page).to_have_url(re.compile(r"/account/login/"))
    log_in(page, email, go=False)

    expect(page).to_have_url(re.compile(rf"/quesiti/{question.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(question.title)
    expect(page.get_by_text("Risposto", exact=True)).to_be_visible()
    steps = page.get_by_role("region", name="Cronologia").get_by_role("listitem")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("Quesito inviato")
    expect(steps.nth(1)).to_contain_text("Assegnato all'ente competente: Questura")
    expect(steps.nth(2)).to_contain_text("In validazione")
    expect(steps.nth(3)).to_contain_text(f"Risposto: {entry.title}")
    screenshot(page, "question-timeline")

    # "I miei quesiti" lists it as answered.
    page.get_by_role("banner").get_by_role("link", name="I miei quesiti").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I miei quesiti")
    row = page.get_by_role("row").filter(has_text=question.title)
    expect(row).to_contain_text("Risposto")
    screenshot(page, "my-questions")

    # Back to the question, then to the published answer.
    row.get_by_role("link", name=question.title).click()
    published = page.get_by_role("status").filter(has_text="La risposta validata è pubblicata")
    published.get_by_role("link", name=entry.title).click()
    expect(page).to_have_url(re.compile(re.escape(entry.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(entry.title)
    expect(page.get_by_text("Risposta validata da")).to_contain_text("Questura")
    expect(page.get_by_role("region", name="Risposta", exact=True)).to_contain_text(ANSWER)
