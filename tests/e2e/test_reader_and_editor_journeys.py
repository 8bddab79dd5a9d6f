"""Journeys 4 and 5: a reader finds a newly validated entry despite typos and leaves feedback;
an editor builds a guide of entries and publishes it."""

import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import expect

from kb.models import EntryPage, Feedback, GuidePage, HomePage, Topic
from kb.templatetags.kb_tags import long_date
from questions import services
from search.models import PendingIndexUpdate, QueryLog
from tests.validation.test_workflow import act, write_and_submit
from validation.models import Authority

from .browse import DEMO, demo_user, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_TITLE = "Iscrizione anagrafica dopo il trasloco in un'altra città: è possibile senza contratto?"
NEW_QUESTION = (
    "<p>Un ospite del CAS si trasferisce in un'altra città presso un amico: è possibile "
    "chiedere l'iscrizione anagrafica senza un contratto d'affitto?</p>"
)
NEW_ANSWER = (
    "<p>Sì: l'iscrizione anagrafica richiede la dimora abituale, accertata dalla polizia "
    "locale, non un contratto. Nella nuova città si presenta la dichiarazione di residenza "
    "con l'assenso di chi ospita.</p>"
)
# A typo ("iscrizone") and no accent ("citta" for "città"), as readers type.
TYPED_QUERY = "iscrizone anagrafica citta"
GUIDE_TITLE = "Cambio di residenza: la guida per gli operatori dei CAS"
GUIDE_INTRO = "Le risposte validate del Comune per chi cambia casa o città."
SECTION_HEADING = "Prima di cambiare casa"
GUIDE_ENTRIES = [
    "Rinnovo della dichiarazione di dimora abituale dopo il rinnovo del permesso",
    "Residenza per le persone senza dimora: via fittizia e domicilio",
]
COMMENT = "Chiara e utile, ma servirebbe il modulo dell'assenso del proprietario."


@pytest.fixture
def engine(request):
    """The search engine of the journey. Listed before `province` so that Elasticsearch,
    when chosen, is in place before the demo entries are published (and indexed)."""
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch")
    return request.param


def publish_new_entry():
    """The real validation flow with the project's services: the demo operator asks, the
    coordinator routes to the Comune's registry office, its expert writes the answer and
    approves it through Wagtail's workflow action view (indexing runs on commit)."""
    expert = demo_user("anagrafe")
    question = services.submit_question(
        demo_user("operator"),
        title=NEW_TITLE,
        body=NEW_QUESTION,
        topic=Topic.objects.get(slug="iscrizione-anagrafica"),
        tags=["residenza"],
        municipality="Borgo San Vito",
        token=uuid.uuid4(),
        personal_data=[],
    )
    question = services.route(
        question, demo_user("coordinator"), Authority.objects.get(slug="comune-anagrafe")
    )
    state = write_and_submit(question, expert, answer=NEW_ANSWER)
    response = act(Client(), expert, question.entry, state, "approve", review_months=12)
    assert response.status_code == 302
    entry = EntryPage.objects.get(pk=question.entry_id)
    assert entry.live
    # With Elasticsearch, the outbox was drained (and the index refreshed) on commit.
    assert not PendingIndexUpdate.objects.exists()
    return entry


