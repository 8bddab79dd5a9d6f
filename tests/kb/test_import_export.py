import json

import pytest
from django.core.management import CommandError, call_command

from kb.models import EntryPage
from tests.html_safety import executable_parts


def entry(n=1, **changes):
    data = {
        "external_id": f"test-{n:03d}",
        "title": f"Rinnovo del permesso di soggiorno per lavoro {n}",
        "question": "Quando si chiede il rinnovo del permesso di soggiorno per lavoro?",
        "answer": "<p>Almeno <strong>60 giorni</strong> prima della scadenza.</p>",
        "topic": "permesso-di-soggiorno",
        "authority": "questura",
        "tags": ["rinnovo", "kit postale"],
        "legal_references": [
            {
                "label": "D.Lgs. 286/1998, art. 5",
                "url": "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:decreto.legislativo:"
                "1998-07-25;286~art5",
            }
        ],
        "validated_at": "2026-03-12",
        "review_due": "2027-03-12",
        "language": "it",
    }
    data.update(changes)
    return data


def write(tmp_path, *lines, name="entries.jsonl"):
    path = tmp_path / name
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def run_import(path):
    call_command("import_entries", str(path))


pytestmark = pytest.mark.usefixtures("taxonomy")


def test_good_file_publishes_every_entry_under_its_topic(tmp_path, client):
    run_import(write(tmp_path, entry(1), entry(2, topic="sanita", authority="asl", tags=[])))

    first = EntryPage.objects.get(external_id="test-001")
    assert first.live
    assert first.get_parent().specific.topic.slug == "permesso-di-soggiorno"
    assert first.topic.slug == "permesso-di-soggiorno"
    assert sorted(t.name for t in first.tags.all()) == ["kit postale", "rinnovo"]
    assert [r.label for r in first.legal_references.all()] == ["D.Lgs. 286/1998, art. 5"]
    second = EntryPage.objects.get(external_id="test-002")
    assert second.get_parent().specific.topic.slug == "sanita"
    assert second.authority.slug == "asl"

    page = client.get(first.url)
    assert page.status_code == 200
    assert "Almeno <strong>60 giorni</strong>" in page.content.decode()


@pytest.mark.parametrize(
    "bad_line, reason",
    [
        ("{not json", "JSON non valido"),
        ('["a list"]', "ogni riga deve essere un oggetto JSON"),
        ({k: v for k, v in entry(2).items() if k != "title"}, "mancano i campi obbligatori: title"),
        (entry(2, topic="astrologia"), 'tema sconosciuto: "astrologia"'),
        (entry(2, authority="oracolo"), 'ente sconosciuto: "oracolo"'),
        (entry(2, validated_at="12/03/2026"), 'il campo "validated_at" non è una data ISO'),
        (entry(2, review_due="2026-02-30"), 'il campo "review_due" non è una data ISO'),
        (entry(2, review_due="2025-01-01"), "review_due deve essere successiva a validated_at"),
        (entry(1), 'external_id "test-001" ripetuto (già alla riga 1)'),
        (entry(2, title="   "), 'il campo "title" deve essere un testo non vuoto'),
        (entry(2, tags="rinnovo"), 'il campo "tags" deve essere una lista'),
        (entry(2, language="fr"), "lingua non prevista: 'fr'"),
        (entry(2, answer="<script>alert(1)</script>"), "la risposta è vuota"),
        (entry(2, legal_references=[{"label": "TU", "url": "javascript:alert(1)"}]), "url non"),
        (entry(2, colour="blue"), "campi sconosciuti: colour"),
    ],
)
def test_a_bad_line_aborts_with_its_number_and_imports_nothing(tmp_path, bad_line, reason):
    path = write(tmp_path, entry(1), bad_line, entry(3))

    with pytest.raises(CommandError) as error:
        run_import(path)

    assert str(error.value).startswith("riga 2: ")
    assert reason in str(error.value)
    assert "Nessuna voce importata" in str(error.value)
    assert not EntryPage.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="impossibile leggere"):
        run_import(tmp_path / "nope.jsonl")


def test_reimport_updates_by_external_id_instead_of_duplicating(tmp_path, client):
    run_import(write(tmp_path, entry(1), entry(2)))
    page_id = EntryPage.objects.get(external_id="test-001").pk

    changed = entry(1, title="Rinnovo: nuovi tempi", topic="lavoro", tags=["rinnovo"])
    run_import(write(tmp_path, changed, entry(2)))

    assert EntryPage.objects.count() == 2
    updated = EntryPage.objects.get(external_id="test-001")
    assert updated.pk == page_id
    assert updated.title == "Rinnovo: nuovi tempi"
    assert updated.get_parent().specific.topic.slug == "lavoro"
    assert [t.name for t in updated.tags.all()] == ["rinnovo"]
    assert client.get(updated.url).status_code == 200


