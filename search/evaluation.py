"""Measure search quality on a judged query set: recall@1, recall@5 and MRR, per kind."""

import json
from collections import defaultdict
from dataclasses import dataclass

from . import service

DEPTH = 10


@dataclass
class Judged:
    query: str
    kind: str
    relevant: list


def read_queries(lines):
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            queries.append(Judged(data["query"], data["kind"], list(data["relevant"])))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"riga {number}: query giudicata non valida ({error})") from None
    return queries


def score(judged, ranked_ids):
    """(recall@1, recall@5, reciprocal rank) of one query, given the returned external ids."""
    relevant = set(judged.relevant)

    def recall(k):
        return len(relevant & set(ranked_ids[:k])) / min(len(relevant), k)

    rank = next((i for i, found in enumerate(ranked_ids, start=1) if found in relevant), None)
    return recall(1), recall(5), (1 / rank if rank else 0.0)


class EngineUnavailable(Exception):
    pass


def evaluate(queries):
    """Figures overall and per kind: {kind: {"n", "recall@1", "recall@5", "mrr"}}."""
    totals = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for judged in queries:
        result = service.search(judged.query, page_size=DEPTH, with_facets=False)
        if result.degraded:
            raise EngineUnavailable("Elasticsearch non ha risposto: misura interrotta.")
        hits = result.hits
        r1, r5, rr = score(judged, [hit.external_id for hit in hits])
        for key in ("tutte", judged.kind):
            row = totals[key]
            row[0] += 1
            row[1] += r1
            row[2] += r5
            row[3] += rr
    return {
        kind: {"n": n, "recall@1": a / n, "recall@5": b / n, "mrr": c / n}
        for kind, (n, a, b, c) in totals.items()
    }
