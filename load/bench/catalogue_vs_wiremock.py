"""The catalogue read of the emulator beside WireMock serving the same JSON as a static stub.

    python -m load.bench.catalogue_vs_wiremock [--seconds 10] [--connections 50] [--rounds 2] [--jar PATH]
                                               [--query limit=5] [--no-journal]

Both servers get core 1, the generator (wrk, one thread) core 0, in turns: emulator, WireMock,
emulator, WireMock... after a warm-up of each (the JVM needs one). WireMock 3.13.2 comes from
the npm package `wiremock` (it bundles the standalone jar; Java 17):
    npm install --prefix ~/.cache/dvc-harness/wiremock wiremock@3.13.2
It runs with its request journal and request logging off (WireMock's fastest setting: 29,700–47,500 req/s for one
static JSON answer on the 2-core build machine). The goal: the emulator serves its catalogue faster than WireMock
serves the stub (the figures: docs/load.md, "Benchmarks").
--query: another page of the catalogue (both serve it); --no-journal: the emulator with its
request journal off (load.bench.serve_variant: the figure of a proposed change, not the product).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from load.bench.common import Serve, cores, pinned, show, wrk

ROUTE = "/api/v1/procedures"
CACHE = Path.home() / ".cache" / "dvc-harness" / "wiremock"


def find_jar(given: str | None) -> Path:
    if given:
        return Path(given)
    for root in (CACHE / "node_modules" / "wiremock", Path("node_modules") / "wiremock"):
        jars = sorted(root.rglob("wiremock*standalone*.jar")) or sorted(root.rglob("*.jar"))
        if jars:
            return jars[0]
    raise SystemExit(f"no WireMock jar: npm install --prefix {CACHE} wiremock@3.13.2 (or --jar PATH)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WireMock:
    def __init__(self, jar: Path, body: bytes, cpus: str | None, route: str = ROUTE) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="dvc-wiremock-"))
        (self.root / "mappings").mkdir()
        (self.root / "__files").mkdir()
        (self.root / "__files" / "catalogue.json").write_bytes(body)
        (self.root / "mappings" / "catalogue.json").write_text(json.dumps({
            "request": {"method": "GET", "url": route},
            "response": {"status": 200, "bodyFileName": "catalogue.json",
                         "headers": {"Content-Type": "application/json"}}}), encoding="utf-8")
        self.port = free_port()
        java = shutil.which("java") or "java"
        cmd = [java, "-jar", str(jar), "--port", str(self.port), "--bind-address", "127.0.0.1",
               "--root-dir", str(self.root), "--no-request-journal", "--disable-request-logging",
               "--disable-banner"]
        self.process = subprocess.Popen(pinned(cmd, cpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}{route}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url, timeout=1).content == body:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("WireMock did not answer with the stub")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jar", default=None)
    parser.add_argument("--query", default="", help="a query string, e.g. limit=5")
    parser.add_argument("--no-journal", action="store_true", help="the emulator with its request journal off")
    parser.add_argument("--with-proposal", action="store_true",
                        help="measure two proposed changes too, in the same rotation: the journal off, "
                             "and the catalogue's first page on a bare ASGI route")
    args = parser.parse_args(argv)
    route = ROUTE + (f"?{args.query}" if args.query else "")
    jar = find_jar(args.jar)
    server_cpu, generator_cpu = ("1", "0") if cores() >= 2 else (None, None)
    runs: dict[str, list[dict[str, float]]] = {"emulator": [], "wiremock": []}
    proposal = Serve(cpus=server_cpu, variant=["--no-journal"]) if args.with_proposal else None
    fast = Serve(cpus=server_cpu, variant=["--fast-catalogue"]) if args.with_proposal else None
    with Serve(cpus=server_cpu, variant=["--no-journal"] if args.no_journal else ()) as stack:
        emulator_url = stack.info.url("provincial") + route
        body = requests.get(emulator_url, timeout=10).content
        mock = WireMock(jar, body, server_cpu, route)
        targets = {"emulator": emulator_url, "wiremock": mock.url}
        if proposal is not None:
            targets["emulator_journal_off"] = proposal.info.url("provincial") + route
            runs["emulator_journal_off"] = []
        if fast is not None:
            targets["emulator_fast_route"] = fast.info.url("provincial") + route
            runs["emulator_fast_route"] = []
        try:
            for url in targets.values():   # warm up (the JVM's JIT, the emulator's caches)
                wrk(url, seconds=5, connections=args.connections, cpus=generator_cpu)
            for _ in range(args.rounds):
                for name, url in targets.items():
                    runs[name].append(wrk(url, seconds=args.seconds, connections=args.connections,
                                          cpus=generator_cpu).to_json())
        finally:
            mock.stop()
            for extra in (proposal, fast):
                if extra is not None:
                    extra.stop()
    medians = {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()}
    emulator, wiremock = medians["emulator"], medians["wiremock"]
    show(f"the catalogue (GET {route}) beside WireMock's static stub of the same bytes", {
        "emulator": "journal off (proposal)" if args.no_journal else "as shipped",
        "cores": cores(), "load_average": os.getloadavg()[0], "body_bytes": len(body),
        "generator": f"wrk -t1 -c{args.connections}, {args.seconds:g} s a run, pinned to core {generator_cpu}",
        "servers_pinned_to_core": server_cpu, "runs": runs,
        "rps_median": {k: round(v, 1) for k, v in medians.items()},
        "ratio_to_wiremock": {k: round(v / wiremock, 3) for k, v in medians.items() if wiremock},
    })
    print(f"\nemulator {emulator:,.0f} req/s, WireMock {wiremock:,.0f} req/s: "
          f"the emulator at {emulator / wiremock:.2f}× WireMock (goal: above 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
