"""make bench: the app at school-district scale against bare Django baselines, same run.

1. Builds a PostgreSQL database (allyship_bench, dropped at the end unless --keep) with
   the district dataset (bench/data.py) and collects static files, and the baselines'
   own database (allyship_bench_baseline, migrated by the baseline project).
2. Serves the app and the bare baselines (bench/baseline/) with the same gunicorn
   command, production settings on plain HTTP over loopback, Redis as the shared cache.
3. Loads each page with wrk at 8 and 32 connections, pages against the bare GET and
   signing against the bare form that writes a row (bench/baseline/urls.py), checks
   that every successful signature is one new row and no name signed a pledge twice,
   reads each gunicorn worker's resident memory at the end, and writes the results
   (bench-results/<time>.json and .md, and latest.*); --update-docs puts the tables in
   docs/performance.md and README.md.

Run it through `make bench`, which installs wrk first.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import common
import results

DATABASE = "allyship_bench"
BASELINE_DATABASE = "allyship_bench_baseline"
REDIS_URL = "redis://127.0.0.1:6379/1"
CONCURRENCIES = (8, 32)
SLICES = 3  # alternating baseline/page runs per measurement
TEACHER_SESSIONS = 16


def build_dataset(env, scale):
    common.log(f"Creating {DATABASE} and the district dataset")
    common.recreate_database(DATABASE)
    common.manage(env, "migrate", "--noinput", "-v0")
    common.manage(env, "createcachetable")
    common.manage(env, "load_curriculum", "-v0")
    started = time.monotonic()
    output = common.python(env, "bench/data.py", *scale, capture=True)
    print(output, end="")
    seconds = round(time.monotonic() - started, 1)
    common.manage(env, "collectstatic", "--noinput", "-v0")
    counts = {
        table: common.query(DATABASE, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608
        for table in (
            "curriculum_lesson",
            "pledges_school",
            "pledges_classroom",
            "pledges_pledge",
            "pledges_signature",
        )
    }
    return {"generate_seconds": seconds, "rows": counts}


def build_baseline_database(env):
    """The baselines' own database, migrated by the baseline project (one table)."""
    common.recreate_database(BASELINE_DATABASE)
    subprocess.run(  # noqa: S603
        [common.PYTHON, "-m", "django", "migrate", "--noinput", "-v0"],
        cwd=common.BENCH_DIR / "baseline",
        env=env,
        check=True,
    )


def flush_redis(url):
    import redis

    redis.Redis.from_url(url).flushdb()


def pick_urls(base):
    """The pages to load, chosen from the generated data."""
    lesson = common.query(
        DATABASE,
        "SELECT l.slug FROM curriculum_lesson l JOIN curriculum_module m ON m.id = l.module_id "
        "WHERE l.status = 'published' AND l.slug NOT LIKE '%%-copy-%%' "
        "ORDER BY m.order, l.duration_minutes DESC, l.slug LIMIT 1",
    )[0][0]
    band = common.query(DATABASE, "SELECT slug FROM curriculum_ageband ORDER BY min_age")[0][0]
    big_pledge, teacher = common.query(
        DATABASE,
        "SELECT p.id, u.username FROM pledges_pledge p JOIN pledges_classroom c "
        "ON c.id = p.classroom_id JOIN auth_user u ON u.id = c.teacher_id "
        "WHERE p.title LIKE 'Benchmark:%%' ORDER BY p.id LIMIT 1",
    )[0]
    open_pledges = common.query(
        DATABASE,
        "SELECT p.link_token, string_agg('commitments=' || c.id, '&' ORDER BY c.order) "
        "FROM pledges_pledge p JOIN pledges_commitment c ON c.pledge_id = p.id "
        "WHERE p.status = 'open' AND p.id <> %s GROUP BY p.id ORDER BY p.id LIMIT 4000",
        (big_pledge,),
    )
    return {
        "lesson": f"/lessons/{lesson}/",
        "lesson_list": f"/lessons/?age={band}&q=friend",
        "big_pledge": big_pledge,
        "teacher": teacher,
        "open_pledges": open_pledges,
    }


