"""The benchmark's results: a JSON file, a Markdown table, and the copy in the docs."""

import json
import re
from pathlib import Path
from statistics import mean

# Targets on 2 cores at 32 connections (issue 9): req/s as a share of the baseline's.
RATIO_TARGETS = {"home": 0.5, "lesson_list": 0.5, "lesson": 0.5, "sign": 0.3}
P95_TARGET_MS = 100
TARGET_CONNECTIONS = 32
DOCS_START = "<!-- bench:results:start -->"
DOCS_END = "<!-- bench:results:end -->"


def build(rows, baseline, *, machine, dataset, seconds, stamp):
    base = {c: round(mean(run["rps"] for run in runs), 1) for c, runs in baseline.items()}
    for row in rows:
        reference = row.get("baseline_rps") or base.get(row["connections"])
        row["ratio"] = round(row["rps"] / reference, 2) if reference else None
        row["errors"] = row["non_2xx_3xx"] + row["socket_errors"]
        row["targets"] = _targets(row)
    return {
        "stamp": stamp,
        "seconds_per_run": seconds,
        "machine": machine,
        "dataset": dataset,
        "baseline": {
            str(c): {"rps": base[c], "runs": runs} for c, runs in sorted(baseline.items())
        },
        "rows": rows,
    }


def _targets(row):
    """Each target this row is held to, with whether it was met."""
    if row["connections"] != TARGET_CONNECTIONS:
        return {}
    p95 = row.get("p95_ms") if row["requests"] else None
    met = {f"p95 < {P95_TARGET_MS} ms": p95 is not None and 0 < p95 < P95_TARGET_MS}
    if row["key"] in RATIO_TARGETS:
        goal = RATIO_TARGETS[row["key"]]
        met[f"≥ {goal}× baseline"] = row["ratio"] is not None and row["ratio"] >= goal
    if "checks" in row:
        met["no lost or doubled signature"] = row["checks"]["ok"]
    # Signing may answer 303 (signed) only; anything else is an error here.
    met["no errors"] = row["errors"] == 0
    return met


def failures(report):
    return [
        f"{row['page']} at {row['connections']}: {name}"
        for row in report["rows"]
        for name, ok in row["targets"].items()
        if not ok
    ]


def markdown(report):
    machine = report["machine"]
    lines = [
        f"Run {report['stamp']} on {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory']}; Linux {machine['kernel']}, Python {machine['python']}, "
        f"Django {machine['django']}, PostgreSQL {machine['postgresql']}, {machine['wrk']}; "
        f"gunicorn {machine['gunicorn']} for the app and the baseline alike; "
        f"{report['seconds_per_run']} s per run.",
        "",
    ]
    rows = report["dataset"].get("rows")
    if rows:
        lines += [
            "Data: " + ", ".join(f"{count:,} {table.split('_', 1)[1]}s" for table, count in
                                 rows.items())
            + f" (generated in {report['dataset']['generate_seconds']} s).",
            "",
        ]  # fmt: skip
    lines += [
        "| page | conns | req/s | baseline req/s | × baseline | p50 ms | p95 ms | p99 ms "
        "| errors | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for connections, data in report["baseline"].items():
        runs = data["runs"]
        lines.append(
            f"| **baseline**: bare Django, the lesson page's bytes ({len(runs)} runs, mean) "
            f"| {connections} | {data['rps']:.0f} | | 1.00 "
            f"| {mean(r.get('p50_ms', 0) for r in runs):.2f} "
            f"| {mean(r.get('p95_ms', 0) for r in runs):.2f} "
            f"| {mean(r.get('p99_ms', 0) for r in runs):.2f} "
            f"| {sum(r['non_2xx_3xx'] + r['socket_errors'] for r in runs)} | |"
        )
    for row in report["rows"]:
        targets = "; ".join(
            f"{'✅' if ok else '❌'} {name}" for name, ok in row["targets"].items()
        )
        errors = str(row["errors"])
        if "checks" in row:
            checks = row["checks"]
            errors += (
                f" ({checks['successes_303']} signed = {checks['new_rows']} new rows, "
                f"{checks['duplicate_names']} duplicates)"
            )
        lines.append(
            f"| {row['page']} | {row['connections']} | {row['rps']:.0f} "
            f"| {row.get('baseline_rps', 0):.0f} | {row['ratio']:.2f} "
            f"| {row.get('p50_ms', '')} | {row.get('p95_ms', '')} | {row.get('p99_ms', '')} "
            f"| {errors} | {targets} |"
        )
    return "\n".join(lines) + "\n"


def write(report, out_dir, stamp):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    for name in (stamp, "latest"):
        (out_dir / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (out_dir / f"{name}.md").write_text(text)
    return text


def update_docs(report, path, table=None):
    """Replace the table between the markers in docs/performance.md."""
    path = Path(path)
    text = path.read_text() if path.exists() else f"{DOCS_START}\n{DOCS_END}\n"
    block = f"{DOCS_START}\n{table or markdown(report)}{DOCS_END}"
    pattern = re.compile(re.escape(DOCS_START) + ".*?" + re.escape(DOCS_END), re.S)
    path.write_text(pattern.sub(lambda _match: block, text, count=1))
