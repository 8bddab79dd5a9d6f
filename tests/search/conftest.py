"""Both engines, real ones: the database engine always, Elasticsearch when it is running
(required in CI)."""

import pytest

from search import indexing


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