def baseline_sign_checks(before, references, *, connections):
    """The bare form's own check: one row per 303 wrk saw, give or take those in flight."""
    after = common.settled_count(BASELINE_DATABASE, "signbase_entry")
    seen_by_wrk = sum(r["statuses"].get("303", 0) for r in references)
    new_rows = after - before
    return {
        "new_rows": new_rows,
        "successes_303": seen_by_wrk,
        "ok": 0 <= new_rows - seen_by_wrk <= connections,
    }, after


def sign_checks(before, statuses, *, access_log, log_offset, connections):
    """Every 303 the server sent is exactly one new row, and no (pledge, name_key) appears
    twice. wrk stops with up to `connections` requests in flight, which the server still
    completes, so wrk's own count of 303s may fall short of the server's by that much."""
    after = common.settled_count(DATABASE)
    duplicates = common.query(
        DATABASE,
        "SELECT count(*) FROM (SELECT 1 FROM pledges_signature GROUP BY pledge_id, name_key "
        "HAVING count(*) > 1) d",
    )[0][0]
    seen_by_wrk = statuses.get("303", 0)
    sent_by_server = common.signed_in_log(access_log, log_offset)
    new_rows = after - before
    return {
        "new_rows": new_rows,
        "successes_303": seen_by_wrk,
        "server_303": sent_by_server,
        "in_flight_at_stop": new_rows - seen_by_wrk,
        "duplicate_names": duplicates,
        "ok": new_rows == sent_by_server
        and 0 <= new_rows - seen_by_wrk <= connections
        and duplicates == 0,
    }, after


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=12, help="wrk run length (default 12)")
    parser.add_argument("--small", action="store_true", help="a tenth of the data (quick try)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="write the table into docs/performance.md and README.md",
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    options = parser.parse_args()
    common.ensure_tools("wrk")

    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = common.ROOT / "bench-results"
    run_dir = out_dir / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    env = common.app_env(DATABASE, REDIS_URL=REDIS_URL)
    scale = ["--json"]
    if options.small:
        scale += ["--schools", "50", "--signatures", "50000"]
    dataset = {}
    if not options.reuse:
        dataset = build_dataset(env, scale)
    base_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "settings",
        "BASELINE_DATABASE_URL": f"{common.PG_SERVER}/{BASELINE_DATABASE}",
    }
    build_baseline_database(base_env)
    flush_redis(REDIS_URL)
    app_port = common.free_port(18081)
    base_port = common.free_port(app_port + 1)
    app_url = f"http://127.0.0.1:{app_port}"
    base_url = f"http://127.0.0.1:{base_port}"
    servers = []
    try:
        common.log(
            f"Starting the app on {app_url} ({common.WORKERS} {common.WORKER_CLASS} workers)"
        )
        servers.append(
            common.gunicorn(
                "app",
                "allyship_site.wsgi",
                app_port,
                env=env,
                cwd=common.ROOT,
                log_dir=run_dir,
                ready_path="/healthz",
            )
        )
        urls = pick_urls(app_url)
        opener, _jar = common.browser()
        status, lesson_html, _headers = common.fetch(opener, app_url + urls["lesson"])
        assert status == 200, f"lesson page answered {status}"
        page_file = run_dir / "lesson.html"
        page_file.write_text(lesson_html)
        base_env["BASELINE_PAGE"] = str(page_file)
        servers.append(
            common.gunicorn(
                "baseline",
                "wsgi:application",
                base_port,
                env=base_env,
                cwd=common.BENCH_DIR / "baseline",
                log_dir=run_dir,
            )
        )
        app_server, base_server = servers
        # Several sessions of the one teacher, rotated per request: with
        # SESSION_SAVE_EVERY_REQUEST each request updates its session row, and 32
        # connections sharing one row would measure that lock, not the page.
        sessions = [
            common.log_in(app_url, urls["teacher"], "bench-teacher-password-not-secret")
            for _ in range(TEACHER_SESSIONS)
        ]
        teacher_targets = common.lua_targets(
            run_dir / "teacher.lua",
            [
                {"path": f"/teach/pledges/{urls['big_pledge']}/", "cookie": f"sessionid={s}"}
                for s in sessions
            ],
        )
        # The count the projector view and the teacher's page poll every 5 seconds: a
        # school's projectors all asking at once.
        count_targets = common.lua_targets(
            run_dir / "count.lua",
            [
                {
                    "path": f"/teach/pledges/{urls['big_pledge']}/count.json",
                    "cookie": f"sessionid={s}",
                }
                for s in sessions
            ],
        )
        tokens = [token for token, _commitments in urls["open_pledges"]]
        public_targets = common.lua_targets(
            run_dir / "public.lua", [{"path": f"/p/{t}/"} for t in tokens[:1000]]
        )
        sign_targets = common.lua_targets(
            run_dir / "sign.lua",
            [{"path": f"/p/{t}/", "commitments": c} for t, c in urls["open_pledges"]],
        )
        csrf_token, csrf_cookie = common.csrf_pair(app_url, f"/p/{tokens[0]}/")
        # The bare form gets the same script and body; it reads the name and ignores the
        # commitments, as a one-field form does.
        base_sign_targets = common.lua_targets(
            run_dir / "baseline-sign.lua", [{"path": "/sign/", "commitments": "commitments=1"}]
        )
        base_token, base_cookie = common.csrf_pair(base_url, "/sign/")
        # What each page is compared with: the bare GET, and for signing the bare form.
        baselines = {
            "get": (base_url + "/", {}),
            "sign": (
                base_url + "/sign/",
                {
                    "script": common.BENCH_DIR / "sign.lua",
                    "env": {
                        "BENCH_TARGETS": str(base_sign_targets),
                        "BENCH_CSRF_TOKEN": base_token,
                        "BENCH_CSRF_COOKIE": base_cookie,
                    },
                },
            ),
        }

        scenarios = [
            ("home", "Home", app_url + "/", {}),
            (
                "lesson_list",
                "Lesson list, filtered and searched",
                app_url + urls["lesson_list"],
                {},
            ),
            ("lesson", "Lesson page", app_url + urls["lesson"], {}),
            (
                "pledge_public",
                "Public pledge page (/p/…/ GET, 1,000 pledges)",
                app_url + "/",
                {
                    "script": common.BENCH_DIR / "paths.lua",
                    "env": {"BENCH_TARGETS": str(public_targets)},
                },
            ),
            (
                "teacher_pledge",
                "Teacher's pledge page, 500 signatures",
                app_url + "/",
                {
                    "script": common.BENCH_DIR / "paths.lua",
                    "env": {"BENCH_TARGETS": str(teacher_targets)},
                },
            ),
            (
                "live_count",
                "Live count the projector polls (JSON), 500 signatures",
                app_url + "/",
                {
                    "script": common.BENCH_DIR / "paths.lua",
                    "env": {"BENCH_TARGETS": str(count_targets)},
                },
            ),
            (
                "sign",
                "Signing (POST, unique names, many pledges)",
                app_url + "/",
                {
                    "script": common.BENCH_DIR / "sign.lua",
                    "baseline": "sign",
                    "env": {
                        "BENCH_TARGETS": str(sign_targets),
                        "BENCH_CSRF_TOKEN": csrf_token,
                        "BENCH_CSRF_COOKIE": csrf_cookie,
                    },
                },
            ),
        ]
        only = set(filter(None, options.only.split(",")))
        rows = []
        signatures = common.query(DATABASE, "SELECT count(*) FROM pledges_signature")[0][0]
        baseline = {"get": {}, "sign": {}}
        base_rows = common.query(BASELINE_DATABASE, "SELECT count(*) FROM signbase_entry")[0][0]
        # The machine may be shared, so the baseline and each page take turns in short
        # slices at the same concurrency, and the ratio compares the two totals.
        common.wrk(base_url + "/", connections=8, seconds=2)  # warm the baseline workers
        slice_seconds = max(2, round(options.seconds / SLICES))
        for key, title, url, extra in scenarios:
            if only and key not in only:
                continue
            base_kind = extra.get("baseline", "get")
            base_target, base_extra = baselines[base_kind]
            if base_kind == "sign":  # the bare form's workers open their connections
                common.wrk(
                    base_target,
                    connections=8,
                    seconds=1,
                    script=base_extra["script"],
                    env={**base_extra["env"], "BENCH_RUN_TAG": "Warm"},
                )
            for connections in CONCURRENCIES:
                kwargs = {"script": extra.get("script"), "headers": extra.get("headers", ())}
                if key != "sign":  # warm the connections, unrecorded
                    common.wrk(
                        url, connections=connections, seconds=1, env=extra.get("env", {}), **kwargs
                    )
                    common.drain(app_url)
                access_log = run_dir / "app-access.log"
                log_offset = common.log_size(access_log)
                references, pieces, raw = [], [], []
                if base_kind == "sign":
                    base_rows = common.settled_count(BASELINE_DATABASE, "signbase_entry")
                for number in range(SLICES):
                    run_tag = (
                        stamp_letters(stamp)
                        + ("Kc" if connections == 8 else "Mc")
                        + "bcdfghjkmn"[number]
                    )
                    reference, _raw = common.wrk(
                        base_target,
                        connections=connections,
                        seconds=slice_seconds,
                        script=base_extra.get("script"),
                        env={**base_extra.get("env", {}), "BENCH_RUN_TAG": run_tag},
                    )
                    references.append(reference)
                    run_env = dict(extra.get("env", {}))
                    if key == "sign":
                        run_env["BENCH_RUN_TAG"] = run_tag
                    numbers, output = common.wrk(
                        url, connections=connections, seconds=slice_seconds, env=run_env, **kwargs
                    )
                    pieces.append(numbers)
                    raw.append(output)
                    common.drain(app_url)
                (run_dir / f"{key}-c{connections}.txt").write_text("\n".join(raw))
                reference = common.combine(references)
                numbers = common.combine(pieces)
                baseline[base_kind].setdefault(connections, []).append(reference)
                row = {
                    "key": key,
                    "page": title,
                    "connections": connections,
                    **numbers,
                    "baseline": base_kind,
                    "baseline_rps": reference["rps"],
                    "baseline_p95_ms": reference.get("p95_ms"),
                }
                if key == "sign":
                    row["checks"], signatures = sign_checks(
                        signatures,
                        numbers["statuses"],
                        access_log=access_log,
                        log_offset=log_offset,
                        connections=connections * SLICES,
                    )
                if base_kind == "sign":
                    row["baseline_checks"], base_rows = baseline_sign_checks(
                        base_rows, references, connections=connections * SLICES
                    )
                rows.append(row)
                common.log(
                    f"{key} c={connections}: {numbers['rps']:.0f} req/s "
                    f"({base_kind} baseline {reference['rps']:.0f}), "
                    f"p95 {numbers.get('p95_ms')} ms"
                    + (f", checks {row['checks']}" if key == "sign" else "")
                )
        # After the whole bench, as the workers stand: what each holds resident.
        memory = {
            "app": common.gunicorn_memory(app_server),
            "baseline": common.gunicorn_memory(base_server),
        }
        common.log(
            f"Resident memory (MB): app workers {memory['app']['workers_mb']}, "
            f"baseline workers {memory['baseline']['workers_mb']}"
        )
    finally:
        for server in servers:
            server.stop()
        if not options.keep:
            common.drop_database(DATABASE)
            common.drop_database(BASELINE_DATABASE)

    report = results.build(
        rows,
        baseline,
        machine=common.machine(),
        dataset=dataset,
        seconds=options.seconds,
        stamp=stamp,
        memory=memory,
    )
    markdown = results.write(report, out_dir, stamp)
    print(markdown)
    if options.update_docs:
        results.update_docs(report, common.ROOT / "docs" / "performance.md")
        results.update_docs(report, common.ROOT / "README.md")
    failures = results.failures(report)
    if failures:
        print("Targets not met:\n  " + "\n  ".join(failures))
    return 0 if all(r.get("checks", {}).get("ok", True) for r in rows) else 1


def stamp_letters(stamp):
    """Letters only (names must be letters): the run's time, so reruns never clash."""
    digits = "".join(ch for ch in stamp if ch.isdigit())[-8:]
    return "".join("bcdfghjkmn"[int(d)] for d in digits).capitalize()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
