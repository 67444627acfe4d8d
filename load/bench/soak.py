"""A long campaign run: does the stack stay flat? Memory, descriptors and latency minute by minute.

    python -m load.bench.soak MINUTES [--multiple 6] [--workers 2] [--json PATH] [--keep DIR]

The campaign mix (load/profiles/campaign-peak.toml: arrivals at a rate, visitors thinking 2–8 s,
two officer teams) at MULTIPLE × the modelled peak — a 30 s ramp, then a hold to the end — from
`dvc-harness load`, against `dvc-harness serve --workers N` in a fresh state folder, both on this
machine. Every minute it prints a line per worker process (its RSS, open descriptors and those on
SQLite files, SQLite's own memory and connections, its CPU), from `GET /_admin/resources`, and a
line for the load: requests per second, failures, retries (load/retry.py) and the p95 of each of
the profile's request groups in that minute (from load/timeline.py). At the end: the growth of RSS
and descriptors over the second half, the p95 of the last 5 minutes against the first 5 (minute 0,
the ramp, left out: the same offered rate), the size of the state's files, and the load's own
verdict (SLOs, nothing lost). The goals (docs/limits.md, "Long runs"): growth under 5 %, p95 within
1.5×, no failed request. `--keep DIR` keeps the stack's state folder and the load's report (the
visits' failure reasons, load-results.json) there, to look into afterwards (load.bench.growing_queries).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from load import profiles
from load.bench.common import Serve, cores
from load.names import matches
from load.slo import Counts

PROFILE = """
name = "soak"
extends = "campaign-peak"
description = "The campaign mix at {multiple:g}x the modelled peak, held for {minutes} minutes"
[load]
rate = {rate}
ramp_s = {ramp_s}
hold_s = {hold_s}
[slo.hard]          # a soak rides out a slow spell (a busy machine) to see whether the stack recovers
p99_ms = 120000
"""
RAMP_S = 30
TAIL_S = 45                 # the load runs on past the last sample: every sample is taken under load
MINUTE = 60
STATS_LAG_S = 15            # the load writes its 10-s figures when each 10 s is over: wait for them
GOAL_GROWTH = 0.05
GOAL_P95_RATIO = 1.5
MB = 1024 * 1024


# -- the load's figures, a minute at a time --------------------------------------------------------------
@dataclass
class LoadMinute:
    requests: int = 0
    failures: int = 0
    retries: int = 0
    groups: dict[str, Counts] = field(default_factory=dict)

    def p95(self, group: str) -> float | None:
        counts = self.groups.get(group)
        return counts.percentile(0.95) if counts else None


def read_timeline(pattern: str) -> list[dict[str, Any]]:
    """Every 10-s line of every load process (load/timeline.py), each with the retries it made in it."""
    lines: list[dict[str, Any]] = []
    for path in glob.glob(pattern + ".*"):
        made = 0
        for text in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(text)
            except ValueError:   # a line being written
                continue
            line["retries"] = line.get("retries_made", 0) - made
            made = line.get("retries_made", 0)
            lines.append(line)
    return lines


def load_minute(lines: Iterable[Mapping[str, Any]], start: float, end: float,
                groups: Sequence[profiles.SloGroup]) -> LoadMinute:
    """The requests of [start, end), summed over the load processes, and grouped as the profile's SLOs."""
    out = LoadMinute()
    for line in lines:
        if not start <= line["t"] < end:
            continue
        out.retries += line.get("retries", 0)
        for key, (n, f, histogram) in line["requests"].items():
            out.requests += n
            out.failures += f
            method, _, name = key.partition(" ")
            for group in groups:
                if matches(method, name, group.match):
                    out.groups.setdefault(group.name, Counts()).add(
                        Counts(n, f, {int(ms): c for ms, c in histogram.items()}))
    return out


# -- the workers -------------------------------------------------------------------------------------------
def sample_workers(url: str, token: str, workers: int, tries: int = 40) -> dict[int, dict[str, Any]]:
    """`GET /_admin/resources` of each worker process: a new connection each time, until each has answered
    (the kernel spreads new connections over the workers)."""
    found: dict[int, dict[str, Any]] = {}
    for _ in range(tries):
        try:
            answer = requests.get(f"{url}/_admin/resources", headers={"X-Admin-Token": token, "Connection": "close"},
                                  timeout=10)
        except requests.RequestException:
            continue
        if answer.ok:
            found[int(answer.headers.get("X-DVC-Worker", "0"))] = answer.json()
        if len(found) >= workers:
            break
    return found


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime


