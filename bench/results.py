"""The benchmark's results: a JSON file, Markdown tables, and the copies in the docs."""

import json
import re
from pathlib import Path
from statistics import mean

# Targets at 32 connections (issues 9 and 16): req/s as a share of the baseline the page
# is measured against (the bare GET; for signing, the bare form that writes a row).
RATIO_TARGETS = {"home": 0.5, "lesson_list": 0.5, "lesson": 0.5, "sign": 0.3}
P95_TARGET_MS = 100
TARGET_CONNECTIONS = 32
WORKER_RSS_TARGET_MB = 150
BASELINES = {
    "get": "bare GET: the lesson page's bytes, no database",
    "sign": "bare form: CSRF, a one-field form, one row inserted in a transaction, 303",
}
DOCS_START = "<!-- bench:results:start -->"
DOCS_END = "<!-- bench:results:end -->"
REMOVED_START = "<!-- bench:removed:start -->"
REMOVED_END = "<!-- bench:removed:end -->"

# Issue 16 removed the machinery below. "Before" is the last run with all of it in place
# (20261124-064857, the same 2-core machine, 12 s per run, 32 connections); the ratios are
# against the bare GET baseline of their own run, which is what makes runs comparable.
BEFORE_RUN = "20261124-064857"
BEFORE = {
    "home": {"rps": 2526, "ratio_get": 0.79, "p95_ms": 18.31},
    "lesson_list": {"rps": 2771, "ratio_get": 0.77, "p95_ms": 15.12},
    "lesson": {"rps": 2491, "ratio_get": 0.73, "p95_ms": 18.24},
    "pledge_public": {"rps": 632, "ratio_get": 0.19, "p95_ms": 66.01},
    "teacher_pledge": {"rps": 826, "ratio_get": 0.24, "p95_ms": 48.78},
    "sign": {"rps": 740, "ratio_get": 0.21, "p95_ms": 52.07},
}
# (what was removed, what it had been worth when it was measured, what does its job now,
# the pages it served)
REMOVED = [
    (
        "`allyship_site/postgresql/` (server-side prepared statements, "
        "`plan_cache_mode=force_generic_plan`) and `allyship_site/prepared.py` (SQL compiled "
        "once per process from ORM internals)",
        "signing 685 → 816 req/s (0.21× → 0.23×), teacher's page 915 → 1,089, public pledge "
        "page 744 → 934 (runs b248e44 → e85ea5c; ±10 % between runs); in-process PostgreSQL "
        "CPU per signature ~1.1 → ~0.54 ms",
        "Django's own PostgreSQL backend; the ORM builds each query",
        ("sign", "teacher_pledge", "pledge_public"),
    ),
    (
        "health checks only after a second idle (in that backend)",
        "a third of a signature's round trips (`SELECT 1`)",
        "`CONN_MAX_AGE=60` with Django's `CONN_HEALTH_CHECKS`",
        ("sign",),
    ),
    (
        "`INSERT … ON CONFLICT` with the ticks in a CTE (PostgreSQL only); `RawSQL` counts",
        "signing 10 → 2 round trips, 11.7 → 7.6 ms in-process; a count's pledge lookup "
        "2.6 → 1.1 ms",
        "one `transaction.atomic()`: the signature, then its ticks with `bulk_create`, on "
        "every database; `Subquery` counts of `Signature.objects.visible()`",
        ("sign", "pledge_public"),
    ),
    (
        "precompiled user and session lookups (`pledges/auth.py`, `allyship_site/sessions.py`)"
        " and the session saved once a minute",
        "a kept teacher page ~2.3 → ~1.4 ms of Python; one query and one UPDATE fewer per "
        "teacher page",
        "`ModelBackend`, database sessions, the membership its own query",
        ("teacher_pledge",),
    ),
    (
        "the `CSPMiddleware` subclass calling django-csp's private methods",
        "~0.1 ms per response (a tenth of a kept pledge page)",
        "django-csp's own middleware",
        ("home", "lesson", "pledge_public"),
    ),
    (
        "the per-process commitment cache (`Pledge.commitment_list()`)",
        "one query per signature when the process had seen the pledge (rarely, at district "
        "scale); it kept a staff edit off the sign page until a restart",
        "the commitments prefetched with the pledge",
        ("sign",),
    ),
    (
        "`pledges/page_cache.py` (public and teacher's pledge pages kept whole), "
        "`allyship_site/build.py` (the build fingerprint in the keys), "
        "`Pledge.signature_edits`",
        "public page p95 116 → 67 ms (54203ed); teacher's page 199 → 488 req/s, "
        "p95 185 → 76 ms (9d8933e, 9433a42)",
        "rendered every time: both hold a form and may hold students' names",
        ("pledge_public", "teacher_pledge"),
    ),
    (
        "`curriculum/page_cache.py` (visitors' curriculum pages kept in each process, "
        "a curriculum version bumped on every write)",
        "lesson page ~17 ms rendered, ~0.6 ms kept; it took the lesson page from 0.45× to "
        "0.64×–0.77× of the bare GET (aa45e0b and the runs after)",
        "`cache_page` for visitors without a session, `CURRICULUM_CACHE_SECONDS` (60 s) in a "
        "`LocMemCache`: an edit reaches visitors within the minute, teachers at once",
        ("home", "lesson_list", "lesson"),
    ),
    (
        '`allyship_site/cache.py` (Redis errors answered as "nothing cached")',
        "a stopped Redis is no 500 (not a speed-up)",
        "django-redis with `IGNORE_EXCEPTIONS`",
        (),
    ),
]


