import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from kb.models import EntryPage, GlossaryTerm, GuidePage, Topic, TopicPage
from validation.models import Authority


def counts():
    return {
        "entries": EntryPage.objects.count(),
        "revisions": sum(p.revisions.count() for p in EntryPage.objects.all()),
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "topics": Topic.objects.count(),
        "authorities": Authority.objects.count(),
        "glossary": GlossaryTerm.objects.count(),
        "guides": GuidePage.objects.count(),
    }


@pytest.mark.django_db
def test_load_demo_loads_the_province_and_is_idempotent(capsys, client):
    call_command("load_demo")
    first = capsys.readouterr().out
    loaded = counts()

    live = EntryPage.objects.live()
    assert live.count() >= 60
    assert live.values("topic").distinct().count() >= 10
    assert live.values("authority").distinct().count() >= 8
    assert not live.filter(is_demo=False).exists()
    assert TopicPage.objects.live().count() == 12
    assert loaded["glossary"] >= 30
    guide = GuidePage.objects.live().get()
    assert len(guide.entry_ids()) == 5
    for email in (
        "operatore@quesiti.example",
        "coordinatore@quesiti.example",
        "esperto.questura@quesiti.example",
        "esperta.anagrafe@quesiti.example",
        "redattore@quesiti.example",
        "admin@quesiti.example",
    ):
        assert email in first

    call_command("load_demo")
    second = capsys.readouterr().out
    assert f"0 create, 0 aggiornate, {loaded['entries']} invariate" in second
    assert counts() == loaded

    response = client.post(
        "/account/login/",
        {"login": "operatore@quesiti.example", "password": "quesiti-demo-2026"},
    )
    assert response["Location"] == "/"
    entry = live.first()
    assert "Contenuto dimostrativo" in client.get(entry.url).content.decode()
    page = client.get(guide.url).content.decode()
    assert "Prima della scadenza" in page
    assert EntryPage.objects.get(external_id="demo-003").title in page


@pytest.mark.django_db
def test_taxonomy_only_loads_no_entries(capsys):
    call_command("load_demo", "--taxonomy-only")
    assert not EntryPage.objects.exists()
    assert not GuidePage.objects.exists()
    assert Topic.objects.count() == 12
    assert Authority.objects.count() == 11
    questura = Authority.objects.get(slug="questura")
    assert User.objects.filter(groups=questura.experts_group).exists()
