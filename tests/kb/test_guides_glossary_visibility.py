import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EDITOR
from kb.glossary import explain_terms
from kb.models import EntryPage, GlossaryTerm, GuidePage, HomePage, TopicPage
from search import service
from tests.factories import EntryPageFactory, UserFactory
from tests.html_safety import executable_parts
from validation.models import Authority


@pytest.fixture
def permits(taxonomy):
    return TopicPage.objects.get(topic__slug="permesso-di-soggiorno")


@pytest.fixture
def restricted(permits):
    return EntryPageFactory(
        parent=permits,
        title="Prassi interna sui rinnovi in ritardo",
        question="Come si comporta l'ufficio con i rinnovi chiesti in ritardo?",
        answer="<p>Prassi riservata agli operatori.</p>",
        visibility=EntryPage.Visibility.OPERATORS,
    )


def test_restricted_entry_shows_only_its_title_to_anonymous_readers(client, restricted, operator):
    html = client.get(restricted.url).content.decode()
    assert restricted.title in html
    assert "riservata agli operatori registrati" in html
    assert "Prassi riservata agli operatori." not in html
    assert "Come si comporta l" not in html

    client.force_login(operator)
    assert "Prassi riservata agli operatori." in client.get(restricted.url).content.decode()


def test_restricted_entries_are_listed_without_stamp_and_not_searchable_anonymously(
    client, restricted, permits, operator
):
    topic_page = client.get(permits.url).content.decode()
    assert restricted.title in topic_page and "Riservata agli operatori" in topic_page
    assert "Risposta validata da" not in topic_page

    assert service.search("prassi rinnovi").total == 0
    assert service.search("prassi rinnovi", user=operator).total == 1
    assert "Prassi interna" not in client.get("/cerca/", {"q": "prassi"}).content.decode()
    client.force_login(operator)
    assert "Prassi interna" in client.get("/cerca/", {"q": "prassi"}).content.decode()


def test_pending_operators_do_not_read_restricted_entries(client, restricted, pending):
    client.force_login(pending)
    assert "Prassi riservata" not in client.get(restricted.url).content.decode()


@pytest.fixture
def stp_term(db):
    return GlossaryTerm.objects.create(
        term="STP",
        definition="Straniero temporaneamente presente: codice per le cure a chi non ha permesso.",
        synonyms="tesserino STP",
        english_synonyms="temporarily present foreigner",
    )


def test_glossary_terms_are_explained_once_outside_links(stp_term):
    html = (
        "<p>Il codice STP si chiede alla ASL. Con lo STP si hanno cure urgenti.</p>"
        '<p><a href="https://example.org">STP</a> e lo sai</p>'
    )
    explained = explain_terms(html)
    assert explained.count('class="glossary-term"') == 1
    assert 'tabindex="0"' in explained
    assert "Straniero temporaneamente presente" in explained
    assert '<a href="https://example.org">STP</a>' in explained
    assert executable_parts(explained) == []


def test_a_shorter_term_is_not_explained_inside_a_longer_one_or_its_definition(db):
    GlossaryTerm.objects.create(
        term="ricevuta di rinnovo", definition="La ricevuta postale della domanda di rinnovo."
    )
    GlossaryTerm.objects.create(term="rinnovo", definition="Nuovo permesso alla scadenza.")
    explained = explain_terms("<p>Con la ricevuta di rinnovo ci si iscrive.</p>")
    assert explained.count('class="glossary-term"') == 1
    assert "Nuovo permesso alla scadenza" not in explained
    explained = explain_terms("<p>La ricevuta di rinnovo vale fino al rinnovo.</p>")
    assert explained.count('class="glossary-term"') == 2
    assert explained.index("Nuovo permesso") > explained.index("vale fino al")


def test_glossary_definition_is_escaped(db):
    GlossaryTerm.objects.create(term="CAS", definition='<img src=x onerror="alert(1)">')
    explained = explain_terms("<p>Ospite del CAS di Valdiponte.</p>")
    assert executable_parts(explained) == []
    assert "&lt;img" in explained


def test_entry_page_explains_glossary_terms_and_glossary_page_lists_them(client, permits, stp_term):
    entry = EntryPageFactory(parent=permits, answer="<p>Chiedere il codice STP alla ASL.</p>")
    page = client.get(entry.url).content.decode()
    assert 'aria-describedby="glossario-' in page
    glossary = client.get(reverse("glossary")).content.decode()
    assert "STP" in glossary and "temporaneamente presente" in glossary


