"""make bench-scale: two app instances behind nginx, one PostgreSQL, one Redis.

    client ─► nginx :P ─┬─► gunicorn A :A ─┐
                        └─► gunicorn B :B ─┴─► PostgreSQL (allyship_bench_scale)
                                             └─► Redis db 2 (cache)

Checks, each printed as PASS or FAIL (any FAIL exits 1):
1. Signing through nginx at 16 connections: every 303 is one new row, no (pledge, name)
   twice, and both instances took signatures.
2. Wrong-code limits are shared and keyed by the address nginx adds to X-Forwarded-For
   (NUM_PROXIES=1): wrong codes sent to A until it answers 429, then B answers 429 for
   that address too, B still serves another address, and a client that forges its own
   X-Forwarded-For through nginx is limited all the same.
3. Sessions are shared: a teacher who logs in through A is logged in on B.
"""

import argparse
import secrets
import string
import sys
import tempfile
import time
from pathlib import Path

import common

DATABASE = "allyship_bench_scale"
REDIS_URL = "redis://127.0.0.1:6379/2"
WRONG_CODE_LIMIT = 20  # the default WRONG_CODES_PER_ADDRESS
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def wrong_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(9))


class Checks:
    def __init__(self):
        self.items = []

    def add(self, name, ok, detail=""):
        self.items.append({"check": name, "ok": bool(ok), "detail": detail})
        common.log(f"{'PASS' if ok else 'FAIL'}  {name}" + (f" ({detail})" if detail else ""))


def start_nginx(prefix, port, port_a, port_b):
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    template = string.Template((common.BENCH_DIR / "nginx.conf.template").read_text())
    config = prefix / "nginx.conf"
    config.write_text(template.substitute(prefix=prefix, port=port, port_a=port_a, port_b=port_b))
    return common.Server(
        "nginx",
        ["nginx", "-p", str(prefix), "-c", str(config)],
        env=None,
        cwd=prefix,
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log_path=prefix / "nginx.out",
    )


