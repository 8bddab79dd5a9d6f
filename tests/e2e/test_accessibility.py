"""axe-core on the public pages in both languages, keyboard-only use of the ask form and of
the search page, and the pictures of the main pages at a desktop and a phone width."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from kb.models import EntryPage, GuidePage
from questions.models import Question

from .browse import DEMO, demo_user, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BLOCKING = {"serious", "critical"}


def blocking_violations(page):
    """axe-core's serious and critical findings on the page, one readable line each."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def asked(province):
    """The demo operator has asked one question, for "I miei quesiti"."""
    from tests.validation.test_workflow import routed_question

    operator = demo_user("operator")
    coordinator = demo_user("coordinator")
    return routed_question(operator, coordinator)


def public_pages():
    entry = EntryPage.objects.live().get(external_id="demo-001")
    return {
        "home": "/",
        "topic": entry.get_parent().url,
        "entry": entry.url,
        "guide": GuidePage.objects.live().get().url,
        "search": "/cerca/?q=rinnovo+permesso",
    }


def audit(page, width):
    """At this window width: axe's blocking findings, and whether the page is wider than the
    window (a phone would scroll sideways)."""
    page.set_viewport_size({"width": width, "height": 900})
    found = blocking_violations(page)
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    if page_width > width:
        found.append(f"the page is {page_width} px wide")
    return [f"{width} px: {line}" for line in found]