@pytest.fixture
def guide(permits):
    entry = EntryPageFactory(parent=permits, title="Rinnovo con il kit postale")
    due = EntryPageFactory(
        parent=permits,
        title="Voce da rivedere",
        review_due=timezone.localdate() - datetime.timedelta(days=3),
    )
    home = HomePage.objects.get()
    guide = GuidePage(
        title="Guida al rinnovo del permesso",
        slug="guida-rinnovo",
        topic=permits.topic,
        featured=True,
        introduction="<p>Tutti i passi del rinnovo.</p>",
        sections=json.dumps(
            [
                {
                    "type": "section",
                    "value": {
                        "heading": "Prima della scadenza",
                        "body": [
                            {"type": "text", "value": "<p>Preparare i documenti.</p>"},
                            {
                                "type": "steps",
                                "value": {"heading": "Passi", "steps": ["Kit postale", "Ricevuta"]},
                            },
                            {"type": "entries", "value": [entry.pk, due.pk]},
                            {
                                "type": "callout",
                                "value": {"kind": "warning", "text": "<p>Non far scadere.</p>"},
                            },
                        ],
                    },
                }
            ]
        ),
    )
    home.add_child(instance=guide)
    guide.save_revision().publish()
    guide.entry = entry
    guide.due = due
    return guide


def test_guide_page_shows_sections_steps_chosen_entries_and_callouts(client, guide, permits):
    html = client.get(guide.url).content.decode()
    for text in (
        "Guida al rinnovo del permesso",
        "Prima della scadenza",
        "Kit postale",
        "Non far scadere.",
        "Rinnovo con il kit postale",
        "Risposta validata da",
    ):
        assert text in html
    assert guide.title in client.get("/").content.decode()
    assert guide.title in client.get(permits.url).content.decode()
    assert {e.pk for e in guide.specific.contained_entries()} == {guide.entry.pk, guide.due.pk}


def test_editors_are_warned_when_a_guide_contains_an_entry_due(client, guide, taxonomy):
    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[guide.pk])).content.decode()
    assert "La guida contiene voci da rivalidare" in html
    assert "Voce da rivedere" in html


def test_topic_page_filters_by_authority_and_tag_and_sorts(client, permits):
    asl = Authority.objects.get(slug="asl")
    old = EntryPageFactory(
        parent=permits, title="Vecchia", validated_at=datetime.date(2025, 1, 5), tags=["rinnovo"]
    )
    EntryPageFactory(
        parent=permits, title="Nuova", validated_at=datetime.date(2026, 6, 1), authority=asl
    )
    EntryPage.objects.filter(pk=old.pk).update(view_count=50)

    recent = client.get(permits.url).content.decode()
    assert recent.index("Nuova") < recent.index("Vecchia")
    most_read = client.get(permits.url, {"ordine": "piu-letti"}).content.decode()
    assert most_read.index("Vecchia") < most_read.index("Nuova")
    by_authority = client.get(permits.url, {"ente": "asl"}).content.decode()
    assert "Nuova" in by_authority and ">Vecchia<" not in by_authority
    by_tag = client.get(permits.url, {"etichetta": "rinnovo"}).content.decode()
    assert ">Vecchia<" in by_tag and ">Nuova<" not in by_tag


def test_reading_an_entry_counts_a_view(client, permits):
    entry = EntryPageFactory(parent=permits)
    client.get(entry.url)
    client.get(entry.url)
    entry.refresh_from_db()
    assert entry.view_count == 2


def test_reads_are_written_in_batches_and_none_is_lost(client, permits, settings):
    from kb.reads import write_pending

    settings.READS_BATCH = 3
    settings.READS_SECONDS = 3600
    entry = EntryPageFactory(parent=permits)
    other = EntryPageFactory(parent=permits)

    client.get(entry.url)
    client.get(other.url)  # served from the page cache from now on
    client.get(other.url)  # counted all the same
    assert EntryPage.objects.get(pk=other.pk).view_count == 2
    client.get(entry.url)
    assert EntryPage.objects.get(pk=entry.pk).view_count == 1  # not yet
    write_pending()  # what a stopping worker does
    assert EntryPage.objects.get(pk=entry.pk).view_count == 2
