import os

import pytest

from kb.models import HomePage

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_service(available, reason):
    """Skip when a real service is missing, but fail in CI (REQUIRE_SERVICES=1)."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def taxonomy(db):
    """The demo province's topics (with their pages), authorities and role groups."""
    from kb.demo.load import load_taxonomy

    load_taxonomy()
