"""What a person does in the browser, in steps shared by the journeys."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

from tests.factories import totp_code

from .conftest import SCREENSHOTS

DEMO = {
    "admin": "admin@quesiti.example",
    "coordinator": "coordinatore@quesiti.example",
    "questura": "esperto.questura@quesiti.example",
    "anagrafe": "esperta.anagrafe@quesiti.example",
    "asl": "esperta.asl@quesiti.example",
    "editor": "redattore@quesiti.example",
    "operator": "operatore@quesiti.example",
}


def log_in(page: Page, email, password=None, totp_secret=None, *, go=True):
    """Through allauth's form (opened first unless `go=False`: the site already asks), then
    the authenticator code when the account has one (`totp_secret`: the demo staff's)."""
    if go:
        page.goto("/account/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password or settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    if "/2fa/" in page.url:
        # allauth takes only the current period's code: one computed in the last seconds
        # of a period would be stale when the form arrives, so wait for the next one.
        period = mfa_settings.TOTP_PERIOD
        left = period - time.time() % period
        if left < 8:
            time.sleep(left + 0.5)
        page.get_by_label("Codice").fill(totp_code(totp_secret or settings.DEMO_TOTP_SECRET))
        page.get_by_role("button", name="Accedi").click()
    expect(page).not_to_have_url(re.compile(r"/account/(login|2fa)/"))


def demo_user(role):
    return get_user_model().objects.get(email=DEMO[role])


def admin_log_out(page: Page, email):
    """Through the account menu at the foot of Wagtail's sidebar (named by first name)."""
    first_name = get_user_model().objects.get(email=email).first_name
    page.get_by_role("button", name=first_name, exact=True).click()
    page.get_by_role("button", name="Esci").click()
    expect(page).to_have_url(re.compile("/account/login/"))


def expect_message(page: Page, text):
    """Wagtail's message after an action (jQuery UI adds a second, empty status region)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def link_in_last_email(to, pattern):
    """The path of the first link matching `pattern` in the last e-mail to `to`, read from
    the outbox. Only the path: e-mails link to the configured site address, not to the
    live server of the tests."""
    message = [m for m in mail.outbox if to in m.to][-1]
    link = re.search(pattern, message.body).group(0)
    return re.sub(r"^https?://[^/]+", "", link)


def screenshot(page: Page, name):
    """Full-page pictures at a desktop and a phone width into screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)
