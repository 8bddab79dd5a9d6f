import pytest
from django.core.management import CommandError, call_command

from kb.models import TopicPage
from search.evaluation import Judged, score
from tests.factories import EntryPageFactory


def test_score_of_one_query():
    judged = Judged("q", "keywords", ["a", "b"])
    assert score(judged, ["a", "x", "b"]) == (1.0, 1.0, 1.0)
    assert score(judged, ["x", "b"]) == (0.0, 0.5, 0.5)
    assert score(judged, ["x", "y"]) == (0.0, 0.0, 0.0)


def test_search_eval_prints_figures_overall_and_per_kind(tmp_path, taxonomy, capsys):
    permits = TopicPage.objects.get(topic__slug="permesso-di-soggiorno")
    EntryPageFactory(parent=permits, title="Rinnovo con il kit postale", external_id="demo-900")
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"query": "kit postale", "kind": "keywords", "relevant": ["demo-900"]}\n'
        '{"query": "zzzz", "kind": "typo", "relevant": ["demo-900"]}\n',
        encoding="utf-8",
    )
    call_command("search_eval", str(queries))
    out = capsys.readouterr().out
    assert "motore: database" in out
    assert "tutte" in out and "keywords" in out and "typo" in out
    keywords = next(line for line in out.splitlines() if line.startswith("keywords"))
    assert keywords.split()[1:] == ["1", "1.00", "1.00", "1.00"]
    overall = next(line for line in out.splitlines() if line.startswith("tutte"))
    assert overall.split()[1:] == ["2", "0.50", "0.50", "0.50"]


def test_search_eval_rejects_a_bad_file(tmp_path, db):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="riga 1"):
        call_command("search_eval", str(bad))


def test_the_judged_query_set_fits_the_demo_entries():
    import json
    from collections import Counter

    from kb.demo import ENTRIES_FILE
    from search.evaluation import read_queries

    ids = {json.loads(line)["external_id"] for line in ENTRIES_FILE.open(encoding="utf-8")}
    with open("search/eval/queries.jsonl", encoding="utf-8") as lines:
        queries = read_queries(lines)
    kinds = Counter(q.kind for q in queries)
    assert len(queries) >= 50
    assert set(kinds) == {
        "paraphrase",
        "inflection",
        "abbreviation",
        "typo",
        "keywords",
        "long",
        "english",
    }
    assert min(kinds.values()) >= 7
    assert all(q.relevant and set(q.relevant) <= ids for q in queries)