def cpu_pressure() -> float | None:
    """Linux PSI: the share of the last minute some task waited for a CPU (others' work on a shared machine)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return float(dict(f.split("=") for f in first.split()[1:])["avg60"])


def growth(values: Sequence[float | None]) -> float | None:
    """The trend over the second half of the run, relative to its level: the least-squares slope times the
    span, over the mean (threads and connections come and go from minute to minute: noise, not growth)."""
    known = [v for v in values if v is not None]
    half = known[len(known) // 2:]
    if len(half) < 2:
        return None
    n = len(half)
    mean_x, mean_y = (n - 1) / 2, sum(half) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(half)) / sum((x - mean_x) ** 2 for x in range(n))
    return slope * (n - 1) / mean_y if mean_y else None


def merged_p95(minutes: Sequence[LoadMinute], group: str) -> float | None:
    total = Counts()
    for minute in minutes:
        if group in minute.groups:
            total.add(minute.groups[group])
    return total.percentile(0.95)


# -- the run ------------------------------------------------------------------------------------------------
def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def worker_line(minute: int, index: int, sample: Mapping[str, Any], cpu: float | None) -> str:
    fds = sample.get("descriptors") or {}
    sqlite = sample["sqlite"]
    return (f"{minute:>4}  worker {index}: RSS {fmt((sample['rss_bytes'] or 0) / MB, '6.1f')} MB  "
            f"fds {fds.get('open', '-'):>4} (SQLite files {fds.get('sqlite_files', '-'):>3})  "
            f"SQLite {fmt((sqlite['memory_bytes'] or 0) / MB, '5.1f')} MB in {sqlite['connections']:>3} connections  "
            f"threads {sample['threads']:>3}  CPU {fmt(cpu, '3.0f')} %")


def load_line(minute: int, figures: LoadMinute, groups: Sequence[profiles.SloGroup], machine: str) -> str:
    p95 = "  ".join(f"{g.name} {fmt(figures.p95(g.name))}" for g in groups)
    return (f"{minute:>4}  load: {figures.requests / MINUTE:5.1f} req/s, {figures.failures} failed, "
            f"{figures.retries} retried; p95 ms: {p95}  ({machine})")


def machine_line() -> str:
    return f"machine: load {os.getloadavg()[0]:.1f}, CPU pressure {fmt(cpu_pressure(), '.0f')} %"


def state_files(state: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(state.glob("*.db*"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("minutes", type=int, help="length of the run (30 for the figures of docs/limits.md)")
    parser.add_argument("--multiple", type=float, default=6.0, help="of the modelled campaign peak (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="serve --workers N (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the state folder and the load's report here at the end (DIR/state, DIR/report)")
    parser.add_argument("--from", dest="from_state", type=Path, default=None,
                        help="start the stack on a copy of a kept state folder (an earlier --keep's DIR/state): "
                             "the same data in new processes tells what grows with the data from what grows with "
                             "a process's age")
    args = parser.parse_args(argv)
    if args.minutes < 2:
        parser.error("MINUTES: at least 2 (the first minute has the ramp)")
    peak = profiles.load("campaign-peak")
    rate = args.multiple * peak.rate
    groups = peak.slo.groups
    print(f"soak: {args.minutes} min of the campaign mix at {args.multiple:g}× the peak ({rate:.2f} journeys/s), "
          f"serve --workers {args.workers}; {cores()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    samples: list[dict[int, dict[str, Any]]] = []
    cpu: list[dict[int, float | None]] = []
    minutes: list[LoadMinute] = []
    machine: list[dict[str, float | None]] = []
    with (tempfile.TemporaryDirectory(prefix="dvc-soak-") as tmp,
          Serve(workers=args.workers, from_state=args.from_state) as stack):
        work = Path(tmp)
        profile = work / "soak.toml"
        profile.write_text(PROFILE.format(multiple=args.multiple, minutes=args.minutes, rate=round(rate, 4),
                                          ramp_s=RAMP_S, hold_s=args.minutes * MINUTE - RAMP_S + TAIL_S),
                           encoding="utf-8")
        timeline = str(work / "timeline")
        url, token = stack.info.url("provincial"), stack.info.admin_token
        before = sample_workers(url, token, args.workers)
        last_cpu = {i: cpu_seconds(s["pid"]) for i, s in before.items()}
        with open(work / "load.out", "w", encoding="utf-8") as out:
            load = subprocess.Popen(
                [sys.executable, "-m", "harness.load_cmd", "--profile", str(profile), "--state-dir", str(stack.state),
                 "--report-dir", str(work / "report")],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "DVC_LOAD_TIMELINE": timeline})
            t0 = (time.time() // 10 + 1) * 10      # the timeline's 10 s start on multiples of 10
            try:
                for minute in range(args.minutes):
                    time.sleep(max(t0 + (minute + 1) * MINUTE - time.time(), 0))
                    if load.poll() is not None:
                        print(f"soak: the load stopped after minute {minute - 1} (exit {load.returncode}): "
                              "see its verdict below", flush=True)
                        break
                    found = sample_workers(url, token, args.workers)
                    now_cpu = {i: cpu_seconds(s["pid"]) for i, s in found.items()}
                    cpu.append({i: (None if now_cpu[i] is None or last_cpu.get(i) is None
                                    else 100 * (now_cpu[i] - last_cpu[i]) / MINUTE) for i in found})  # type: ignore[operator]
                    last_cpu = now_cpu
                    samples.append(found)
                    time.sleep(STATS_LAG_S)
                    figures = load_minute(read_timeline(timeline), t0 + minute * MINUTE, t0 + (minute + 1) * MINUTE,
                                          groups)
                    minutes.append(figures)
                    for index in sorted(found):
                        print(worker_line(minute, index, found[index], cpu[-1][index]))
                    machine.append({"load": os.getloadavg()[0], "cpu_pressure": cpu_pressure()})
                    print(load_line(minute, figures, groups, machine_line()), flush=True)
                code = load.wait(timeout=600)
            finally:
                if load.poll() is None:
                    load.terminate()
                    load.wait(60)
        files = state_files(stack.state)
        if args.keep:
            keep(stack, work / "report", args.keep)
        verdict = (work / "load.out").read_text(encoding="utf-8").split("dvc-harness load: profile soak", 1)[-1]
        results_path = work / "report" / "load-results.json"
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
    summary = summarise(samples, minutes, groups, files, code, results)
    pressures = sorted(m["cpu_pressure"] for m in machine if m["cpu_pressure"] is not None)
    summary["cpu_pressure_median"] = pressures[len(pressures) // 2] if pressures else None
    summary["quiet_p95"] = quiet_p95(minutes, machine, groups)
    print("\n== load's own verdict" + verdict)
    print(report(summary, args))
    if args.json:
        args.json.write_text(json.dumps({"args": {"minutes": args.minutes, "multiple": args.multiple,
                                                  "workers": args.workers, "rate": rate},
                                         "samples": samples, "cpu": cpu, "machine": machine,
                                         "minutes": [{"requests": m.requests, "failures": m.failures,
                                                      "retries": m.retries,
                                                      "p95": {g.name: m.p95(g.name) for g in groups}}
                                                     for m in minutes],
                                         "summary": summary}, indent=1), encoding="utf-8")
    return 0 if summary["goals_met"] else 1


def keep(stack: Serve, report: Path, into: Path) -> None:
    """The state folder (the stack stopped first: its databases whole) and the load's report, copied."""
    stack.stop(cleanup=False)
    into.mkdir(parents=True, exist_ok=True)
    shutil.copytree(stack.state, into / "state", dirs_exist_ok=True)
    if report.exists():
        shutil.copytree(report, into / "report", dirs_exist_ok=True)
    print(f"soak: the state folder and the load's report are kept in {into}", flush=True)


