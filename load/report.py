"""The reports of a load run: the SLO table for the terminal, JUnit XML, a summary JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from .chart import run_svg
from .consistency import Report as ConsistencyReport
from .profiles import Profile
from .slo import FAIL, NO_DATA, PASS, Outcome, Snapshot, Verdict, arrivals_in

JUNIT = "load-junit.xml"
SUMMARY = "load-summary.json"


def warnings(results: dict[str, Any]) -> list[str]:
    out = []
    bound = (results.get("cpu") or {}).get("bound") or {}
    if bound:
        nodes = ", ".join(f"{node} {cpu:.0f} %" for node, cpu in bound.items())
        out.append(f"UNRELIABLE: the load generator itself was CPU-bound ({nodes} of a core, limit "
                   f"{results['cpu']['limit_percent']:.0f} %): it may have offered less load and measured slower "
                   "answers than the system gave. Spread it over more processes (--processes N) or machines.")
    return out


def group_rows(outcome: Outcome) -> tuple[list[Verdict], list[dict[str, Any]]]:
    """The verdicts of the run as a capacity lead reads them: the run's own (failure ratio, throughput,
    arrivals, ...), then one row per request group with its p95 and p99 side by side."""
    general = [v for v in outcome.verdicts if v.group is None]
    rows: dict[str, dict[str, Any]] = {}
    for v in outcome.verdicts:
        if v.group is None:
            continue
        row = rows.setdefault(v.group, {"name": v.group, "verdicts": {}, "samples": v.samples or 0,
                                        "optional": v.optional, "detail": v.detail})
        row["verdicts"][v.name.rsplit(" ", 1)[-1]] = v
    for row in rows.values():
        states = [v.state for v in row["verdicts"].values()]
        row["state"] = FAIL if FAIL in states else (NO_DATA if NO_DATA in states else PASS)
        row["ok"] = all(v.ok for v in row["verdicts"].values())
        row["label"] = next(v.label for v in row["verdicts"].values() if v.state == row["state"])
    return general, list(rows.values())


def html_view(profile: Profile, outcome: Outcome, results: dict[str, Any] | None) -> dict[str, Any]:
    """What the HTML reports show of the verdicts, ready to draw (harness/templates/load_section.html reads it
    from load-summary.json): the run's own verdicts, one row per request group, the advice on groups that
    matched nothing, and the chart as inline SVG."""
    general, groups = group_rows(outcome)
    return {
        "general": [v.to_json() for v in general],
        "groups": [{**row, "verdicts": {q: v.to_json() for q, v in row["verdicts"].items()}} for row in groups],
        "advice": no_data_advice(outcome),
        "matches": {g.name: list(g.match) for g in profile.slo.groups},
        "chart": run_svg((results or {}).get("timeline") or [],
                         [{"name": g.name, "p95_ms": g.p95_ms, "p99_ms": g.p99_ms} for g in profile.slo.groups],
                         arrival=profile.mode == "arrival"),
    }


def no_data_advice(outcome: Outcome) -> list[str]:
    """What to tell a team whose SLO groups matched nothing: the groups, and the request names the run saw."""
    if not outcome.unmatched:
        return []
    lines = [f"SLO groups that matched no request: {', '.join(outcome.unmatched)} — fix their match globs "
             "([slo.groups.NAME] match), or mark a group optional = true"]
    if outcome.seen:
        lines.append("requests this run made (METHOD name: count):")
        lines += [f"  {name}: {count}" for name, count in outcome.seen.items()]
    else:
        lines.append("this run made no request")
    return lines


def table(profile: Profile, outcome: Outcome, consistency: ConsistencyReport | None, results: dict[str, Any]) -> str:
    final = Snapshot.from_json(results["final"]).minus(Snapshot.from_json(results["start"]))
    total = final.total()
    started, dropped, offered = arrivals_in(results.get("arrivals") or {}, results.get("rates") or [],
                                            float(results["start"]["at"]), float(results["final"]["at"]))
    lines = [f"dvc-harness load: profile {profile.name} ({profile.mode}) on {results.get('host', '?')}, "
             f"namespace {results.get('namespace')}, {results.get('clock', '?')}",
             f"  {total.n} requests, {total.f} failed, {final.rps:.1f} req/s over {final.duration_s:.0f} s"
             + (f"; {started} visitors started of {offered:.0f} offered, {dropped} dropped"
                if profile.mode == "arrival" else ""),
             f"  SLOs measured on: {'the hold, after the ramp' if outcome.window == 'hold' else 'the whole run'}", ""]
    general, groups = group_rows(outcome)
    width = max([len(v.name) for v in general] + [len(r["name"]) for r in groups] + [10])
    lines.append(f"  {'SLO':<{width}}  {'verdict':<18}  measured (limit)")
    for v in general:
        shown = v.text if v.measured is not None or v.limit is not None else ""
        lines.append(f"  {v.name:<{width}}  {v.label:<18}  {shown}"
                     + (f"  — {v.detail}" if v.detail and (not v.ok or v.state == NO_DATA or v.name == "breakpoint")
                        else ""))
    for row in groups:
        figures = " · ".join(f"{q} {v.text}" for q, v in row["verdicts"].items())
        lines.append(f"  {row['name']:<{width}}  {row['label']:<18}  {figures}"
                     + (f"  — {row['detail']}" if row["state"] != PASS else f"  — {row['samples']} requests"))
    if outcome.breakpoint:
        lines.append("")
        for step in outcome.breakpoint["steps"]:
            state = "held" if step["ok"] else "broke: " + "; ".join(step["failed"])
            lines.append(f"  step {step['index'] + 1:>2}: {step['target']:g} {outcome.breakpoint['unit']}, "
                         f"{step['rps']:.1f} req/s — {state}")
    advice = no_data_advice(outcome)
    if advice:
        lines += [""] + [f"  {line}" for line in advice]
    if consistency is not None:
        lines += ["", "  " + consistency.summary()]
        for problem in consistency.problems[:10]:
            lines.append(f"    {problem.kind}: {problem.key} — {problem.detail}")
        if len(consistency.problems) > 10:
            lines.append(f"    ... and {len(consistency.problems) - 10} more (load-summary.json)")
    journeys = results.get("journeys") or {}
    if journeys:
        def counts(v: dict[str, int]) -> str:
            return "/".join(f"{n} {k}" for k, n in v.items() if n or k == "ok")
        lines += ["", "  journeys: " + "; ".join(f"{k} {counts(v)}" for k, v in sorted(journeys.items()))]
    for warning in warnings(results):
        lines += ["", "  " + warning]
    return "\n".join(lines)


def write_junit(path: Path, profile: Profile, outcome: Outcome, consistency: ConsistencyReport | None,
                results: dict[str, Any], *, error: str | None = None) -> None:
    suite = ET.Element("testsuite", name=f"dvc-harness load: {profile.name}")
    cases = 0
    failures = errors = 0
    props = ET.SubElement(suite, "properties")
    for name, value in (("profile", profile.name), ("mode", profile.mode), ("namespace", results.get("namespace", "")),
                        ("host", results.get("host", "")), ("clock", results.get("clock", "")),
                        ("window", outcome.window), ("reliable", "false" if warnings(results) else "true")):
        ET.SubElement(props, "property", name=name, value=str(value))
    duration = max(float(results.get("ended_at", 0)) - float(results.get("started_at", 0)), 0.0)
    advice = "\n".join(no_data_advice(outcome))
    for v in outcome.verdicts:
        case = ET.SubElement(suite, "testcase", classname=f"load.{profile.name}.slo", name=v.name, time="0")
        cases += 1
        if v.state == NO_DATA:      # nothing measured: a failure, or a skip when the profile says optional
            said = f"{v.name}: NO DATA — {v.detail}"
            if v.optional:
                ET.SubElement(case, "skipped", message=said + " (optional)")
            else:
                failures += 1
                ET.SubElement(case, "failure", message=said).text = advice or v.detail
        elif not v.ok:
            failures += 1
            failure = ET.SubElement(case, "failure", message=f"{v.name}: {v.text}")
            failure.text = v.detail
        else:
            ET.SubElement(case, "system-out").text = f"{v.text} {v.detail}".strip()
    if consistency is not None:
        case = ET.SubElement(suite, "testcase", classname=f"load.{profile.name}.consistency",
                             name="nothing accepted is lost", time="0")
        cases += 1
        if consistency.skipped:
            ET.SubElement(case, "skipped", message=consistency.skipped)
        elif not consistency.ok:
            failures += 1
            failure = ET.SubElement(case, "failure", message=consistency.summary())
            failure.text = "\n".join(f"{p.kind}: {p.key} — {p.detail}" for p in consistency.problems[:200])
        else:
            ET.SubElement(case, "system-out").text = consistency.summary()
    if error:
        case = ET.SubElement(suite, "testcase", classname=f"load.{profile.name}", name="the run", time="0")
        cases += 1
        errors += 1
        ET.SubElement(case, "error", message=error)
    text = "\n".join(warnings(results))
    if text:
        ET.SubElement(suite, "system-err").text = text
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("time", f"{duration:.1f}")
    ET.indent(suite)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n",
                    encoding="utf-8")


def measured(results: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the run did, from its results: seconds, requests, failures, req/s."""
    if not results or "final" not in results:
        return None
    window = Snapshot.from_json(results["final"]).minus(Snapshot.from_json(results.get("start") or {}))
    seconds = max(float(results.get("ended_at") or 0) - float(results.get("started_at") or 0), 0.0)
    total = window.total()
    return {"seconds": round(seconds, 1), "requests": total.n, "failures": total.f,
            "rps": round(total.n / seconds, 2) if seconds > 0 else 0.0}


