"""Logging in safely: a second factor for staff, rate limits, strong passwords, strict headers."""

import os
import secrets
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail

from accounts.models import User
from accounts.roles import COORDINATOR, EDITOR, EXPERT
from tests.accounts.test_accounts import SIGNUP
from tests.factories import UserFactory, totp_code
from tests.html_safety import executable_parts

PASSWORD = "una-password-lunga-1"


def staff(role, **kwargs):
    user = UserFactory(groups=[Group.objects.get(name=role)], **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, user, password=PASSWORD, next_url="/admin/"):
    return client.post(
        f"/account/login/?next={next_url}", {"login": user.email, "password": password}
    )


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("role", [COORDINATOR, EXPERT, EDITOR])
def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, taxonomy, role):
    client.force_login(staff(role, mfa=False))

    response = client.get("/admin/")

    assert response["Location"] == "/account/2fa/totp/activate/"
    # allauth asks for the password again before a new authenticator is added.
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0].startswith("/account/reauthenticate/")
    assert "attiva l&#x27;autenticazione a due fattori" in page.content.decode()
    assert client.get("/admin/pages/").status_code == 302
    assert client.get("/django-admin/").status_code == 302


def test_a_superuser_needs_a_second_factor_too(client, taxonomy):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, mfa=False))
    assert client.get("/admin/")["Location"] == "/account/2fa/totp/activate/"


def test_operators_are_not_asked_for_a_second_factor(client, operator):
    client.force_login(operator)
    assert client.get("/quesiti/").status_code == 200
    assert not Authenticator.objects.filter(user=operator).exists()


def test_staff_set_up_the_authenticator_app_and_get_recovery_codes(client, taxonomy):
    coordinator = staff(COORDINATOR, mfa=False)
    log_in(client, coordinator)
    assert logged_in(client)
    assert client.get("/admin/")["Location"] == "/account/2fa/totp/activate/"
    client.post("/account/reauthenticate/?next=/account/2fa/totp/activate/", {"password": PASSWORD})

    page = client.get("/account/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    wrong = client.post("/account/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=coordinator).exists()

    client.post("/account/2fa/totp/activate/", {"code": totp_code(secret)})

    kinds = set(Authenticator.objects.filter(user=coordinator).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes = client.get("/account/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) == 10
    assert client.get("/admin/").status_code == 200


def test_staff_log_in_with_password_and_code_before_the_admin(client, taxonomy):
    expert = staff(EXPERT)

    response = log_in(client, expert)

    assert response["Location"] == "/account/2fa/authenticate/"
    assert not logged_in(client)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.post("/account/2fa/authenticate/", {"code": "123456"}).status_code == 200
    assert not logged_in(client)

    response = client.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert response["Location"] == "/admin/"
    assert logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_replaces_the_app_once(client, taxonomy):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    editor = staff(EDITOR)
    code = RecoveryCodes(
        Authenticator.objects.get(user=editor, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()[0]

    log_in(client, editor)
    client.post("/account/2fa/authenticate/", {"code": code})
    assert logged_in(client)

    client.post("/account/logout/")
    log_in(client, editor)
    client.post("/account/2fa/authenticate/", {"code": code})
    assert not logged_in(client)


@pytest.mark.parametrize("url", ["/admin/login/", "/django-admin/login/"])
def test_the_admin_password_forms_cannot_skip_the_second_factor(client, taxonomy, url):
    coordinator = staff(COORDINATOR)

    response = client.post(
        f"{url}?next=/admin/", {"username": coordinator.email, "password": PASSWORD}
    )

    assert not logged_in(client)
    assert response["Location"] == "/account/login/?next=%2Fadmin%2F"
    assert client.get(response["Location"]).status_code == 200


def test_repeated_failed_logins_lock_the_account_for_a_while(client, operator):
    EmailAddress.objects.create(user=operator, email=operator.email, verified=True, primary=True)
    for _ in range(5):
        failed = log_in(client, operator, password="sbagliata", next_url="/")
        assert failed.status_code == 200
        assert not logged_in(client)

    response = log_in(client, operator, next_url="/")

    assert not logged_in(client)
    assert "Troppi tentativi di accesso. Riprova più tardi." in response.content.decode()


def test_an_unverified_email_cannot_log_in(client, operator):
    EmailAddress.objects.create(user=operator, email=operator.email, verified=False, primary=True)

    response = log_in(client, operator, next_url="/")

    assert not logged_in(client)
    assert response["Location"] == "/account/confirm-email/"
    assert "Conferma" in mail.outbox[-1].subject or "conferma" in mail.outbox[-1].body


@pytest.mark.parametrize(
    "password, message",
    [
        ("corta1!", "La password è troppo corta: servono almeno 8 caratteri."),
        ("12345678901", "interamente numerica"),
        ("password123", "troppo comune"),
        ("giuliabianchi", "troppo simile"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_created(client, home, password, message):
    response = client.post(
        "/account/signup/",
        {
            **SIGNUP,
            "email": "giulia.bianchi@comune.example",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="giulia.bianchi@comune.example").exists()


@pytest.mark.parametrize("url", ["/", "/cerca/?q=permesso", "/account/login/", "/account/signup/"])
def test_public_pages_forbid_inline_scripts_and_foreign_sources(client, renewal_entry, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert executable_parts(response.content.decode()) == []


def test_the_entry_and_ask_pages_run_no_inline_script(client, operator, renewal_entry):
    client.force_login(operator)
    for url in (renewal_entry.url, "/quesiti/nuovo/", "/quesiti/"):
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert executable_parts(response.content.decode()) == [], url


def test_production_settings_pass_the_deployment_checks():
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "kb.settings.production",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' (tests/e2e/conftest.py)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_production_cookies_are_secure_and_https_is_enforced():
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50)}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kb.settings.production';"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["True"] * 5, result.stderr
