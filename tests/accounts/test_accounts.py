import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Organisation, User
from accounts.roles import COORDINATOR, EDITOR, EXPERT, OPERATOR
from tests.factories import OrganisationFactory, UserFactory

SIGNUP = {
    "email": "nuova@comune.example",
    "password1": "Sicura-Password-2026",
    "password2": "Sicura-Password-2026",
    "first_name": "Giulia",
    "last_name": "Bianchi",
    "new_organisation_name": "Comune di Serralta - Servizi sociali",
    "new_organisation_kind": "public",
    "new_organisation_municipality": "Serralta",
}


def test_signup_with_a_new_organisation_requires_confirming_the_email(client, home):
    response = client.post("/account/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/account/confirm-email/"
    user = User.objects.get(email="nuova@comune.example")
    assert user.organisation.name == "Comune di Serralta - Servizi sociali"
    assert user.organisation.kind == Organisation.Kind.PUBLIC
    assert not EmailAddress.objects.get(user=user).verified

    client.logout()
    login = client.post(
        "/account/login/", {"login": "nuova@comune.example", "password": "Sicura-Password-2026"}
    )
    assert login["Location"] == "/account/confirm-email/"

    confirmation = next(m for m in mail.outbox if "nuova@comune.example" in m.to)
    link = re.search(r"http://testserver(/account/confirm-email/\S+/)", confirmation.body)
    confirm = client.post(link.group(1))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    login = client.post(
        "/account/login/", {"login": "nuova@comune.example", "password": "Sicura-Password-2026"}
    )
    assert login["Location"] == "/"
    assert "Giulia Bianchi" in client.get("/").content.decode()


def test_signup_can_join_an_existing_organisation(client, home):
    existing = OrganisationFactory(name="Cooperativa Il Ponte")
    data = {**SIGNUP, "organisation": existing.pk, "new_organisation_name": ""}
    assert client.post("/account/signup/", data).status_code == 302
    assert User.objects.get(email="nuova@comune.example").organisation == existing
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"new_organisation_name": ""}, "Scegli la tua organizzazione"),
        ({"new_organisation_kind": ""}, "Indica il tipo di organizzazione"),
        ({"new_organisation_municipality": ""}, "Indica il comune"),
        ({"first_name": ""}, "Questo campo è obbligatorio"),
    ],
)
def test_signup_without_an_organisation_is_refused_and_creates_nothing(
    client, home, changes, error
):
    response = client.post("/account/signup/", {**SIGNUP, **changes})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_email_is_the_login_and_is_unique(db):
    UserFactory(email="uno@example.org")
    with pytest.raises(Exception):  # noqa: B017 - the database refuses the duplicate
        User.objects.create_user(email="uno@example.org", password="x")
    assert User.USERNAME_FIELD == "email"


@pytest.mark.parametrize(
    "role, admin_urls",
    [
        (
            EDITOR,
            [
                "/admin/",
                "/admin/pages/",
                "/admin/snippets/kb/topic/",
                "/admin/snippets/validation/authority/",
            ],
        ),
        (COORDINATOR, ["/admin/", "/admin/snippets/validation/authority/"]),
        (EXPERT, ["/admin/", "/admin/pages/"]),
    ],
)
def test_admin_roles_reach_the_wagtail_admin(client, taxonomy, role, admin_urls):
    from django.contrib.auth.models import Group

    client.force_login(UserFactory(groups=[Group.objects.get(name=role)]))
    for url in admin_urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert (
            response.redirect_chain == [] or "/admin/login/" not in response.redirect_chain[-1][0]
        )
    if "/admin/pages/" in admin_urls:
        assert "Permesso di soggiorno" in client.get("/admin/pages/", follow=True).content.decode()


def test_operators_and_anonymous_readers_are_kept_out_of_the_admin(client, taxonomy):
    from django.contrib.auth.models import Group

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    client.force_login(UserFactory(groups=[Group.objects.get(name=OPERATOR)]))
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/pages/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, home):
    user = UserFactory(email="smemorata@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    client.post("/account/password/reset/", {"email": "smemorata@example.org"})

    link = re.search(r"http://testserver(/account/password/reset/key/\S+/)", mail.outbox[-1].body)
    form_url = client.get(link.group(1))["Location"]
    client.post(form_url, {"password1": "Nuova-Password-2026", "password2": "Nuova-Password-2026"})
    user.refresh_from_db()
    assert user.check_password("Nuova-Password-2026")


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        (
            COORDINATOR,
            ["Quesiti", "Tempi di validazione", "Da rivalidare"],
            ["Riscontri dei lettori", "Ricerche dei lettori"],
        ),
        (EXPERT, ["Quesiti"], ["Tempi di validazione", "Riscontri dei lettori"]),
        (
            EDITOR,
            ["Riscontri dei lettori", "Ricerche dei lettori"],
            ["Tempi di validazione", "Da rivalidare"],
        ),
    ],
)
def test_admin_menu_follows_the_roles(client, taxonomy, role, shown, hidden):
    from django.contrib.auth.models import Group

    client.force_login(UserFactory(groups=[Group.objects.get(name=role)]))
    html = client.get("/admin/").content.decode()
    for label in shown:
        assert f'"{label}"' in html, label
    for label in hidden:
        assert f'"{label}"' not in html, label
