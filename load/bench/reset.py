"""How long resetting one namespace takes, on each service, with data in it and in others.

    python -m load.bench.reset [--dossiers 20] [--others 5]

Fills the measured namespace with citizens and dossiers (and `--others` namespaces with the
same), then times `POST /_admin/reset` on each of the four services.
"""

from __future__ import annotations

import argparse
import json
import time

import requests

from harness.clients import Platform
from harness.testdata import DataFactory
from load.bench.common import Serve

SERVICES = ("national", "provincial", "payment", "postal")


def fill(platform: Platform, factory: DataFactory, dossiers: int) -> None:
    citizen = factory.citizen()
    platform.national.register_active(citizen)
    platform.provincial.login_sso(citizen["id_number"], citizen["password"])
    for _ in range(dossiers):
        platform.provincial.submit("9.100006")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=20)
    parser.add_argument("--others", type=int, default=5)
    args = parser.parse_args(argv)
    with Serve() as stack:
        factory = DataFactory(seed=1, scope="bench-reset")
        for i in range(args.others):
            fill(Platform.connect(stack.info, namespace=f"other-{i}"), factory, args.dossiers)
        fill(Platform.connect(stack.info, namespace="measured"), factory, args.dossiers)
        time.sleep(1)                                   # let the sync pushes go out
        timings = {}
        for service in SERVICES:
            started = time.perf_counter()
            requests.post(f"{stack.info.url(service)}/_admin/reset", timeout=30, headers={
                "X-Admin-Token": stack.info.admin_token, "X-DVC-Namespace": "measured"}).raise_for_status()
            timings[service] = round((time.perf_counter() - started) * 1000, 1)
    print(json.dumps({"dossiers_per_namespace": args.dossiers, "other_namespaces": args.others,
                      "reset_ms": timings}, indent=2))
    print(f"\nreset of one namespace: {', '.join(f'{k} {v} ms' for k, v in timings.items())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