def test_export_round_trips_and_reimport_changes_nothing(tmp_path, capsys):
    # Several references, not in alphabetical order: their order must survive.
    refs = [
        {"label": "DPR 394/1999, art. 13", "url": ""},
        {"label": "D.Lgs. 286/1998, art. 5", "url": "https://www.normattiva.it/a"},
        {"label": "D.Lgs. 142/2015, art. 4", "url": "https://www.normattiva.it/b"},
    ]
    source = [
        entry(1),
        entry(2, language="en", tags=[], legal_references=[]),
        entry(3, legal_references=refs),
    ]
    run_import(write(tmp_path, *source))
    out = tmp_path / "out.jsonl"

    call_command("export_entries", str(out))

    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for item in source:
        item["tags"] = sorted(item["tags"])
    assert exported == source
    revisions = {p.pk: p.latest_revision_id for p in EntryPage.objects.all()}
    call_command("import_entries", str(out))
    assert "0 voci create, 0 aggiornate, 3 invariate" in capsys.readouterr().out
    assert {p.pk: p.latest_revision_id for p in EntryPage.objects.all()} == revisions


@pytest.mark.parametrize(
    "payload",
    [
        '<p>Testo</p><script>alert("x")</script>',
        '<p>Testo<img src="x" onerror="alert(1)"></p>',
        '<p><a href="javascript:alert(1)">Testo</a></p>',
        '<p onclick="alert(1)">Testo</p><svg onload="alert(1)"></svg>',
        '<p>Testo</p><iframe src="https://evil.example"></iframe><style>body{}</style>',
    ],
)
def test_hostile_answer_html_never_reaches_the_page(tmp_path, client, payload):
    run_import(write(tmp_path, entry(1, answer=payload)))

    page = EntryPage.objects.get(external_id="test-001")
    html = client.get(page.url).content.decode()
    assert "Testo" in html
    assert executable_parts(html) == []
    assert "alert(" not in html


def test_imported_entries_are_searchable_and_their_references_known(tmp_path):
    from wagtail.models import ReferenceIndex

    from search import service
    from validation.models import Authority

    run_import(write(tmp_path, entry(1), entry(2, title="Tessera sanitaria per i lavoratori")))

    assert [hit.title for hit in service.search("tessera sanitaria").hits] == [
        "Tessera sanitaria per i lavoratori"
    ]
    questura = Authority.objects.get(slug="questura")
    users = {ref.object_id for ref in ReferenceIndex.get_references_to(questura)}
    assert {str(page.pk) for page in EntryPage.objects.all()} <= users


def test_imported_entries_are_ordinary_wagtail_pages(tmp_path, renewal_entry, admin_client):
    """Import writes the tree, revision and log rows in bulk: they must be what Wagtail
    itself would have written, beside a page Wagtail created the usual way."""
    from wagtail.models import Page, PageLogEntry

    run_import(write(tmp_path, entry(1), entry(2, topic="sanita", authority="asl")))
    run_import(write(tmp_path, entry(3), name="more.jsonl"))

    assert all(problems == [] for problems in Page.find_problems())
    permits = renewal_entry.get_parent()
    assert [page.title for page in permits.get_children()] == [
        renewal_entry.title,
        entry(1)["title"],
        entry(3)["title"],
    ]
    for page in EntryPage.objects.filter(external_id__startswith="test-"):
        assert page.live and not page.has_unpublished_changes
        assert page.first_published_at and page.live_revision_id == page.latest_revision_id
        assert page.url_path == f"{page.get_parent().url_path}{page.slug}/"
        draft = page.get_latest_revision_as_object()
        assert (draft.title, draft.answer) == (page.title, page.answer)
        assert sorted(t.name for t in draft.tags.all()) == ["kit postale", "rinnovo"]
        assert [r.label for r in draft.legal_references.all()] == ["D.Lgs. 286/1998, art. 5"]
        logged = PageLogEntry.objects.filter(page=page).values_list("action", "revision_id")
        assert sorted(logged) == [
            ("wagtail.create", None),
            ("wagtail.publish", page.live_revision_id),
        ]
        assert admin_client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200

    # Editors go on from there as with any page.
    page = EntryPage.objects.get(external_id="test-001")
    page.title = "Rinnovo: nuovi tempi"
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.revisions.count() == 2 and page.title == "Rinnovo: nuovi tempi"
    assert permits.specific.get_children().count() == 3
    assert all(problems == [] for problems in Page.find_problems())
