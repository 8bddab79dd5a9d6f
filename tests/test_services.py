"""The real services CI runs against: with REQUIRE_SERVICES=1 a missing one is a failure."""

import os

import pytest
from django.conf import settings
from django.db import connection
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exceptions

from tests.conftest import require_service


@pytest.mark.django_db
def test_postgresql_is_the_database():
    require_service(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "DATABASE_URL does not point to PostgreSQL",
    )
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 150000
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from kb_homepage")
        assert cursor.fetchone()[0] == 1


def test_elasticsearch_answers():
    require_service(settings.ELASTICSEARCH_URL, "ELASTICSEARCH_URL is not set")
    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=10)
    try:
        health = client.cluster.health(wait_for_status="yellow", timeout="10s")
        # GET / is not served by the integ-test distribution, so read the nodes' version.
        nodes = client.nodes.info(filter_path="nodes.*.version")["nodes"]
    except es_exceptions.ConnectionError as error:
        pytest.fail(f"Elasticsearch at {settings.ELASTICSEARCH_URL} unreachable: {error}")
    assert health["status"] in ("green", "yellow")
    assert [node["version"][:5] for node in nodes.values()] == ["8.19."]