def summarise(samples: Sequence[Mapping[int, Mapping[str, Any]]], minutes: Sequence[LoadMinute],
              groups: Sequence[profiles.SloGroup], files: Mapping[str, int], load_exit: int,
              results: Mapping[str, Any]) -> dict[str, Any]:
    workers = sorted({i for s in samples for i in s})
    per_worker = {}
    for i in workers:
        series = [s.get(i) for s in samples]
        rss = [x["rss_bytes"] if x else None for x in series]
        fds = [(x.get("descriptors") or {}).get("open") if x else None for x in series]
        db = [(x.get("descriptors") or {}).get("sqlite_files") if x else None for x in series]
        per_worker[i] = {"rss_mb": [fmt(v / MB, ".1f") if v else None for v in rss],
                         "rss_growth_second_half": growth(rss), "fds_growth_second_half": growth(fds),
                         "sqlite_fds_growth_second_half": growth(db)}
    span = min(5, max((len(minutes) - 1) // 2, 1))
    first, last = minutes[1:1 + span], minutes[-span:]
    p95 = {}
    for g in groups:
        a, b = merged_p95(first, g.name), merged_p95(last, g.name)
        p95[g.name] = {"first": a, "last": b, "ratio": round(b / a, 2) if a and b else None}
    failures = sum(m.failures for m in minutes)
    retries = sum(m.retries for m in minutes)
    grew = [v for w in per_worker.values() for k, v in w.items() if k.endswith("growth_second_half") and v is not None]
    ratios = [v["ratio"] for v in p95.values() if v["ratio"] is not None]
    return {"workers": per_worker, "p95_window_minutes": span, "p95": p95, "requests": sum(m.requests for m in minutes),
            "failures": failures, "retries": retries, "retried_by_name": results.get("retries", {}),
            "state_files_bytes": dict(files), "load_exit": load_exit,
            "goals_met": bool(grew) and max(grew) < GOAL_GROWTH and bool(ratios) and max(ratios) <= GOAL_P95_RATIO
            and failures == 0}


def quiet_p95(minutes: Sequence[LoadMinute], machine: Sequence[Mapping[str, float | None]],
              groups: Sequence[profiles.SloGroup], count: int = 3) -> dict[str, Any] | None:
    """On a shared machine others' work moves the p95 more than an hour of data does: the p95 of the `count`
    minutes of each half (the ramp left out) when the machine was quietest (least CPU pressure)."""
    if len(minutes) < 2 * count + 1 or any(m["cpu_pressure"] is None for m in machine):
        return None
    middle = (len(minutes) + 1) // 2

    def quietest(indexes: range) -> list[int]:
        return sorted(sorted(indexes, key=lambda i: machine[i]["cpu_pressure"])[:count])  # type: ignore[arg-type, return-value]

    first, second = quietest(range(1, middle)), quietest(range(middle, len(minutes)))
    out: dict[str, Any] = {"first_minutes": first, "second_minutes": second, "groups": {},
                           "cpu_pressure": [[machine[i]["cpu_pressure"] for i in first],
                                            [machine[i]["cpu_pressure"] for i in second]]}
    for g in groups:
        a, b = merged_p95([minutes[i] for i in first], g.name), merged_p95([minutes[i] for i in second], g.name)
        out["groups"][g.name] = {"first": a, "last": b, "ratio": round(b / a, 2) if a and b else None}
    return out


def report(summary: Mapping[str, Any], args: argparse.Namespace) -> str:
    lines = [f"\n== soak: {args.minutes} min at {args.multiple:g}× the peak, {args.workers} workers"]
    for i, w in summary["workers"].items():
        lines.append(f"  worker {i}: growth over the second half: RSS {fmt_pct(w['rss_growth_second_half'])}, "
                     f"descriptors {fmt_pct(w['fds_growth_second_half'])}, on SQLite files "
                     f"{fmt_pct(w['sqlite_fds_growth_second_half'])} (goal < {GOAL_GROWTH:.0%})")
    span = summary["p95_window_minutes"]
    lines.append(f"  p95, the last {span} min against minutes 1–{span} (goal ≤ {GOAL_P95_RATIO}×): " + ", ".join(
        f"{name} {fmt(v['first'])} → {fmt(v['last'])} ms ({fmt(v['ratio'], '.2f')}×)"
        for name, v in summary["p95"].items()))
    quiet = summary.get("quiet_p95")
    if quiet:
        lines.append(f"  p95 in the quietest minutes of each half (minutes {quiet['first_minutes']}, CPU pressure "
                     f"{quiet['cpu_pressure'][0]} %, against {quiet['second_minutes']}, {quiet['cpu_pressure'][1]} %): "
                     + ", ".join(f"{name} {fmt(v['first'])} → {fmt(v['last'])} ms ({fmt(v['ratio'], '.2f')}×)"
                                 for name, v in quiet["groups"].items()))
    lines.append(f"  {summary['requests']} requests, {summary['failures']} failed, {summary['retries']} retried "
                 "after meeting a connection closed while idle")
    lines.append("  state files: " + ", ".join(f"{name} {size / MB:.1f} MB"
                                               for name, size in summary["state_files_bytes"].items()))
    pressure = summary.get("cpu_pressure_median")
    if pressure is not None:
        lines.append(f"  the machine: tasks waited for a CPU {pressure:.0f} % of the time (median of the minutes; "
                     "others' work on a shared machine slows both the stack and the load)")
    lines.append(f"  the load exited {summary['load_exit']}; goals {'met' if summary['goals_met'] else 'NOT met'}")
    return "\n".join(lines)


def fmt_pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


if __name__ == "__main__":
    raise SystemExit(main())
