"""N synthetic entries in the import format, made from the demo entries' vocabulary:
realistic lengths, every topic, authority and tag; the same seed gives the same file."""

import datetime
import json
import random
import re
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "kb" / "demo" / "entries.jsonl"
QUALIFIERS = [
    "per lavoro",
    "per motivi familiari",
    "dopo il diniego",
    "per richiedenti asilo",
    "in attesa del rinnovo",
    "per minori",
    "per cittadini UE",
    "con ricevuta postale",
    "senza residenza",
    "nel CAS",
    "nel progetto SAI",
    "dopo i 18 anni",
]


def demo_entries():
    with DEMO.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def generate(n, seed=2026):
    rng = random.Random(seed)
    demo = demo_entries()
    paragraphs = [p for e in demo for p in re.findall(r"<(?:p|ul)>.*?</(?:p|ul)>", e["answer"])]
    questions = [e["question"] for e in demo]
    tags = sorted({tag for e in demo for tag in e["tags"]})
    start = datetime.date(2023, 1, 1)
    for number in range(n):
        base = rng.choice(demo)
        validated = start + datetime.timedelta(days=rng.randrange(1400))
        yield {
            "external_id": f"bench-{number:06d}",
            "title": f"{base['title']} {rng.choice(QUALIFIERS)} ({number})",
            "question": " ".join(rng.sample(questions, 2)),
            "answer": "".join(rng.sample(paragraphs, rng.randint(2, 5))),
            "topic": base["topic"],
            "authority": base["authority"],
            "tags": sorted(set(base["tags"]) | set(rng.sample(tags, rng.randint(0, 2)))),
            "legal_references": base["legal_references"],
            "validated_at": validated.isoformat(),
            "review_due": (validated + datetime.timedelta(days=365)).isoformat(),
            "language": "it",
        }


def write(path, n, seed=2026, skip=0):
    """Write entries skip..n-1 of the corpus to `path`; return how many."""
    with open(path, "w", encoding="utf-8") as out:
        for number, record in enumerate(generate(n, seed)):
            if number >= skip:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return n - skip
