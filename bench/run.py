"""`make bench`: build a corpus of N entries on a separate benchmark database, then measure
import throughput, index rebuild, search latency per engine, queries per page and pages under
load.
Figures are reported, never asserted. Usage: python bench/run.py [--n 10000]."""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings.dev")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
)
os.environ.setdefault("ELASTICSEARCH_INDEX_PREFIX", "quesiti-bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench import corpus, load  # noqa: E402

SEARCHES = 300


def percentiles(samples):
    ordered = sorted(samples)

    def at(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"p50": statistics.median(ordered), "p95": at(95), "p99": at(99)}


def fresh_database():
    if connection.vendor == "sqlite":
        connection.close()
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    else:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--taxonomy-only", verbosity=0)
    from kb.demo.load import load_glossary

    load_glossary()


def timed_import(path):
    started = time.perf_counter()
    call_command("import_entries", str(path), verbosity=0)
    return time.perf_counter() - started


def _counting(executed):
    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    return count


def public_pages():
    """{page: URL} measured for queries per page and under load."""
    from kb.models import EntryPage

    entry = EntryPage.objects.live().order_by("pk").first()
    return {
        "home": "/",
        "topic": "/permesso-di-soggiorno/",
        "entry": entry.url,
        "search": "/cerca/?q=rinnovo+permesso",
    }


def sustained_paths(queries, entries=1000):
    """Many entry pages and many searches, so that neither is one cached page."""
    from kb.models import EntryPage

    pages = EntryPage.objects.live().public().order_by("pk")[:entries]
    return {
        "entry pages": [page.url for page in pages],
        "search page": ["/cerca/?" + urlencode({"q": query}) for query in queries],
    }


def queries_per_page():
    """{page: queries} for an anonymous reader, cache cleared first."""
    pages = public_pages()
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, url in pages.items():
        cache.clear()
        executed = []
        # A wrapper, not CaptureQueriesContext: each request resets Django's query log.
        # A long timeout: a cold Elasticsearch must not turn this into a fallback count.
        with (
            connection.execute_wrapper(_counting(executed)),
            override_settings(ELASTICSEARCH_TIMEOUT=10),
        ):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(executed)
    return counts


def search_queries(n, seed=7):
    """The judged queries, then words and pairs from the corpus titles, SEARCHES in all."""
    rng = random.Random(seed)
    with open(ROOT / "search" / "eval" / "queries.jsonl", encoding="utf-8") as lines:
        queries = [json.loads(line)["query"] for line in lines if line.strip()]
    words = sorted({w for e in corpus.demo_entries() for w in e["title"].split() if len(w) > 4})
    while len(queries) < SEARCHES:
        queries.append(" ".join(rng.sample(words, rng.randint(1, 3))))
    return queries[:SEARCHES]


def search_latency(engine, queries):
    from search import service

    with override_settings(SEARCH_ENGINE=engine, ELASTICSEARCH_TIMEOUT=10):
        service.search("permesso")  # warm up
        samples = []
        for query in queries:
            started = time.perf_counter()
            result = service.search(query)
            samples.append((time.perf_counter() - started) * 1000)
            if result.degraded:
                raise SystemExit(f"{engine} did not answer: measurement stopped")
    return percentiles(samples)


def machine():
    cores = os.cpu_count()
    with open("/proc/meminfo") as info:
        total_kb = int(info.readline().split()[1])
    return f"{cores} cores, {total_kb / 1024 / 1024:.1f} GiB RAM, {platform.platform()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--load-seconds", type=int, default=20, help="wrk duration per URL")
    parser.add_argument(
        "--sustained-seconds", type=int, default=60, help="wrk duration of the sustained load"
    )
    args = parser.parse_args()
    n, tenth = args.n, max(1, args.n // 10)
    work = ROOT / "bench" / "work"
    work.mkdir(exist_ok=True)
    report = {"n": n, "machine": machine(), "database": connection.vendor}

    fresh_database()
    corpus.write(work / "first.jsonl", tenth)
    corpus.write(work / "rest.jsonl", n, skip=tenth)
    seconds = timed_import(work / "first.jsonl")
    report["queries_small"] = queries_per_page()
    seconds += timed_import(work / "rest.jsonl")
    report["queries_full"] = queries_per_page()
    report["import"] = {"seconds": seconds, "per_second": n / seconds}

    queries = search_queries(n)
    engines = ["database"]
    if settings.ELASTICSEARCH_URL:
        with override_settings(SEARCH_ENGINE="elasticsearch"):
            started = time.perf_counter()
            call_command("search_index", "--rebuild", verbosity=0)
            report["rebuild_seconds"] = time.perf_counter() - started
        engines.append("elasticsearch")
    report["search"] = {engine: search_latency(engine, queries) for engine in engines}
    api_paths = ["/api/search/?" + urlencode({"q": query}) for query in queries]
    report["load"] = load.run(public_pages(), api_paths, seconds=args.load_seconds)
    report["api"] = {
        **percentiles(report["load"].pop("api_samples")),
        "engines": report["load"].pop("api_engines"),
    }
    # The hardening check: a busy server answers every request, and none with an error.
    report["sustained"] = load.run(
        sustained_paths(queries), seconds=args.sustained_seconds, connections=50, baseline=False
    )
    # Kept before rendering, so a failing report loses no measurement.
    (work / "report.json").write_text(json.dumps(report, indent=2))
    write_results(report, Path(args.out))
    print(json.dumps(report, indent=2))


def write_results(report, path):
    import django as dj
    import gunicorn
    import wagtail

    n = report["n"]
    lines = [
        "# Benchmark results",
        "",
        f"- Machine: {report['machine']}",
        f"- N = {n} entries; database: {report['database']} {connection.Database.sqlite_version}"
        if report["database"] == "sqlite"
        else f"- N = {n} entries; database: {report['database']}",
        f"- Python {platform.python_version()}, Django {dj.get_version()}, Wagtail "
        f"{wagtail.__version__}, gunicorn {gunicorn.__version__}, {elasticsearch_version()}",
        f"- Reproduce: `make bench N={n}` (or `python bench/run.py --n {n}`)",
        "",
        "## Corpus and import",
        "",
        "| figure | value |",
        "|---|---|",
        f"| import | {report['import']['seconds']:.1f} s, "
        f"{report['import']['per_second']:.1f} entries/s |",
    ]
    if "rebuild_seconds" in report:
        lines.append(f"| `search_index --rebuild` | {report['rebuild_seconds']:.1f} s |")
    lines += [
        "",
        f"## Search latency ({SEARCHES} queries, ms)",
        "",
        "| path | p50 | p95 | p99 |",
        "|---|---|---|---|",
    ]
    for engine, figures in report["search"].items():
        lines.append(
            f"| service, {engine} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
            f"{figures['p99']:.1f} |"
        )
    api = report["api"]
    answered = ", ".join(f"{engine} {count}" for engine, count in api["engines"].items())
    lines.append(
        f"| `/api/search/` over HTTP (gunicorn, one client; answered by: {answered}) | "
        f"{api['p50']:.1f} | {api['p95']:.1f} | {api['p99']:.1f} |"
    )
    lines += [
        "",
        "## Database queries per page (anonymous, cache empty)",
        "",
        f"| page | N/10 = {max(1, n // 10)} | N = {n} |",
        "|---|---|---|",
    ]
    for page, count in report["queries_small"].items():
        lines.append(f"| {page} | {count} | {report['queries_full'][page]} |")
    lines += load_lines(report["load"])
    lines += sustained_lines(report["sustained"])
    lines += target_lines(report)
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def load_lines(figures):
    lines = [
        "",
        f"## Pages under load (gunicorn, {figures['workers']} workers, "
        f"wrk -t{figures['threads']} -c{figures['connections']} -d{figures['seconds']}s"
        f" --timeout={load.TIMEOUT_SECONDS}s)",
        "",
        "| page | URL | requests/s | p50 ms | p99 ms | errors | ratio to baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for page, row in figures["pages"].items():
        lines.append(
            f"| {page} | `{row['url']}` | {row['rps']:.1f} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['errors']} | {row['ratio'] or 0:.3f} |"
        )
    peak = figures["worker_peak_mib"]
    lines += ["", f"Peak memory of one worker (VmHWM): {f'{peak:.0f} MiB' if peak else 'unknown'}"]
    return lines


def sustained_lines(figures):
    lines = [
        "",
        f"## Sustained load ({figures['seconds']} s at {figures['connections']} connections, "
        f"gunicorn {figures['workers']} workers, wrk -t{figures['threads']})",
        "",
        "Each request takes the next URL of the list (entry pages, searches of the judged and"
        " corpus queries), so that the page cache does not answer them all.",
        "",
        "| pages | URLs | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in figures["pages"].items():
        lines.append(
            f"| {name} (e.g. `{row['url']}`) | {row['urls']} | {row['rps']:.1f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} |"
        )
    peak = figures["worker_peak_mib"]
    lines += ["", f"Peak memory of one worker (VmHWM): {f'{peak:.0f} MiB' if peak else 'unknown'}"]
    return lines


def elasticsearch_version():
    if not settings.ELASTICSEARCH_URL:
        return "no Elasticsearch"
    from search.elastic import client

    nodes = client().nodes.info(filter_path="nodes.*.version")["nodes"]
    return "Elasticsearch " + ", ".join(sorted({node["version"] for node in nodes.values()}))


def target_lines(report):
    """The targets of issue #7 beside the figures of this run."""
    search, pages = report["search"], report["load"]["pages"]
    rows = [
        ("database engine p95 ≤ 100 ms at 10k", f"{search['database']['p95']:.0f} ms"),
        ("entry page ≥ 50 % of the baseline", f"{pages['entry']['ratio']:.0%}"),
        ("no errors under load", str(sum(row["errors"] for row in pages.values()))),
        (
            "no errors in 60 s at 50 connections (entry and search pages)",
            str(sum(row["errors"] for row in report["sustained"]["pages"].values())),
        ),
        ("import ≥ 100 entries/s", f"{report['import']['per_second']:.0f} entries/s"),
        (
            "queries per page constant (N/10 → N)",
            "yes" if report["queries_small"] == report["queries_full"] else "no",
        ),
    ]
    if "elasticsearch" in search:
        rows.insert(
            0, ("Elasticsearch p95 ≤ 50 ms at 100k", f"{search['elasticsearch']['p95']:.0f} ms")
        )
    lines = ["", f"## Targets (N = {report['n']})", "", "| target | this run |", "|---|---|"]
    lines += [f"| {target} | {figure} |" for target, figure in rows]
    return lines


if __name__ == "__main__":
    main()
