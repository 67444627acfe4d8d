"""The load generator's cost: requests per CPU-second of the load's real users through the whole mix, beside a
bare Locust FastHttpUser sending the same requests, in the same run.

    python -m load.bench.generator [--profile campaign-peak] [--users 20] [--seconds 15] [--rounds 3]

The emulator gets core 1, each Locust process core 0, one after another:
- **harness**: `load/locustfile.py` as `dvc-harness load` runs it: the profile's mix (campaign-peak's by
  default: browsing, tracking, level-3 and level-4 submissions with payments and the post, and its officer
  teams; `--profile smoke`: every journey alike), with no think time, each visitor over the load's measured
  session (load/measured.py on geventhttpclient), the test control unmeasured beside it;
- **bare FastHttpUser**: the requests a first harness run sent (recorded: method, URL, header fields, body,
  name), replayed with no think time by Locust's FastHttpUser, nothing decoded or checked;
- **requests** (unless --no-requests): the harness run again over Locust's requests-based HttpSession (what
  the load used before; an `--api` factory with `requests_session = True` still gets it).
Each process is measured over a window after a warm-up: the requests Locust recorded / the CPU seconds the
process used, so a server that is the bottleneck neither flatters nor spoils the figure. The medians of the
rounds are compared; the load average is printed with them (the machine is shared).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from harness.load_cmd import locustfile
from load import journeys, profiles
from load.bench.common import Serve, cores, pinned, show
from scenarios.api.seam import ApiPortals, emulator_api

HERE = Path(__file__).parent
METER = HERE / "generator_meter.py"
REPLAY = HERE / "generator_users.py"
OFFERED_JOURNEYS_PER_S = 500.0      # more than one core serves: the visitors in flight stay at the cap


def requests_api(session: Any, urls: Mapping[str, str], *, namespace: str, admin_token: str | None = None
                 ) -> ApiPortals:
    """The emulators' factory, asking for Locust's requests-based session (the load before geventhttpclient)."""
    return emulator_api(session, urls, namespace=namespace, admin_token=admin_token)


requests_api.requests_session = True  # type: ignore[attr-defined]


@dataclasses.dataclass
class Bench:
    stack: Serve
    profile: profiles.Profile
    catalogue: dict[str, Any]
    tmp: Path
    cpus: str | None
    warmup_s: float
    seconds: float

    def _locust(self, files: list[Path | str], extra: list[str], env: dict[str, str]) -> dict[str, float]:
        out = self.tmp / f"window-{uuid.uuid4().hex[:6]}.json"
        cmd = [sys.executable, "-m", "locust", "-f", ",".join(str(f) for f in files), "--headless",
               "--host", self.stack.info.url("provincial"), "--only-summary", "--loglevel", "WARNING",
               "--exit-code-on-error", "0", "--stop-timeout", "1", *extra]
        env = {**os.environ, **env, "DVC_BENCH_OUT": str(out), "DVC_BENCH_WARMUP_S": str(self.warmup_s),
               "DVC_BENCH_SECONDS": str(self.seconds)}
        log = self.tmp / "locust.log"
        with open(log, "a", encoding="utf-8") as f:
            subprocess.run(pinned(cmd, self.cpus), stdout=f, stderr=f, env=env, check=False,
                           timeout=self.warmup_s + self.seconds + 120)
        if not out.exists():
            raise SystemExit(f"a Locust run measured nothing; its log: {log}")
        figures = json.loads(out.read_text(encoding="utf-8"))
        figures["rps_per_cpu_s"] = round(figures["requests"] / figures["cpu_s"], 1) if figures["cpu_s"] else 0.0
        figures["bytes_per_request"] = round(figures["bytes"] / figures["requests"]) if figures["requests"] else 0
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}

    def harness(self, *, api: str | None = None, record: Path | None = None) -> dict[str, float]:
        """The real users through the mix, in a namespace of their own."""
        config = {"profile": self.profile.to_json(), "namespace": f"bench-gen-{uuid.uuid4().hex[:8]}",
                  "services": self.stack.info.services, "admin_token": self.stack.info.admin_token,
                  "emulator": True, "api": api, "seed": None, "report_dir": str(self.tmp / "report"),
                  "catalogue": self.catalogue}
        path = self.tmp / "config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        env = {"DVC_BENCH_RECORD": str(record)} if record else {}
        return self._locust([locustfile(), METER], ["--dvc-config", f"@{path}"], env)

    def bare(self, recorded: Path, users: int) -> dict[str, float]:
        """Locust's FastHttpUser replaying what the harness sent."""
        return self._locust([REPLAY, METER], ["-u", str(users), "-r", str(users), "-t",
                                              f"{self.warmup_s + self.seconds + 60:g}s"],
                            {"DVC_BENCH_REPLAY": str(recorded)})


