"""The public UI in Italian (default, no prefix) and in English (under /en/)."""

import ast
import gettext
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kb.models import TopicPage
from tests.factories import EntryPageFactory

LOCALE = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


@pytest.fixture(autouse=True)
def back_to_default_language():
    """A request under /en/ leaves English active in this thread: reset it for later tests."""
    yield
    translation.deactivate()


@pytest.fixture
def permits(taxonomy):
    page = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    EntryPageFactory(parent=page, title="Rinnovo del permesso di soggiorno per lavoro")
    return page


def get_html(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def test_home_is_italian_without_prefix(client, home):
    html = get_html(client, "/")

    assert '<html lang="it"' in html
    assert "Trova la risposta validata" in html
    assert "Find the validated answer" not in html


def test_home_under_en_uses_the_english_ui(client, home):
    html = get_html(client, "/en/")

    assert '<html lang="en"' in html
    assert "Find the validated answer" in html
    assert "Skip to content" in html
    assert "Trova la risposta validata" not in html
    # Links built by the page stay in English.
    assert 'action="/en/cerca/"' in html


def test_topic_page_under_en_uses_english(client, permits):
    italian = get_html(client, "/permesso-di-soggiorno/")
    english = get_html(client, "/en/permesso-di-soggiorno/")

    assert "1 risposta validata" in italian and "Tutti gli enti" in italian
    assert '<html lang="en"' in english
    assert "1 validated answer" in english
    assert "All authorities" in english
    assert "Tutti gli enti" not in english
    # The page content itself is not translated; the links to entries keep the language.
    assert "Rinnovo del permesso di soggiorno per lavoro" in english
    assert 'href="/en/permesso-di-soggiorno/' in english


def test_search_page_under_en_uses_english(client, permits):
    html = get_html(client, "/en/cerca/", q="rinnovo")

    assert '<html lang="en"' in html
    assert "Search terms" in html
    assert "1 result" in html
    assert "Parole da cercare" not in html
    assert "Rinnovo del permesso di soggiorno per lavoro" in html


def test_switcher_on_an_italian_page_links_to_the_english_one(client, permits):
    html = get_html(client, "/permesso-di-soggiorno/")

    assert '<nav class="me-3" aria-label="Lingua">' in html
    assert '<span class="text-white fw-semibold" lang="it" aria-current="true">Italiano' in html
    link = re.search(r'<a class="text-white" href="([^"]*)" lang="en" hreflang="en">English', html)
    assert link and link.group(1) == "/en/permesso-di-soggiorno/"
    assert '<html lang="en"' in get_html(client, link.group(1))


def test_switcher_on_an_english_page_links_to_the_italian_one(client, permits):
    html = get_html(client, "/en/permesso-di-soggiorno/")

    assert '<nav class="me-3" aria-label="Language">' in html
    assert '<span class="text-white fw-semibold" lang="en" aria-current="true">English' in html
    link = re.search(r'<a class="text-white" href="([^"]*)" lang="it" hreflang="it">Italiano', html)
    assert link and link.group(1) == "/permesso-di-soggiorno/"
    assert '<html lang="it"' in get_html(client, link.group(1))


def test_switcher_keeps_the_query_string(client, permits):
    assert 'href="/en/cerca/?q=rinnovo"' in get_html(client, "/cerca/", q="rinnovo")
    assert 'href="/cerca/?q=rinnovo"' in get_html(client, "/en/cerca/", q="rinnovo")


def test_set_language_view_moves_to_the_same_page_in_the_other_language(client, home):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/glossario/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/glossario/"


def test_italian_urls_are_unchanged_and_admin_apis_feeds_are_not_prefixed(client, home):
    assert reverse("search") == "/cerca/"
    assert reverse("questions:ask") == "/quesiti/nuovo/"
    assert reverse("account_login") == "/account/login/"
    with translation.override("en"):
        assert reverse("search") == "/en/cerca/"
        assert reverse("glossary") == "/en/glossario/"
        assert reverse("account_login") == "/en/account/login/"
        assert reverse("feed_rss") == "/feed/rss/"
        assert reverse("api-similar") == "/api/similar/"
        assert reverse("sitemap") == "/sitemap.xml"
        assert reverse("entry_feedback", args=[1]) == "/voci/1/riscontro/"
        assert reverse("wagtailadmin_home") == "/admin/"
    assert client.get("/feed/rss/").status_code == 200
    assert client.get("/en/feed/rss/").status_code == 404
    login = client.get("/en/quesiti/nuovo/")
    assert login.status_code == 302 and login["Location"].startswith("/en/account/login/")


def read_po(path):
    """The entries of a .po file: dicts of msgid/msgid_plural/msgstr/msgstr[n] and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key, flags = {}, None, set()
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append((entry, flags))
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(PO)
    assert len(entries) > 100
    for entry, flags in entries:
        assert "fuzzy" not in flags, entry["msgid"]
        if entry["msgid"] == "":
            continue
        translations = [value for key, value in entry.items() if key.startswith("msgstr")]
        assert translations and all(translations), f"untranslated: {entry['msgid']!r}"
        if "msgid_plural" in entry:
            assert set(entry) >= {"msgstr[0]", "msgstr[1]"}, entry["msgid"]


def test_the_compiled_catalogue_is_up_to_date():
    # A fresh checkout writes both files within moments of each other: allow a little slack.
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 2, "run `make messages`"
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry, _flags in read_po(PO):
        if entry["msgid"] == "":
            continue
        context = (entry["msgctxt"],) if "msgctxt" in entry else ()
        if "msgid_plural" in entry:
            plural = catalogue.npgettext if context else catalogue.ngettext
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                translated = plural(*context, entry["msgid"], entry["msgid_plural"], n)
                assert translated == entry[key], "run `make messages`"
        else:
            single = catalogue.pgettext if context else catalogue.gettext
            assert single(*context, entry["msgid"]) == entry["msgstr"], "run `make messages`"
