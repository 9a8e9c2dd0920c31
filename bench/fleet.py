"""A fleet behind nginx (deploy/): requests a second through the balancer with one and with two mocktmc servers,
beside one server reached directly.

Each round serves `mocktmc serve --clock frozen --auth isolated` processes on loopback, puts the shipped
deploy/nginx/nginx.conf in front of them (rendered for the round: its servers, its port, its files), starts one run
for each of `tokens` clients and has wrk poll those runs (GET /processing/executions/{id}), each request with the
token of the run it reads, so that the balancer spreads the clients over the servers as it would a CI's jobs.
Rounds interleave the three set-ups, so that the machine's drift falls on all of them alike. Needs nginx with its
njs module and wrk (Debian: nginx libnginx-mod-http-js wrk); without them it says so and measures nothing.

Read the ratios: on this 2-core machine wrk, nginx and the servers share the same two cores, so a second server
adds less than a core's worth (see bench/README.md).

    python bench/fleet.py [--rounds N] [--seconds S] [--tokens N] [--connections N]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .serving import served
except ImportError:
    from serving import served  # type: ignore[no-redef]

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
JS_MODULE = Path("/usr/lib/nginx/modules/ngx_http_js_module.so")  # where deploy/nginx/nginx.conf loads it from
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"  # a task of the default fixture world


def nginx() -> str | None:
    """The nginx binary, when it and its njs module are installed."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    return found if found and JS_MODULE.exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render(servers: list[str], port: int, workdir: Path) -> str:
    """The shipped nginx.conf for a fleet on loopback: its servers (base URLs), its port, its files (pid, logs,
    buffers in `workdir`); everything else as shipped. Raises if the shipped file no longer reads as expected."""
    text = (DEPLOY / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    servers_line = " ".join(f"server {url.split('//')[1]};" for url in servers)
    for shipped, ours in (("include /etc/nginx/mocktmc-servers.conf;", servers_line),
                          ("listen 8080;", f"listen 127.0.0.1:{port};"),
                          ("js_path /etc/nginx/njs/;", f"js_path {DEPLOY / 'nginx'}/;")):
        if text.count(shipped) != 1:
            raise ValueError(f"deploy/nginx/nginx.conf no longer says {shipped!r} once")
        text = text.replace(shipped, ours)
    head = f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
    if os.geteuid() == 0:
        head += "user root;\n"  # its workers must reach the buffers in `workdir`, which is root's
    temp = "".join(f"    {kind}_temp_path {workdir}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return head + text.replace("http {\n", f"http {{\n    access_log off;\n{temp}", 1)


@contextmanager
def balancer(servers: list[str], workdir: Path) -> Iterator[str]:
    """nginx, configured by render(), in front of `servers`; yields its URL and stops it afterwards."""
    binary = nginx()
    if binary is None:
        raise RuntimeError("nginx with its njs module is not installed (Debian: nginx libnginx-mod-http-js)")
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(render(servers, port, workdir), encoding="utf-8")
    errors = workdir / "error.log"
    proc = subprocess.Popen([binary, "-p", str(workdir), "-c", str(conf), "-e", str(errors), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:  # nginx prints nothing when it listens: wait for its port
            if proc.poll() is not None:
                said = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"nginx stopped: {said}{errors.read_text() if errors.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not listen within 15 s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful: its workers end with it
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _runs(url: str, tokens: int) -> list[tuple[str, str]]:
    """(token, path) of one run started for each of `tokens` clients, through `url`."""
    made = []
    with requests.Session() as session:
        for number in range(tokens):
            token = f"bench-fleet-{number}"
            answer = session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=30)
            answer.raise_for_status()
            made.append((token, f"/processing/executions/{answer.json()['executionId']}"))
    return made


def _wrk(url: str, runs: list[tuple[str, str]], seconds: float, connections: int, workdir: Path) -> float:
    """Requests a second wrk measured, each request the next run's poll with its own token."""
    script = workdir / "polls.lua"
    entries = ",\n".join(f'  {{"{path}", "Bearer {token}"}}' for token, path in runs)
    script.write_text("local polls = {\n" + entries + "\n}\nlocal next_poll = 0\n"
                      "request = function()\n  next_poll = next_poll % #polls + 1\n"
                      "  return wrk.format('GET', polls[next_poll][1], {['Authorization'] = polls[next_poll][2]})\n"
                      "end\n", encoding="utf-8")
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "-s", str(script), url],
                          capture_output=True, text=True, timeout=seconds + 60, check=True)
    non_2xx = [line for line in done.stdout.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    if non_2xx:
        raise RuntimeError(f"wrk met errors: {non_2xx}")
    return float(next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("Requests/sec")))


def measure(setup: str, seconds: float, tokens: int, connections: int) -> float:
    """One round of `setup`: direct (one server), nginx-1 or nginx-2 (servers behind the balancer)."""
    command = [sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen", "--auth", "isolated",
               "--log-level", "warning"]
    count = 1 if setup in ("direct", "nginx-1") else 2
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mocktmc-fleet-") as folder:
        workdir = Path(folder)
        servers = [stack.enter_context(served(command)) for _ in range(count)]
        url = servers[0] if setup == "direct" else stack.enter_context(balancer(servers, workdir))
        runs = _runs(url, tokens)
        return _wrk(url, runs, seconds, connections, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    missing = [name for name, found in (("nginx with its njs module", nginx()), ("wrk", shutil.which("wrk")))
               if not found]
    if missing:
        print(f"bench/fleet.py: {' and '.join(missing)} not installed: the fleet measure is skipped "
              "(apt-get install nginx libnginx-mod-http-js wrk)")
        return
    setups = ("direct", "nginx-1", "nginx-2")
    figures: dict[str, list[float]] = {setup: [] for setup in setups}
    for _ in range(args.rounds):
        for setup in setups:
            figures[setup].append(measure(setup, args.seconds, args.tokens, args.connections))
    one = statistics.median(figures["nginx-1"])
    rows = [{"setup": setup, "servers": 1 if setup != "nginx-2" else 2, "balancer": setup != "direct",
             "requests_per_s": round(statistics.median(values)), "rounds": [round(value) for value in values],
             "vs_nginx_1": round(statistics.median(values) / one, 2),
             "tool": f"wrk -t2 -c{args.connections} -d{args.seconds:g}s, {args.tokens} tokens", "cpus": os.cpu_count()}
            for setup, values in figures.items()]
    for row in rows:
        print(json.dumps(row))
    try:
        from .figures import save
    except ImportError:
        from figures import save  # type: ignore[no-redef]
    save("fleet", rows)


if __name__ == "__main__":
    main()