@pytest.mark.parametrize("engine", ["database", "elasticsearch"], indirect=True)
def test_reader_finds_the_new_entry_despite_typos_and_leaves_feedback(engine, province, page):
    """Precondition: a new entry on registry enrolment "in città", published today through
    the validation workflow. An anonymous reader searches for it with a typo and without
    accents, narrows the results to its authority, reads it and says it was useful."""
    entry = publish_new_entry()

    page.goto("/")
    page.get_by_label("Cerca una risposta").fill(TYPED_QUERY)
    page.get_by_role("main").get_by_role("button", name="Cerca").click()

    main = page.get_by_role("main")
    count = main.get_by_role("status").filter(has_text=re.compile(r"^\d+ risultat"))
    expect(count).to_be_visible()
    if engine == "elasticsearch":
        expect(main.get_by_text("meno precisi del solito")).to_have_count(0)
    # The typo is recognised, and the new entry is on the first page (how high depends on
    # the engine's ranking: first on SQLite and Elasticsearch, second on PostgreSQL).
    expect(main.get_by_text("Forse cercavi «iscrizione anagrafica citta»?")).to_be_visible()
    # The results: list items with a heading (the filters' items have none).
    results = main.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3))
    new_entry = results.filter(has=page.get_by_role("heading", name=NEW_TITLE))
    expect(new_entry).to_have_count(1)
    # Answers of other authorities are among them (e.g. the Prefettura's on citizenship).
    comune_stamp = "Validata da Comune - Ufficio anagrafe"
    of_others = results.filter(has_not_text=comune_stamp)
    expect(of_others.first).to_be_visible()
    other_title = of_others.first.get_by_role("heading").inner_text()
    total = int(count.inner_text().split()[0])
    if engine == "database":
        screenshot(page, "search-results")

    # Only the answers of the entry's authority.
    facets = page.get_by_role("complementary", name="Filtra i risultati")
    comune = facets.get_by_role("link", name=re.compile(r"^Comune - Ufficio anagrafe\b"))
    in_comune = int(re.search(r"\((\d+)\)", comune.inner_text()).group(1))
    assert in_comune < total
    comune.click()
    expect(count).to_have_text(f"{in_comune} risultati")
    chosen = "Ente competente: Comune - Ufficio anagrafe (togli il filtro)"
    expect(main.get_by_role("link", name=chosen)).to_be_visible()
    expect(new_entry).to_have_count(1)
    expect(results.filter(has_text=other_title)).to_have_count(0)
    expect(of_others).to_have_count(0)

    new_entry.get_by_role("link", name=NEW_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    with translation.override("it"):
        today = long_date(timezone.localdate())
    expect(
        page.get_by_text(
            "Risposta validata da Comune - Ufficio anagrafe "
            f"(Comune di Montalba - Servizi demografici) il {today}"
        )
    ).to_be_visible()

    feedback = page.get_by_role("region", name="Questa risposta ti è stata utile?")
    # Bootstrap Italia draws the radio button on its label: that is what one clicks.
    feedback.get_by_text("Sì", exact=True).click()
    expect(feedback.get_by_role("radio", name="Sì")).to_be_checked()
    feedback.get_by_label("Commento (facoltativo, senza dati personali)").fill(COMMENT)
    feedback.get_by_role("button", name="Invia").click()
    expect(page.get_by_role("status").filter(has_text="Grazie del riscontro!")).to_be_visible()
    if engine == "database":
        screenshot(page, "entry-feedback")

    left = Feedback.objects.get(entry=entry)
    assert left.helpful and left.comment == COMMENT
    searched = QueryLog.objects.get(query=TYPED_QUERY, filters={})
    assert searched.engine == engine and searched.result_count == total
    narrowed = QueryLog.objects.get(query=TYPED_QUERY, filters={"authority": "comune-anagrafe"})
    assert narrowed.engine == engine and narrowed.opened


def test_editor_builds_and_publishes_a_guide(province, page, new_context):
    """The demo editor creates a featured guide under the home page in the Wagtail admin,
    with one section listing two demo entries picked with the page chooser, and publishes
    it; an anonymous reader finds it on the home page and follows its entries."""
    log_in(page, DEMO["editor"])
    page.goto("/admin/")
    page.get_by_role("button", name="Pagine").click()
    page.get_by_role("dialog", name="Esplora pagine").get_by_role("link", name="Quesiti").click()
    page.get_by_role("link", name="Aggiungi pagina figlio").click()
    page.get_by_role("link", name="Guida", exact=True).click()

    # Typed at a person's pace: Wagtail notes the form's initial state 2 s after loading,
    # and the first later edit slides an "unsaved changes" notice into the footer. Once
    # it is there, it cannot slide in under a click on the blocks below.
    page.get_by_role("textbox", name="Titolo*").press_sequentially(GUIDE_TITLE, delay=60)
    expect(page.get_by_text("Hai modifiche non salvate")).to_be_visible()
    page.get_by_role("checkbox", name="In evidenza nella pagina iniziale").check()
    page.get_by_role("region", name="Introduzione*").get_by_role("textbox").click()
    page.keyboard.type(GUIDE_INTRO)
    sections = page.get_by_role("region", name="Sezioni*")
    sections.get_by_role("button", name="Inserisci un blocco").click()
    section = sections.get_by_role("region", name="Sezione")
    section.get_by_role("textbox", name="titolo della sezione*").fill(SECTION_HEADING)
    section.get_by_role("button", name="Inserisci un blocco").click()
    page.get_by_role("option", name="voci scelte").click()
    chosen = section.get_by_role("region", name="voci scelte")
    choose_entry(page, chosen, "dimora abituale", GUIDE_ENTRIES[0])
    chosen.get_by_role("button", name="Aggiungi").last.click()
    choose_entry(page, chosen, "senza dimora", GUIDE_ENTRIES[1])
    page.get_by_role("button", name="Altre azioni").click()
    page.get_by_role("button", name="Pubblica").click()

    published = page.get_by_role("status").filter(
        has_text=f"Pagina '{GUIDE_TITLE}' creata e pubblicata."
    )
    expect(published).to_be_visible()
    live_url = published.get_by_role("link", name="Guarda live").get_attribute("href")

    # A reader, not logged in, finds the guide among the home page's featured guides.
    reader = new_context().new_page()
    reader.set_default_timeout(15_000)
    reader.goto("/")
    reader.get_by_role("region", name="Guide in evidenza").get_by_role(
        "link", name=GUIDE_TITLE
    ).click()
    expect(reader).to_have_url(re.compile(re.escape(live_url) + "$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text(GUIDE_TITLE)
    expect(reader.get_by_text(GUIDE_INTRO)).to_be_visible()
    in_section = reader.get_by_role("region", name=SECTION_HEADING)
    for title in GUIDE_ENTRIES:
        expect(in_section.get_by_role("link", name=title)).to_be_visible()
    screenshot(reader, "guide-built")
    for title in GUIDE_ENTRIES:
        in_section.get_by_role("link", name=title).click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(title)
        reader.go_back()

    guide = GuidePage.objects.get(title=GUIDE_TITLE)
    assert guide.live and guide.featured and guide.get_parent().specific_class is HomePage
    titles = {pk: title for pk, title in EntryPage.objects.values_list("pk", "title")}
    assert [titles[pk] for pk in guide.entry_ids()] == GUIDE_ENTRIES


def choose_entry(page, chosen, words, title):
    """Wagtail's page chooser, as an editor uses it: open it, type, pick the title."""
    chosen.get_by_role("button", name="Scegli una pagina (Voce)").last.click()
    chooser = page.get_by_role("dialog").filter(has=page.get_by_role("heading", name="Scegli Voce"))
    chooser.get_by_role("textbox", name="Cerca termine").fill(words)
    chooser.get_by_role("link", name=title).click()
    expect(chooser).to_be_hidden()
    expect(chosen.get_by_text(title, exact=True)).to_be_visible()
