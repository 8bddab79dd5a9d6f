"""Pages under load: the site served by gunicorn with production settings and whitenoise,
loaded by wrk from a second process on 127.0.0.1, one URL after the other for a fixed time.
The baseline is /healthz/ on the same server, so each page's figure is a ratio to what
the server configuration alone can do on this machine."""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
TIMEOUT_SECONDS = 10
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def server_env():
    env = dict(os.environ)  # DATABASE_URL, ELASTICSEARCH_* as the bench process has them
    env.update(
        DJANGO_SETTINGS_MODULE="kb.settings.production",
        STATIC_ROOT=str(WORK / "static"),
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(50),
        # wrk speaks plain HTTP to 127.0.0.1: no redirect to HTTPS, no secure-only cookies.
        INSECURE_HTTP="1",
        ALLOWED_HOSTS="127.0.0.1",
    )
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(port, path):
    """Status of one GET, redirects not followed: a redirect would measure the wrong page."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def wait_until_up(server, port, log, timeout=60):
    """Until /healthz/ answers: the server is up, or has drained the requests wrk left queued."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            if status(port, reverse("healthz")) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz/ within {timeout} s; see {log}")


def to_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * UNITS_MS[unit]


def parse_wrk(output):
    def number(pattern):
        found = re.search(pattern, output)
        return found.groups() if found else None

    socket_errors = number(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    non_2xx = number(r"Non-2xx or 3xx responses: (\d+)")
    return {
        "rps": float(number(r"Requests/sec:\s+([\d.]+)")[0]),
        "p50_ms": to_ms(number(r"\n\s+50%\s+(\S+)")[0]),
        "p99_ms": to_ms(number(r"\n\s+99%\s+(\S+)")[0]),
        "errors": sum(int(n) for n in (socket_errors or ())) + int(non_2xx[0] if non_2xx else 0),
    }


def worker_peak_mib(master_pid):
    """Largest VmHWM (peak resident set) among the master's children, the workers."""
    peaks = []
    for status_file in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status_file.read_text().splitlines() if ":" in line
            )
        except OSError:  # the process ended while we looked
            continue
        if int(fields["PPid"]) == master_pid and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)  # kB
    return max(peaks) if peaks else None


def timed_gets(port, paths):
    """(milliseconds of each GET, {engine: answers}) for API paths requested one after the
    other on one kept-alive connection, as a single reader would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples, engines = [], Counter()
    try:
        for path in paths:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            samples.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
            engines[json.loads(body)["engine"]] += 1
    finally:
        connection.close()
    return samples, dict(engines)


@contextmanager
def serving(workers):
    """gunicorn with production settings on a free port; yields (port, process, log)."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    env = server_env()
    # Manifest storage: a page naming a static file that collectstatic did not produce fails.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port, log = free_port(), WORK / "gunicorn.log"
    with open(log, "w") as log_file:
        # No --access-logfile: gunicorn writes no access log unless asked to.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "kb.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
            # The bench needs no control interface, nor to take the default socket's path.
            + ["--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(server, port, log)
        yield port, server, log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wrk(port, target, seconds, threads, connections, name="paths"):
    """wrk's figures for one URL path, or for a list of paths taken in turn (a Lua script)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    # Slow answers are measured, not dropped as errors (wrk gives up at 2 s).
    command.append(f"--timeout={TIMEOUT_SECONDS}s")
    if isinstance(target, str):
        url = target
    else:
        script = WORK / f"{name}.lua"
        listed = ",\n".join(json.dumps(path) for path in target)
        script.write_text(
            f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n"
            '  return wrk.format("GET", paths[i])\nend\n'
        )
        command += ["-s", str(script)]
        url = target[0]
    output = subprocess.run(
        command + [f"http://127.0.0.1:{port}{url}"], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def run(pages, api_paths=(), seconds=20, workers=2, threads=2, connections=16, baseline=True):
    """Time api_paths one by one, then load each of pages ({name: path, or a list of paths
    taken in turn}) for `seconds`, and /healthz/ as the baseline of each page's ratio."""
    pages = {name: [paths] if isinstance(paths, str) else paths for name, paths in pages.items()}
    if baseline:
        pages["baseline"] = [reverse("healthz")]
    with serving(workers) as (port, server, log):
        for name, paths in pages.items():
            for path in paths[:3]:  # the warm-up requests
                code = status(port, path)
                if code != 200:
                    raise SystemExit(f"{name} {path} answered {code}, not 200; see {log}")
        api_samples, api_engines = timed_gets(port, api_paths)
        results = {}
        for name, paths in pages.items():
            target = paths[0] if len(paths) == 1 else paths
            results[name] = {
                "url": paths[0],
                "urls": len(paths),
                **wrk(port, target, seconds, threads, connections, name=name),
            }
            # Requests still queued when wrk stopped would be served during the next run.
            wait_until_up(server, port, log)
        peak = worker_peak_mib(server.pid)
    if baseline:
        rps = results["baseline"]["rps"]
        for figures in results.values():
            figures["ratio"] = figures["rps"] / rps if rps else None
    return {
        "workers": workers,
        "threads": threads,
        "connections": connections,
        "seconds": seconds,
        "pages": results,
        "api_samples": api_samples,
        "api_engines": api_engines,
        "worker_peak_mib": peak,
    }
