import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import EDITOR
from kb.feedback import PER_CLIENT_PER_HOUR
from kb.models import EntryPage, Feedback, TopicPage
from questions.models import Question
from tests.factories import EntryPageFactory, UserFactory
from tests.html_safety import executable_parts

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def permits(taxonomy):
    return TopicPage.objects.get(topic__slug="permesso-di-soggiorno")


@pytest.fixture
def entry(permits):
    return EntryPageFactory(parent=permits, title="Rinnovo del permesso: i tempi")


def send(client, entry, **data):
    return client.post(reverse("entry_feedback", args=[entry.pk]), data, follow=True)


def test_feedback_is_recorded_without_an_account(client, entry):
    response = send(client, entry, utile="no", commento="Manca il costo del bollettino.")
    assert "Grazie del riscontro!" in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.entry, feedback.helpful) == (entry.specific, False)
    assert feedback.comment == "Manca il costo del bollettino."


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Indica se la risposta ti è stata utile"),
        ({"utile": "forse"}, "Indica se la risposta ti è stata utile"),
        ({"utile": "si", "commento": "x" * 1001}, "supera 1000 caratteri"),
    ],
)
def test_bad_feedback_is_refused_with_a_message(client, entry, data, message):
    response = send(client, entry, **data)
    assert message in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_html_is_stripped_and_never_rendered(client, entry, taxonomy):
    send(client, entry, utile="no", commento='<script>alert(1)</script><b onclick="x()">Testo</b>')
    assert Feedback.objects.get().comment == "alert(1)Testo"
    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)
    report = client.get(reverse("kb_feedback_report")).content.decode()
    assert "alert(1)Testo" in report
    assert executable_parts(report) == []


def test_repeated_feedback_on_one_entry_counts_once(client, entry):
    send(client, entry, utile="si")
    response = send(client, entry, utile="si")
    assert "Hai già lasciato un riscontro" in response.content.decode()
    assert Feedback.objects.count() == 1


def test_feedback_is_rate_limited_per_client(client, permits):
    entries = [EntryPageFactory(parent=permits) for _ in range(PER_CLIENT_PER_HOUR + 1)]
    for entry in entries[:-1]:
        send(client, entry, utile="si")
    client.cookies.clear()  # a new session does not escape the limit
    response = send(client, entries[-1], utile="si")
    assert "Troppi riscontri" in response.content.decode()
    assert Feedback.objects.count() == PER_CLIENT_PER_HOUR


def test_unknown_or_unpublished_entry_answers_404(client, entry):
    assert client.post(reverse("entry_feedback", args=[999999]), {"utile": "si"}).status_code == 404
    entry.unpublish()
    assert (
        client.post(reverse("entry_feedback", args=[entry.pk]), {"utile": "si"}).status_code == 404
    )


def test_editor_report_ranks_negative_feedback_and_turns_a_comment_into_a_question(
    client, entry, permits, taxonomy
):
    other = EntryPageFactory(parent=permits, title="Altra voce")
    Feedback.objects.create(entry=entry, helpful=False, comment="Non chiaro sul bollettino")
    Feedback.objects.create(entry=entry, helpful=False)
    Feedback.objects.create(entry=other, helpful=False)
    Feedback.objects.create(entry=other, helpful=True)
    editor = UserFactory(email="redazione@example.org", groups=[Group.objects.get(name=EDITOR)])
    client.force_login(editor)

    report = client.get(reverse("kb_feedback_report")).content.decode()
    assert report.index(entry.title) < report.index("Altra voce")

    commented = Feedback.objects.get(comment="Non chiaro sul bollettino")
    client.post(reverse("kb_feedback_question", args=[commented.pk]))
    question = Question.objects.get()
    assert question.title == f"Dal riscontro su: {entry.title}"
    assert "Non chiaro sul bollettino" in question.body
    assert question.status == Question.Status.SUBMITTED
    commented.refresh_from_db()
    assert commented.question == question
    client.post(reverse("kb_feedback_question", args=[commented.pk]))
    assert Question.objects.count() == 1


def test_only_editors_see_the_feedback_report(client, operator):
    client.force_login(operator)
    assert client.get(reverse("kb_feedback_report")).status_code in (302, 403)


def test_feeds_list_validated_entries_overall_and_per_topic(client, permits, entry):
    health = TopicPage.objects.get(topic__slug="sanita")
    stp = EntryPageFactory(parent=health, title="Tessera STP")
    EntryPageFactory(parent=permits, title="Riservata", visibility=EntryPage.Visibility.OPERATORS)

    rss = ET.fromstring(client.get("/feed/rss/").content)
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert entry.title in titles and stp.title in titles and "Riservata" not in titles
    assert all(item.findtext("pubDate") for item in rss.iter("item"))

    atom = ET.fromstring(client.get("/feed/permesso-di-soggiorno/atom/").content)
    atom_titles = [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")]
    assert atom_titles == [entry.title]
    assert client.get("/feed/sconosciuto/rss/").status_code == 404


def test_sitemap_lists_the_public_pages(client, entry, permits):
    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [
        loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert any(loc.endswith(entry.url) for loc in locations)
    assert any(loc.endswith(permits.url) for loc in locations)


def test_entry_page_carries_schema_org_qapage(client, permits):
    entry = EntryPageFactory(parent=permits, title='Titolo con </script> e "virgolette"')
    html = client.get(entry.url).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "QAPage"
    assert data["mainEntity"]["name"] == entry.title
    assert data["mainEntity"]["acceptedAnswer"]["author"]["name"] == entry.authority.name
    assert executable_parts(html) == []