def write_summary(path: Path, profile: Profile, outcome: Outcome | None, consistency: ConsistencyReport | None,
                  results: dict[str, Any] | None, exit_code: int, *, error: str | None = None,
                  interrupted: bool = False) -> None:
    summary = {
        "profile": profile.name, "mode": profile.mode, "exit_code": exit_code, "error": error,
        "interrupted": interrupted,
        "description": profile.description,
        # the schedule asked for: peak users (users mode) or journeys/s (arrival mode), and its length
        "peak": profile.peak, "peak_unit": "journeys/s" if profile.mode == "arrival" else "users",
        "officers": profile.officers, "duration_s": profile.duration_s,
        "measured": measured(results),
        "namespace": (results or {}).get("namespace"),
        "host": (results or {}).get("host"), "clock": (results or {}).get("clock"),
        "campaign": profile.campaign,
        "slo": {"ok": outcome.ok, "window": outcome.window, "verdicts": [v.to_json() for v in outcome.verdicts],
                "breakpoint": outcome.breakpoint, "unmatched_groups": outcome.unmatched,
                "seen_requests": outcome.seen,
                "groups": [{"name": g.name, "match": list(g.match), "p95_ms": g.p95_ms, "p99_ms": g.p99_ms,
                            "optional": g.optional} for g in profile.slo.groups]} if outcome else None,
        "timeline": (results or {}).get("timeline") or [],
        "view": html_view(profile, outcome, results) if outcome else None,
        "consistency": consistency.to_json() if consistency else None,
        "journeys": (results or {}).get("journeys"),
        "stop_reason": (results or {}).get("stop_reason"),
        "warnings": warnings(results) if results else [],
        "cpu": (results or {}).get("cpu"),
    }
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