def build(rows, baseline, *, machine, dataset, seconds, stamp, memory=None):
    """`baseline`: {"get" or "sign": {connections: [wrk numbers of each measurement]}}."""
    base = {
        kind: {c: round(mean(run["rps"] for run in runs), 1) for c, runs in by_c.items()}
        for kind, by_c in baseline.items()
    }
    for row in rows:
        kind = row.get("baseline", "get")
        reference = row.get("baseline_rps") or base.get(kind, {}).get(row["connections"])
        row["ratio"] = round(row["rps"] / reference, 2) if reference else None
        # Against the bare GET for every row, the measure earlier runs used: signing's
        # against the mean of the run's GET measurements (it alternated with the form).
        get_mean = base.get("get", {}).get(row["connections"])
        row["ratio_get"] = (
            round(row["rps"] / get_mean, 2) if kind != "get" and get_mean else row["ratio"]
        )
        row["errors"] = row["non_2xx_3xx"] + row["socket_errors"]
        row["targets"] = _targets(row)
    return {
        "stamp": stamp,
        "seconds_per_run": seconds,
        "machine": machine,
        "dataset": dataset,
        "baselines": {
            kind: {
                "title": BASELINES[kind],
                **{
                    str(c): {"rps": base[kind][c], "runs": runs}
                    for c, runs in sorted(by_c.items())
                },
            }
            for kind, by_c in baseline.items()
            if by_c
        },
        "rows": rows,
        "memory": _memory(memory),
    }


def _memory(memory):
    """Each gunicorn worker's resident memory after the whole bench, and the target."""
    if not memory:
        return None
    workers = memory["app"]["workers_mb"]
    return {
        **memory,
        "target_mb": WORKER_RSS_TARGET_MB,
        "ok": bool(workers) and max(workers) <= WORKER_RSS_TARGET_MB,
    }


def _targets(row):
    """Each target this row is held to, with whether it was met."""
    if row["connections"] != TARGET_CONNECTIONS:
        return {}
    p95 = row.get("p95_ms") if row["requests"] else None
    met = {f"p95 < {P95_TARGET_MS} ms": p95 is not None and 0 < p95 < P95_TARGET_MS}
    if row["key"] in RATIO_TARGETS:
        goal = RATIO_TARGETS[row["key"]]
        kind = "bare form" if row.get("baseline") == "sign" else "bare GET"
        met[f"≥ {goal}× {kind}"] = row["ratio"] is not None and row["ratio"] >= goal
    if "checks" in row:
        met["no lost or doubled signature"] = row["checks"]["ok"]
    # Signing may answer 303 (signed) only; anything else is an error here.
    met["no errors"] = row["errors"] == 0
    return met


def failures(report):
    failed = [
        f"{row['page']} at {row['connections']}: {name}"
        for row in report["rows"]
        for name, ok in row["targets"].items()
        if not ok
    ]
    memory = report.get("memory")
    if memory and not memory["ok"]:
        failed.append(
            f"gunicorn workers' resident memory {memory['app']['workers_mb']} MB: "
            f"≤ {memory['target_mb']} MB each"
        )
    return failed


