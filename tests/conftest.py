import os
import uuid

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exceptions

from accounts.roles import COORDINATOR, EXPERT, OPERATOR
from kb.models import HomePage, TopicPage
from search import elastic, indexing
from tests.factories import EntryPageFactory, OrganisationFactory, UserFactory
from validation.models import Authority

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_service(available, reason):
    """Skip when a real service is missing, but fail in CI (REQUIRE_SERVICES=1)."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


# What Django serialized of each test database at set-up (the migrations' data, such as
# Wagtail's root page), for the browser tests: see tests/e2e/conftest.py.
SERIALIZED = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connections

    for alias in connections:
        if hasattr(connections[alias], "_test_serialized_contents"):
            SERIALIZED[alias] = connections[alias]._test_serialized_contents


def clear_caches():
    """Forget everything cached: the database is rolled back, caches are not."""
    from django.core.cache import cache

    from kb.caching import forget_per_generation
    from kb.reads import forget_pending

    cache.clear()
    forget_per_generation()
    forget_pending()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached."""
    clear_caches()


def elasticsearch_reachable():
    if not django_settings.ELASTICSEARCH_URL:
        return False
    try:
        Elasticsearch(django_settings.ELASTICSEARCH_URL, request_timeout=5).cluster.health()
    except es_exceptions.ConnectionError:
        return False
    return True


@pytest.fixture
def elasticsearch(settings):
    """The Elasticsearch engine on a fresh, empty index of its own (a prefix per test)."""
    require_service(elasticsearch_reachable(), "Elasticsearch is not running (ELASTICSEARCH_URL)")
    url, prefix = settings.ELASTICSEARCH_URL, f"quesiti-test-{uuid.uuid4().hex[:8]}"
    settings.SEARCH_ENGINE = "elasticsearch"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    # Generous here: a first query on a cold node may take more than a second.
    settings.ELASTICSEARCH_TIMEOUT = 10
    elastic.mark_available()
    indexing.ensure_index()
    yield elastic.client()
    elastic.mark_available()
    client = Elasticsearch(url, request_timeout=30)
    # Deleting by wildcard is refused (destructive_requires_name), so by name.
    for name in client.indices.get(index=f"{prefix}-*"):
        client.indices.delete(index=name)


@pytest.fixture
def admin_user(db):
    """pytest-django's admin_client logs in this superuser, who has the admin's second factor."""
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def taxonomy(db):
    """The demo province's topics (with their pages), authorities and role groups."""
    from kb.demo.load import load_taxonomy

    load_taxonomy()


@pytest.fixture
def roles(taxonomy):
    return {name: Group.objects.get(name=name) for name in (OPERATOR, COORDINATOR, EXPERT)}


@pytest.fixture
def cas(db):
    return OrganisationFactory(name="Cooperativa Il Ponte", municipality="Borgo San Vito")


@pytest.fixture
def operator(roles, cas):
    return UserFactory(email="omar@ilponte.example", organisation=cas, groups=[roles[OPERATOR]])


@pytest.fixture
def colleague(roles, cas):
    return UserFactory(email="collega@ilponte.example", organisation=cas, groups=[roles[OPERATOR]])


@pytest.fixture
def stranger(roles):
    other = OrganisationFactory(name="Comune di Castelrosso")
    return UserFactory(
        email="altro@castelrosso.example", organisation=other, groups=[roles[OPERATOR]]
    )


@pytest.fixture
def pending(cas, taxonomy):
    return UserFactory(email="nuovo@ilponte.example", organisation=cas)


@pytest.fixture
def coordinator(roles):
    return UserFactory(email="coordinamento@prefettura.example", groups=[roles[COORDINATOR]])


def expert_of(slug, roles, email=None):
    authority = Authority.objects.get(slug=slug)
    return UserFactory(
        email=email or f"esperto.{slug}@example.org",
        groups=[roles[EXPERT], authority.experts_group],
    )


@pytest.fixture
def questura_expert(roles):
    return expert_of("questura", roles)


@pytest.fixture
def asl_expert(roles):
    return expert_of("asl", roles)


@pytest.fixture
def renewal_entry(taxonomy):
    return EntryPageFactory(
        parent=TopicPage.objects.get(topic__slug="permesso-di-soggiorno"),
        title="Rinnovo del permesso di soggiorno per attesa occupazione",
        question="Come si rinnova il permesso per attesa occupazione?",
        answer="<p>Con il kit postale, presentando la DID del Centro per l'impiego.</p>",
        authority=Authority.objects.get(slug="questura"),
    )
