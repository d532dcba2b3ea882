"""Profile one page against the bench database, and EXPLAIN its queries.

    .venv/bin/python bench/run.py --keep            # once, to build allyship_bench
    .venv/bin/python bench/profile_page.py /teach/pledges/1/ --as teacher1@bench.example
    .venv/bin/python bench/profile_page.py /p/<token>/ --explain

Runs the page in-process through Django's test client with production settings (DEBUG
off), prints the SQL query count and time, a pyinstrument profile of --repeat requests,
and with --explain the PostgreSQL plan (EXPLAIN ANALYZE, BUFFERS) of each query.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="username", default="", help="log in as this user")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database", default="allyship_bench")
    options = parser.parse_args()

    env = common.app_env(options.database, ALLOWED_HOSTS="testserver,127.0.0.1")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allyship_site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client()
    if options.username:
        client.force_login(get_user_model().objects.get(username=options.username))
    response = client.get(options.path)
    print(f"{options.path}: {response.status_code}, {len(response.content):,} bytes")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        client.get(options.path)
        elapsed = time.perf_counter() - started
    # A copy now: the next request empties the connection's query log.
    captured_queries = list(queries.captured_queries)
    sql_ms = sum(float(q["time"]) for q in captured_queries) * 1000
    print(
        f"{len(captured_queries)} queries, {sql_ms:.1f} ms in SQL, {elapsed * 1000:.1f} ms in all"
    )

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(options.repeat):
        client.get(options.path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))

    if options.explain:
        with connection.cursor() as cursor:
            for number, captured in enumerate(captured_queries, 1):
                sql = captured["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
                print(
                    f"-- query {number} ({float(captured['time']) * 1000:.2f} ms)\n{sql}\n{plan}\n"
                )


if __name__ == "__main__":
    main()