def markdown(report):
    machine = report["machine"]
    lines = [
        f"Run {report['stamp']} on {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory']}; Linux {machine['kernel']}, Python {machine['python']}, "
        f"Django {machine['django']}, PostgreSQL {machine['postgresql']}, {machine['wrk']}; "
        f"gunicorn {machine['gunicorn']} for the app and the baselines alike; "
        f"{report['seconds_per_run']} s per run.",
        "",
    ]
    rows = report["dataset"].get("rows")
    if rows:
        lines += [
            "Data: "
            + ", ".join(f"{count:,} {table.split('_', 1)[1]}s" for table, count in rows.items())
            + f" (generated in {report['dataset']['generate_seconds']} s).",
            "",
        ]
    lines += [
        "| page | conns | req/s | baseline req/s | × baseline | p50 ms | p95 ms | p99 ms "
        "| errors | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for data in report["baselines"].values():
        for connections, numbers in data.items():
            if connections == "title":
                continue
            runs = numbers["runs"]
            lines.append(
                f"| **baseline**: {data['title']} (mean of {len(runs)}) "
                f"| {connections} | {numbers['rps']:.0f} | | 1.00 "
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
        if "baseline_checks" in row:
            checks = row["baseline_checks"]
            errors += (
                f"; bare form {checks['successes_303']} seen = {checks['new_rows']} new rows"
                f" {'✅' if checks['ok'] else '❌'}"
            )
        kind = "form" if row.get("baseline") == "sign" else "GET"
        lines.append(
            f"| {row['page']} | {row['connections']} | {row['rps']:.0f} "
            f"| {row.get('baseline_rps', 0):.0f} ({kind}) | {row['ratio']:.2f} "
            f"| {row.get('p50_ms', '')} | {row.get('p95_ms', '')} | {row.get('p99_ms', '')} "
            f"| {errors} | {targets} |"
        )
    memory = report.get("memory")
    if memory:
        app = ", ".join(f"{mb:.0f}" for mb in memory["app"]["workers_mb"])
        base = ", ".join(f"{mb:.0f}" for mb in memory["baseline"]["workers_mb"])
        lines += [
            "",
            f"Resident memory after the whole bench (VmRSS): the app's gunicorn workers "
            f"{app} MB (master {memory['app']['master_mb']:.0f} MB), "
            f"{'✅' if memory['ok'] else '❌'} ≤ {memory['target_mb']} MB each; "
            f"the baselines' workers {base} MB.",
        ]
    return "\n".join(lines) + "\n"


def _pages(report):
    return {row["key"]: row for row in report["rows"] if row["connections"] == TARGET_CONNECTIONS}


def _cell(numbers):
    return (
        f"{numbers['rps']:,.0f} req/s, {numbers['ratio_get']:.2f}×, p95 {numbers['p95_ms']:.0f} ms"
    )


def removed_markdown(report=None):
    """What each removed piece had been worth, and the pages it served before → after."""
    after = _pages(report) if report else {}
    source = (
        f"run {report['stamp']}" if report else "not measured yet: `make bench` fills this column"
    )
    lines = [
        f"Before: run {BEFORE_RUN}, with all of it. After: {source}. Both at "
        f"{TARGET_CONNECTIONS} connections on 2 cores; × is against the bare GET baseline "
        "of the same run, which is what makes two runs comparable.",
        "",
        "| removed | what it had been worth when measured | now | pages it served: "
        "before → after |",
        "| --- | --- | --- | --- |",
    ]
    for piece, worth, now_done_by, keys in REMOVED:
        cells = []
        for key in keys:
            now = f"{_cell(after[key])}" if key in after else "TODO (make bench)"
            cells.append(f"{key}: {_cell(BEFORE[key])} → {now}")
        cells = cells or ["not in the bench"]
        lines.append(f"| {piece} | {worth} | {now_done_by} | {'<br>'.join(cells)} |")
    return "\n".join(lines) + "\n"


def write(report, out_dir, stamp):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(report) + "\n" + removed_markdown(report)
    for name in (stamp, "latest"):
        (out_dir / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (out_dir / f"{name}.md").write_text(text)
    return text


def replace_between(text, start, end, content):
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _match: f"{start}\n{content}{end}", text, count=1)


def update_docs(report, path, table=None):
    """Replace the tables between the markers (the removed pieces' only where they are)."""
    path = Path(path)
    text = path.read_text() if path.exists() else f"{DOCS_START}\n{DOCS_END}\n"
    text = replace_between(text, DOCS_START, DOCS_END, table or markdown(report))
    text = replace_between(text, REMOVED_START, REMOVED_END, removed_markdown(report))
    path.write_text(text)