@pytest.mark.parametrize("language", ["it", "en"])
def test_no_serious_or_critical_violations(page, asked, language, subtests):
    """Each page at a desktop and at a phone width, anonymous and as the demo operator; the
    Italian pages are photographed for docs/ and the README."""
    prefix = "" if language == "it" else "/en"
    anonymous = {"signup": "/account/signup/", "login": "/account/login/", **public_pages()}
    for name, path in anonymous.items():
        with subtests.test(page=name, user="anonymous"):
            page.goto(prefix + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert audit(page, 1280) + audit(page, 375) == []
            if language == "it":
                screenshot(page, name)

    log_in(page, DEMO["operator"])
    signed_in = {**public_pages(), "ask": "/quesiti/nuovo/", "my-questions": "/quesiti/"}
    for name, path in signed_in.items():
        with subtests.test(page=name, user="operator"):
            page.goto(prefix + path)
            assert audit(page, 1280) + audit(page, 375) == []
            if language == "it" and name in ("ask", "my-questions"):
                screenshot(page, name)
    with subtests.test(page="ask, check step", user="operator"):
        page.goto(prefix + "/quesiti/nuovo/")
        page.locator("#id_title").fill("Rinnovo del permesso")
        page.locator("#id_body").fill("Il codice fiscale RSSMRA85T10A562S: come si rinnova?")
        page.locator("#id_topic").select_option(label="Permesso di soggiorno")
        page.locator("form button[value=check]").click()
        expect(page.locator("#dati")).to_be_visible()
        assert audit(page, 1280) + audit(page, 375) == []


FOCUSED_NAME = """() => {
  const el = document.activeElement;
  const name = el.labels && el.labels.length ? el.labels[0].textContent
               : el.getAttribute("aria-label") || el.textContent || "";
  return name.replace(/\\s+/g, " ").replace(/ \\*$/, "").trim();
}"""


def tab(page, times=1):
    """Press Tab; the accessible name of what has the focus then."""
    for _ in range(times):
        page.keyboard.press("Tab")
    return page.evaluate(FOCUSED_NAME)


def focus_is_visible(page):
    """Whether the focused element looks different with the focus: the pixels of its parent
    (which holds a ring drawn around it) focused and blurred, transitions finished, the
    text caret hidden. A skip link shows only while focused: that is visible focus too."""
    element = page.evaluate_handle("document.activeElement").as_element()
    around = element.evaluate_handle("el => el.parentElement").as_element()
    focused = around.screenshot(animations="disabled")
    element.evaluate("el => el.blur()")
    shows = not around.is_visible() or around.screenshot(animations="disabled") != focused
    element.evaluate("el => el.focus()")
    return shows


def assert_focus_on(page, target, times=1):
    """Tab `times`; the focus is then on `target` (a name, or a locator), and it shows."""
    focused = tab(page, times)
    if isinstance(target, str):
        assert focused.startswith(target), f"the focus is on «{focused}», not on «{target}»"
    else:
        assert target.evaluate("el => el === document.activeElement"), (
            f"the focus is on «{focused}»"
        )
    assert focus_is_visible(page), f"«{focused}» has the focus, but it does not show"


def result_count(status):
    return int(re.match(r"\d+", status.inner_text()).group())


def live_suggestions(page):
    """The links of the "Forse la risposta c'è già" box that fills while the operator types."""
    box = page.locator("#suggerimenti-live")
    expect(box).to_be_visible()
    return box.get_by_role("link")


def test_ask_form_by_keyboard_only(page, province):
    log_in(page, DEMO["operator"])
    page.goto("/quesiti/nuovo/")

    # The first Tab reaches the skip link, which takes the focus to the content.
    assert_focus_on(page, "Vai al contenuto")
    page.keyboard.press("Enter")
    assert_focus_on(page, "Titolo")
    page.keyboard.type("Rinnovo del permesso per lavoro subordinato")
    assert_focus_on(page, "Domanda")
    page.keyboard.type("Il codice fiscale è RSSMRA85T10A562S: quando va chiesto il rinnovo?")
    assert_focus_on(page, "Tema")
    page.keyboard.type("Permesso")  # a closed select picks the option by its first letters
    assert_focus_on(page, "Etichette")
    page.keyboard.type("rinnovo")
    assert_focus_on(page, "Comune")
    page.keyboard.type("Borgo San Vito")
    # The answers suggested while typing come before the button, in reading order.
    live = live_suggestions(page)
    assert_focus_on(page, live.first)
    assert_focus_on(page, "Continua", live.count())
    page.keyboard.press("Enter")

    # The check step: the warning, then the same fields, then the two buttons.
    expect(
        page.get_by_role("heading", name="Il testo sembra contenere dati personali")
    ).to_be_visible()
    expect(page.get_by_label("Tema").locator("option:checked")).to_have_text(
        "Permesso di soggiorno"
    )
    body = page.get_by_label("Domanda")
    body.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Quando va chiesto il rinnovo del permesso per lavoro subordinato?")
    live = live_suggestions(page)
    assert_focus_on(page, "Comune", 3)
    assert_focus_on(page, "Invia il quesito", live.count() + 1)
    assert_focus_on(page, "Ricontrolla il testo modificato")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Forse la risposta c'è già").first).to_be_visible()
    expect(page.get_by_text("Il testo sembra contenere dati personali")).to_have_count(0)
    page.get_by_role("button", name="Invia il quesito").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Quesito inviato. Ti scriveremo a ogni passaggio.")).to_be_visible()
    assert Question.objects.get().title == "Rinnovo del permesso per lavoro subordinato"


def test_search_page_by_keyboard_only(page, province):
    page.goto("/cerca/")
    assert_focus_on(page, "Vai al contenuto")
    page.keyboard.press("Enter")
    assert_focus_on(page, "Parole da cercare")
    page.keyboard.type("rinnovo permesso")
    page.keyboard.press("Enter")
    count = page.get_by_role("status").filter(has_text="risultat")
    expect(count).to_be_visible()
    before = result_count(count)

    # From the search box: its button, then the filters, then the results, in this order.
    page.get_by_label("Parole da cercare").focus()
    assert_focus_on(page, "Cerca")
    assert_focus_on(page, page.get_by_role("complementary").get_by_role("link").first)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Filtri attivi:")).to_be_visible()
    assert 0 < result_count(count) < before

    results = page.locator(".search-results a")
    first_result = results.first.inner_text()
    for _ in range(60):
        if tab(page) == first_result:
            break
    else:
        pytest.fail(f"Tab never reached the first result «{first_result}»")
    assert focus_is_visible(page), f"«{first_result}» has the focus, but it does not show"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first_result)

    # The suggestions under the box: arrows to choose, Enter to open.
    page.goto("/cerca/")
    page.get_by_label("Parole da cercare").focus()
    page.keyboard.type("ricongiungimento")
    suggestion = page.get_by_role("option").first
    expect(suggestion).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(suggestion).to_have_attribute("aria-selected", "true")
    title = suggestion.inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_the_focus_check_tells_a_visible_focus_from_none(page):
    page.set_content(
        "<style>a { outline: none; } #ring:focus { outline: 3px solid #000; }</style>"
        '<p><a href="#">Senza segno</a></p><p><a id="ring" href="#">Con anello</a></p>'
    )
    assert tab(page) == "Senza segno"
    assert not focus_is_visible(page)
    assert tab(page) == "Con anello"
    assert focus_is_visible(page)
