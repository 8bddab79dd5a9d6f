"""Both engines, real ones: the database engine always, Elasticsearch when it is running
(required in CI). Each Elasticsearch test gets its own index prefix."""

import uuid

import pytest
from django.conf import settings as django_settings
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exceptions

from search import elastic, indexing
from tests.conftest import require_service


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
    """The Elasticsearch engine on a fresh, empty index."""
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


@pytest.fixture(params=["database", "elasticsearch"])
def engine(request, db):
    """The engine under test, and `engine.refresh()` to make it see the database as it is
    now (Elasticsearch learns of entries created by factories through a sync)."""

    class Engine:
        name = request.param

        def refresh(self):
            if self.name == "elasticsearch":
                indexing.sync()

    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch")
    return Engine()
