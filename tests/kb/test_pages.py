import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.caching import forget_per_generation
from kb.models import EntryPage
from tests.factories import AuthorityFactory, EntryPageFactory, TopicFactory, TopicPageFactory


@pytest.fixture
def permits_page(home):
    return TopicPageFactory(parent=home)


@pytest.fixture
def entry(permits_page):
    return EntryPageFactory(
        parent=permits_page,
        title="Rinnovo del permesso di soggiorno per lavoro subordinato",
        question="Quando va chiesto il rinnovo?",
        answer="<p>Almeno <strong>60 giorni</strong> prima della scadenza.</p>",
        validated_at=datetime.date(2026, 3, 12),
        review_due=datetime.date(2027, 3, 31),
        tags=["rinnovo", "kit postale"],
        legal_references=[("D.Lgs. 286/1998, art. 5", "https://www.normattiva.it/x")],
    )


def test_home_shows_topics_with_counts_and_latest_entries(client, home, entry):
    other = TopicPageFactory(
        parent=home, topic=TopicFactory(slug="sanita", name="Assistenza sanitaria")
    )

    html = client.get("/").content.decode()

    assert "Permesso di soggiorno" in html
    assert "1 voce" in html
    assert "Assistenza sanitaria" in html and "0 voci" in html
    assert other.url in html
    assert "Rinnovo del permesso di soggiorno per lavoro subordinato" in html
    assert 'lang="it"' in html


def test_topic_page_lists_only_its_own_live_entries(client, home, permits_page, entry):
    health = TopicPageFactory(parent=home, topic=TopicFactory(slug="sanita", name="Sanità"))
    EntryPageFactory(parent=health, title="Tessera STP: chi la rilascia")
    draft = EntryPageFactory(parent=permits_page, title="Bozza non pubblicata", live=False)

    html = client.get(permits_page.url).content.decode()

    assert entry.title in html
    assert "Tessera STP" not in html
    assert draft.title not in html
    assert "1 risposta validata" in html


def test_entry_page_shows_question_answer_and_validation_stamp(client, entry):
    html = client.get(entry.url).content.decode()

    assert "Quando va chiesto il rinnovo?" in html
    assert "Almeno <strong>60 giorni</strong> prima della scadenza." in html
    assert "Questura - Ufficio immigrazione" in html
    assert "12 marzo 2026" in html
    assert "prossima verifica entro marzo 2027" in html
    assert (
        '<a href="https://www.normattiva.it/x" rel="noopener">D.Lgs. 286/1998, art. 5</a>' in html
    )
    assert "kit postale" in html and "rinnovo" in html


def test_unpublished_entry_is_not_found(client, permits_page):
    draft = EntryPageFactory(parent=permits_page, live=False)
    assert client.get(f"{permits_page.url}{draft.slug}/").status_code == 404


def test_entry_topic_follows_its_topic_page(home):
    health = TopicPageFactory(parent=home, topic=TopicFactory(slug="sanita", name="Sanità"))
    entry = EntryPageFactory(parent=health, topic=TopicFactory(), authority=AuthorityFactory())
    entry.refresh_from_db()
    assert entry.topic.slug == "sanita"


def test_pages_use_a_constant_number_of_queries_at_10_and_300_entries(
    client, home, permits_page, entry, settings, django_assert_max_num_queries
):
    settings.READS_BATCH = 1000  # reads are written in batches, not per page view
    settings.READS_SECONDS = 3600
    urls = ("/", permits_page.url, entry.url)

    def queries_per_page():
        # The uncached path is the one that touches the database.
        cache.clear()
        forget_per_generation()
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    def grow_to(total):
        for n in range(EntryPage.objects.count(), total):
            EntryPageFactory(parent=permits_page, title=f"Voce {n}", tags=["rinnovo", f"t{n}"])

    grow_to(10)
    at_10 = queries_per_page()
    grow_to(300)
    assert queries_per_page() == at_10
    cache.clear()
    for url in urls:
        with django_assert_max_num_queries(22):
            client.get(url)


def test_anonymous_pages_are_cached_until_something_is_published(
    client, permits_page, entry, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as first:
        assert "Almeno <strong>60 giorni</strong>" in client.get(entry.url).content.decode()
    with CaptureQueriesContext(connection) as cached:
        assert "Almeno <strong>60 giorni</strong>" in client.get(entry.url).content.decode()
    # Wagtail still finds the page; rendering (stamps, tags, references, glossary) is skipped.
    assert len(cached) < len(first) - 4
    assert not any("kb_glossaryterm" in q["sql"] for q in cached.captured_queries)

    revision = entry.get_latest_revision_as_object()
    revision.answer = "<p>Nuovo testo validato.</p>"
    with django_capture_on_commit_callbacks(execute=True):
        revision.save_revision().publish()
    assert "Nuovo testo validato." in client.get(entry.url).content.decode()


def test_entry_page_lists_related_entries_of_the_same_topic(client, home, permits_page, entry):
    related = EntryPageFactory(parent=permits_page, title="Rinnovo del permesso per studio")
    health = TopicPageFactory(parent=home, topic=TopicFactory(slug="sanita", name="Sanità"))
    elsewhere = EntryPageFactory(parent=health, title="Rinnovo della tessera sanitaria")

    html = client.get(entry.url).content.decode()
    section = html.split("Risposte correlate")[1].split("</section>")[0]
    assert related.title in section
    assert elsewhere.title not in section
    assert entry.title not in section


def test_permanent_short_link_survives_a_rename(client, entry):
    html = client.get(entry.url).content.decode()
    assert f"http://testserver/v/{entry.pk}/" in html
    entry.slug = "nuovo-indirizzo"
    entry.save_revision().publish()
    entry.refresh_from_db()
    response = client.get(f"/v/{entry.pk}/")
    assert response.status_code == 302
    assert response["Location"] == entry.url
    assert client.get("/v/999999/").status_code == 404


def test_publishing_many_pages_bumps_the_cache_generation_once_per_transaction(
    entry, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from kb.caching import generation

    def publish(title):
        page = EntryPage.objects.get(pk=entry.pk)
        page.title = title
        page.save_revision().publish()

    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            publish("Prima versione")
            publish("Seconda versione")
    assert generation() == before + 1

    # A rolled-back publication leaves no pending bump behind to swallow the next one.
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            publish("Annullata")
            raise RuntimeError
        publish("Terza versione")
    assert generation() == before + 2


def test_cached_pages_are_answered_before_routing(
    client, entry, settings, django_assert_max_num_queries
):
    settings.READS_BATCH = 10  # reads are written later, in batches
    settings.READS_SECONDS = 3600
    first = client.get(entry.url).content
    # Only the publish generation, for the cache key.
    with django_assert_max_num_queries(1):
        assert client.get(entry.url).content == first
    client.get("/")
    with django_assert_max_num_queries(1):
        assert "Quesiti" in client.get("/").content.decode()
    # Not a page: no cache lookup, no query.
    with django_assert_max_num_queries(0):
        assert client.get("/healthz/").content == b"ok"
