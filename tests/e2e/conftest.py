"""Browser tests: Debian's Chromium, driven by Playwright, against the app served by
pytest-django's live server on a fresh test database loaded with the demo province.

Playwright's synchronous API keeps an event loop running in the main thread from its
start to the end of the session, so Django would refuse every later database call of the
tests (fixtures, factories, the checks after a step) as made "from an async context".
They are plain synchronous calls and the project has no async code, hence
DJANGO_ALLOW_ASYNC_UNSAFE from Playwright's start (the deployment check that a test runs
in a subprocess is given an environment without it).
"""

import io
import os
from pathlib import Path

import pytest

from tests.conftest import SERIALIZED, require_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Test tools cannot download browsers here: Debian's package, installed by .ci/run.
    require_service(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session", autouse=True)
def django_beside_playwright(playwright):
    """Django keeps its connections per thread, and per event loop when one runs: once
    Playwright has started its loop, the tests get new connection objects, without the
    contents Django serialized on the first at set-up, which every transactional test here
    (and after here) restores. Give them back."""
    from django.db import connections

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    for alias, contents in SERIALIZED.items():
        connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def base_url(live_server):
    """Where `page.goto("/cerca/")` goes: the live server of the test database."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def page_timeouts(request):
    """Fail fast: a missing element is a failure, not a 30-second wait."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(15_000)
        page.set_default_navigation_timeout(20_000)


@pytest.fixture(autouse=True)
def no_autosave(settings):
    """On SQLite the live server shares one connection among its request threads: Wagtail's
    autosave requests beside the editor's own fail there ("database table is locked")."""
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0


@pytest.fixture
def province(live_server, settings):
    """The demo province, as `make run` loads it: topics, authorities, routing rules, the
    demo accounts (staff with the demo authenticator secret), the glossary, 72 entries and
    a guide."""
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