def post_wrong_codes(base, csrf, address, limit):
    """POST wrong join codes until a 429 (or `limit` tries); returns the statuses."""
    token, cookie = csrf
    opener, _jar = common.browser()
    statuses = []
    for _ in range(limit):
        headers = {"Cookie": f"csrftoken={cookie}"}
        if address:
            headers["X-Forwarded-For"] = address
        status, _body, _headers = common.fetch(
            opener,
            base + "/join/",
            {"csrfmiddlewaretoken": token, "code": wrong_code()},
            headers,
        )
        statuses.append(status)
        if status == 429:
            break
    return statuses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    options, _rest = parser.parse_known_args()
    common.ensure_tools("wrk", "nginx")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = common.ROOT / "bench-results"
    run_dir = out_dir / f"scale-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    env = common.app_env(DATABASE, REDIS_URL=REDIS_URL, NUM_PROXIES=1)

    common.log(f"Creating {DATABASE} (a small district: the checks are about sharing)")
    common.recreate_database(DATABASE)
    common.manage(env, "migrate", "--noinput", "-v0")
    common.manage(env, "load_curriculum", "-v0")
    common.python(
        env,
        "bench/data.py",
        "--schools",
        "20",
        "--signatures",
        "20000",
        "--lessons",
        "40",
        "--json",
        capture=True,
    )
    common.manage(env, "collectstatic", "--noinput", "-v0")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()

    port_a = common.free_port(18091)
    port_b = common.free_port(port_a + 1)
    port = common.free_port(port_b + 1)
    a, b, proxy = (f"http://127.0.0.1:{p}" for p in (port_a, port_b, port))
    checks = Checks()
    servers = []
    workers = max(2, common.WORKERS // 2)
    try:
        for name, instance_port in (("app-a", port_a), ("app-b", port_b)):
            servers.append(
                common.gunicorn(
                    name,
                    "allyship_site.wsgi",
                    instance_port,
                    env=env,
                    cwd=common.ROOT,
                    log_dir=run_dir,
                    ready_path="/healthz",
                    workers=workers,
                )
            )
        prefix = Path(tempfile.mkdtemp(prefix="allyship-nginx-"))
        servers.append(start_nginx(prefix, port, port_a, port_b))
        common.log(f"nginx on {proxy} in front of A {a} and B {b} ({workers} workers each)")

        # 1. Signing through nginx.
        pledges = common.query(
            DATABASE,
            "SELECT p.link_token, string_agg('commitments=' || c.id, '&' ORDER BY c.order) "
            "FROM pledges_pledge p JOIN pledges_commitment c ON c.pledge_id = p.id "
            "WHERE p.status = 'open' GROUP BY p.id ORDER BY p.id",
        )
        targets = common.lua_targets(
            run_dir / "sign.lua", [{"path": f"/p/{t}/", "commitments": c} for t, c in pledges]
        )
        token, cookie = common.csrf_pair(proxy, f"/p/{pledges[0][0]}/")
        logs = [run_dir / f"{name}-access.log" for name in ("app-a", "app-b")]
        offsets = [common.log_size(log) for log in logs]
        before = common.settled_count(DATABASE)
        numbers, raw = common.wrk(
            proxy + "/",
            connections=16,
            seconds=options.seconds,
            script=common.BENCH_DIR / "sign.lua",
            env={
                "BENCH_TARGETS": str(targets),
                "BENCH_CSRF_TOKEN": token,
                "BENCH_CSRF_COOKIE": cookie,
                "BENCH_RUN_TAG": "Scale"
                + "".join(secrets.choice("bcdfghjkmnpqrstvwxz") for _ in range(6)),
            },
        )
        (run_dir / "sign.txt").write_text(raw)
        after = common.settled_count(DATABASE)
        duplicates = common.query(
            DATABASE,
            "SELECT count(*) FROM (SELECT 1 FROM pledges_signature GROUP BY pledge_id, "
            "name_key HAVING count(*) > 1) d",
        )[0][0]
        seen = numbers["statuses"].get("303", 0)
        per_instance = {
            name: common.signed_in_log(log, offset)
            for name, log, offset in zip(("A", "B"), logs, offsets, strict=True)
        }
        sent = sum(per_instance.values())
        checks.add(
            "signing through nginx: each 303 the instances sent is one new row",
            sent > 0 and after - before == sent and 0 <= sent - seen <= 16,
            f"{after - before} new rows, 303s sent {per_instance}, {seen} seen by wrk "
            f"(the rest were in flight when it stopped), {numbers['rps']:.0f} req/s, "
            f"p95 {numbers.get('p95_ms')} ms, statuses {numbers['statuses']}",
        )
        checks.add("no name signed a pledge twice", duplicates == 0, f"{duplicates} duplicates")
        checks.add(
            "both instances took signatures", all(per_instance.values()), f"303s: {per_instance}"
        )

        # 2. Wrong-code limits, shared and keyed by the address nginx forwards.
        csrf = common.csrf_pair(a, "/join/")
        address = f"198.51.100.{secrets.randbelow(200) + 20}"
        on_a = post_wrong_codes(a, csrf, address, WRONG_CODE_LIMIT + 5)
        checks.add(
            f"A answers 429 after {WRONG_CODE_LIMIT} wrong codes from {address}",
            on_a[-1] == 429 and len(on_a) == WRONG_CODE_LIMIT + 1,
            f"{len(on_a)} tries, last {on_a[-1]}",
        )
        on_b = post_wrong_codes(b, csrf, address, 1)
        checks.add("B answers 429 to the same address at once", on_b == [429], f"{on_b}")
        other = post_wrong_codes(b, csrf, "198.51.100.3", 1)
        checks.add("B still serves another address", other == [200], f"{other}")
        forged = []
        opener, _jar = common.browser()
        for number in range(WRONG_CODE_LIMIT + 5):
            status, _body, _headers = common.fetch(
                opener,
                proxy + "/join/",
                {"csrfmiddlewaretoken": csrf[0], "code": wrong_code()},
                {"Cookie": f"csrftoken={csrf[1]}", "X-Forwarded-For": f"203.0.113.{number}"},
            )
            forged.append(status)
            if status == 429:
                break
        checks.add(
            "through nginx, a forged X-Forwarded-For does not reset the limit",
            forged[-1] == 429 and len(forged) <= WRONG_CODE_LIMIT + 1,
            f"{len(forged)} tries, last {forged[-1]}",
        )

        # 3. Sessions: log in on A, be logged in on B (and through nginx).
        teacher = common.query(
            DATABASE,
            "SELECT username FROM auth_user WHERE username LIKE 'teacher%%' ORDER BY id LIMIT 1",
        )[0][0]
        session = common.log_in(a, teacher, "bench-teacher-password-not-secret")
        opener, _jar = common.browser()
        for name, base in (("B", b), ("nginx", proxy)):
            status, body, _headers = common.fetch(
                opener, base + "/teach/", headers={"Cookie": f"sessionid={session}"}
            )
            checks.add(
                f"a session from A is logged in on {name}",
                status == 200 and "Log out" in body,
                f"status {status}",
            )
    finally:
        for server in reversed(servers):
            server.stop()
        if not options.keep:
            common.drop_database(DATABASE)

    report = {
        "stamp": stamp,
        "machine": common.machine(),
        "checks": checks.items,
        "topology": {
            "nginx": port,
            "a": port_a,
            "b": port_b,
            "workers_each": workers,
            "redis": REDIS_URL,
            "database": DATABASE,
        },
    }
    common.dump(out_dir / f"scale-{stamp}.json", report)
    common.dump(out_dir / "scale-latest.json", report)
    lines = ["| check | result | detail |", "| --- | --- | --- |"]
    lines += [
        f"| {c['check']} | {'PASS' if c['ok'] else 'FAIL'} | {c['detail']} |" for c in checks.items
    ]
    (out_dir / "scale-latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(c["ok"] for c in checks.items) else 1


if __name__ == "__main__":
    sys.exit(main())