def bench_profile(name: str, users: int, warmup_s: float, seconds: float) -> profiles.Profile:
    """The profile's mix with no think time, long enough for the window: in its own mode, `users` visitors at
    once (arrival: journeys offered faster than one core serves them, `users` in flight; each new one is chosen
    by the mix, so the visits follow it), its officer teams beside them."""
    base = profiles.load(name)
    common = {"ramp_s": 1.0, "hold_s": warmup_s + seconds + 60, "mix": base.mix_shares(), "steps": None,
              "think_min_s": 0.0, "think_max_s": 0.0, "officer_think_min_s": 0.0, "officer_think_max_s": 0.0}
    if base.mode == "arrival":
        return dataclasses.replace(base, rate=OFFERED_JOURNEYS_PER_S, max_in_flight=users, **common)
    return dataclasses.replace(base, users=users, spawn_rate=float(users), **common)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="campaign-peak", help="whose mix (and officer teams) to run")
    parser.add_argument("--users", type=int, default=20, help="visitors at once (and replaying users)")
    parser.add_argument("--seconds", type=float, default=15, help="the measured window of each run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before the window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-requests", action="store_true", help="leave out the requests-based session")
    args = parser.parse_args(argv)
    server_cpu, generator_cpu = ("1", "0") if cores() >= 2 else (None, None)
    profile = bench_profile(args.profile, args.users, args.warmup, args.seconds)
    kinds = ["harness", "bare_fasthttp"] + ([] if args.no_requests else ["harness_requests"])
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    load_average = [round(os.getloadavg()[0], 2)]
    with tempfile.TemporaryDirectory(prefix="dvc-bench-gen-") as tmp, Serve(cpus=server_cpu) as stack:
        with requests.Session() as session:
            portals = emulator_api(session, stack.info.services, namespace="bench-gen", admin_token=None)
            catalogue = journeys.catalogue_json(journeys.read_catalogue(
                portals, profile.mix_shares(), officers=profile.officers > 0))
        bench = Bench(stack, profile, catalogue, Path(tmp), generator_cpu, args.warmup, args.seconds)
        recorded = Path(tmp) / "recorded.json"
        bench.harness(record=recorded)          # what the baseline replays (this run's own figure is not used)
        replaying = args.users + profile.officers       # as many greenlets as the real run
        for n in range(args.rounds):
            runs["harness"].append(bench.harness())
            runs["bare_fasthttp"].append(bench.bare(recorded, replaying))
            if not args.no_requests:
                runs["harness_requests"].append(bench.harness(api="load.bench.generator:requests_api"))
            load_average.append(round(os.getloadavg()[0], 2))
            print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]['rps_per_cpu_s']:,.0f}" for k, v in runs.items())
                  + f" req/s per CPU-second (load average {load_average[-1]})", flush=True)
        sent = len(json.loads(recorded.read_text(encoding="utf-8")))
    median = {k: statistics.median(r["rps_per_cpu_s"] for r in v) for k, v in runs.items()}
    ratio = median["harness"] / median["bare_fasthttp"]
    figures: dict[str, Any] = {
        "cores": cores(), "load_average": load_average, "profile": args.profile, "mix": profile.mix_shares(),
        "visitors": args.users, "officer_teams": profile.officers, "window_s": args.seconds,
        "warmup_s": args.warmup, "recorded_requests_replayed": sent, "runs": runs,
        "rps_per_cpu_s_median": median, "ratio_harness_to_bare_fasthttp": round(ratio, 3),
    }
    if "harness_requests" in median:
        figures["ratio_requests_session_to_bare_fasthttp"] = round(median["harness_requests"]
                                                                   / median["bare_fasthttp"], 3)
    show("requests per CPU-second of the load generator: the whole mix, and a bare FastHttpUser replaying it",
         figures)
    print(f"\nharness users {median['harness']:,.0f} req/s per core, bare FastHttpUser "
          f"{median['bare_fasthttp']:,.0f}: ratio {ratio:.2f}"
          + (f" (the requests-based session: {median['harness_requests']:,.0f}, ratio "
             f"{median['harness_requests'] / median['bare_fasthttp']:.2f})" if "harness_requests" in median else "")
          + f"; load average {load_average[0]} → {load_average[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
