"""Faults under load, against real server processes: PostgreSQL restarts while a class
signs, Redis dies while the site serves. Marked `fault`; make test runs them in its
PostgreSQL pass (the PostgreSQL restart needs root and pg_ctlcluster)."""

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from pledges.models import GuessCounter, Signature
from tests.factories import make_classroom, make_pledge, make_school, make_teacher
from tests.security import servers
from tests.security.names import student_name

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

FRIENDLY_503 = "Back in a moment"
CLASS_ADDRESS = "127.0.0.3"  # the devices' source address: must never reach a log


def need(condition, reason):
    """Skip with a reason, or fail when CI said nothing may be skipped."""
    if condition:
        return
    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(f"{reason} (REQUIRE_POSTGRES is set, so this may not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def open_pledge():
    teacher = make_teacher(school=make_school(), role="lead")
    return make_pledge(make_classroom(teacher))


@dataclass
class Load:
    """Phones signing one after another from several threads, until told to stop."""

    server: servers.Server
    pledge: object
    threads: int = 6
    stop: threading.Event = field(default_factory=threading.Event)
    signed: list = field(default_factory=list)  # (name, finished at)
    failures: list = field(default_factory=list)  # (what, status, text, at)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self):
        self._threads = [
            threading.Thread(target=self._phone, args=(n,)) for n in range(self.threads)
        ]
        for thread in self._threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _phone(self, lane):
        number = lane * 100_000
        url = self.pledge.get_link_url()
        while not self.stop.is_set():
            number += 1
            name = student_name(number)
            phone = servers.Device(self.server.base, address=CLASS_ADDRESS)
            try:
                page = phone.request(url, timeout=20)
                if page.status != 200:
                    self._failed("GET", page)
                    time.sleep(0.2)
                    continue
                ids = servers.commitment_ids(page.text)
                token = servers.re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                reply = phone.request(
                    url,
                    {"display_name": name, "commitments": ids, "csrfmiddlewaretoken": token[1]},
                    timeout=20,
                )
            except OSError as error:
                with self.lock:
                    self.failures.append(("connection", None, repr(error), time.monotonic()))
                continue
            if reply.status == 303:
                with self.lock:
                    self.signed.append((name, time.monotonic()))
            else:
                self._failed("POST", reply)
                time.sleep(0.2)

    def _failed(self, what, reply):
        with self.lock:
            self.failures.append(
                (
                    what,
                    reply.status,
                    reply.text,
                    time.monotonic(),
                    reply.headers.get("Retry-After"),
                )
            )


def test_postgresql_restarts_during_signing_and_the_app_recovers_by_itself(open_pledge, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: make test runs it in its PostgreSQL pass")
    need(
        shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir(),
        "pg_ctlcluster is not installed",
    )
    need(os.geteuid() == 0, "restarting PostgreSQL needs root")
    version = sorted(os.listdir("/etc/postgresql"))[0]
    env = servers.server_env(PLEDGE_SIGNATURES_PER_MINUTE="100000")
    server = servers.start("gunicorn", tmp_path, env=env, workers=2)
    load = Load(server, open_pledge)
    try:
        load.run()
        time.sleep(2)
        before_restart = len(load.signed)
        restart_began = time.monotonic()
        subprocess.run(  # noqa: S603
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=120,
        )
        restarted = time.monotonic()
        deadline = restarted + 30
        while time.monotonic() < deadline:
            if any(at > restarted for _name, at in load.signed):
                break
            time.sleep(0.1)
        time.sleep(2)  # and keep signing a little longer
    finally:
        load.finish()
        server.stop()
    connection.close()  # ours died with the restart too
    recovered_at = min((at for _name, at in load.signed if at > restarted), default=None)
    assert before_restart > 0, load.failures[:3]
    assert recovered_at is not None, f"no signature after the restart: {load.failures[-3:]}"
    recovery = recovered_at - restarted
    first_failure = min((at for _w, _s, _t, at, *_r in load.failures), default=restarted)
    downtime = recovered_at - min(first_failure, restarted)
    # Every success is in the database, once.
    names = [name for name, _at in load.signed]
    stored = set(
        Signature.objects.filter(pledge=open_pledge).values_list("display_name", flat=True)
    )
    assert set(names) <= stored, set(names) - stored
    assert len(names) == len(set(names))
    # Every failure was the friendly 503 page, never a 500 or a traceback.
    for what, status, text, _at, *retry in load.failures:
        assert status == 503, (what, status, text[:300])
        assert FRIENDLY_503 in text and "Traceback" not in text
        assert retry and retry[0] and int(retry[0]) > 0
    assert recovery < 10, f"took {recovery:.1f}s to recover"
    # gunicorn's access log: request lines without the client's address or device.
    log = server.log()
    assert '"POST /p/' in log and CLASS_ADDRESS not in log and "TestPhone" not in log
    print(
        f"PostgreSQL restart ({restarted - restart_began:.1f}s): {len(names)} signatures kept, "
        f"{len(load.failures)} friendly 503s, signing again {recovery:.1f}s after the restart "
        f"finished ({downtime:.1f}s from the first failure)"
    )


def test_a_connection_that_died_while_idle_is_replaced_before_the_next_page(open_pledge, tmp_path):
    """The app keeps its PostgreSQL connections and checks one only after it sat idle
    (allyship_site.postgresql): a firewall or a failover that drops them overnight must
    cost the first student of the morning nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: make test runs it in its PostgreSQL pass")
    server = servers.start("gunicorn", tmp_path, workers=1)
    phone = servers.Device(server.base)
    try:
        for _ in range(8):  # each of the worker's threads opens its connection
            assert phone.request(open_pledge.get_link_url()).status == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchall(), "the app held no connection to drop"
        time.sleep(1.5)  # idle for longer than allyship_site.postgresql.IDLE_SECONDS
        replies = [phone.request(open_pledge.get_link_url()) for _ in range(8)]
    finally:
        server.stop()
    assert [reply.status for reply in replies] == [200] * 8, replies[0].text[:300]


# Redis ----------------------------------------------------------------------------------


def start_redis(tmp_path):
    port = servers.free_port()
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",  # noqa: S607
         "--bind", "127.0.0.1", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(50):
        try:
            with servers.socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not start")


def sign_once(base, pledge, number):
    phone = servers.Device(base)
    page = phone.request(pledge.get_link_url())
    ids = servers.commitment_ids(page.text)
    return phone.post_form(
        pledge.get_link_url(), {"display_name": student_name(number), "commitments": ids}
    )


def test_the_site_keeps_serving_signing_and_limiting_when_redis_dies(open_pledge, tmp_path):
    need(
        shutil.which("redis-server"),
        "redis-server is not installed (apt-get install redis-server)",
    )
    redis, port = start_redis(tmp_path)
    env = servers.server_env(REDIS_URL=f"redis://127.0.0.1:{port}/1")
    server = None
    try:
        server = servers.start("gunicorn", tmp_path, env=env, workers=1)
        visitor = servers.Device(server.base)
        signup = {"first_name": "Ada", "last_name": "Lee"}
        assert visitor.request("/lessons/").status == 200
        assert sign_once(server.base, open_pledge, 1).status == 303
        assert (
            servers.Device(server.base)
            .post_form("/accounts/signup/", {**signup, "email": "ada@school.example"})
            .status
            == 302
        )
        redis.kill()
        redis.wait(timeout=10)
        for attempt in range(3):
            assert visitor.request("/lessons/").status == 200
            assert visitor.request("/").status == 200
            assert sign_once(server.base, open_pledge, 10 + attempt).status == 303
            assert (
                servers.Device(server.base)
                .post_form(
                    "/accounts/signup/", {**signup, "email": f"ada{attempt}@school.example"}
                )
                .status
                == 302
            )
    finally:
        if redis.poll() is None:
            redis.kill()
        if server:
            server.stop()
    assert Signature.objects.filter(pledge=open_pledge).count() == 4
    # The sign-up limit kept counting all along: it lives in the database, not the cache.
    assert GuessCounter.objects.get(key__startswith="signup:address:").count == 4


def test_the_redis_cache_answers_like_an_empty_cache_when_redis_is_down():
    """The settings' Redis cache (django-redis, IGNORE_EXCEPTIONS) with nothing listening:
    reads give the default, writes are dropped, and the error is logged."""
    dead = f"redis://127.0.0.1:{servers.free_port()}/1"
    code = (
        "from django.core.cache import cache; "
        "print(cache.get('key', 'default'), cache.set('key', 1), cache.add('key', 1), "
        "cache.get_many(['a']), cache.incr('key'), cache.delete('key'))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, Path(__file__).resolve().parents[2] / "manage.py", "shell", "-c", code],
        env=servers.server_env(REDIS_URL=dead),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == [
        "default",
        "None",
        "None",
        "{}",
        "None",
        "None",
    ]
    assert "Exception ignored" in done.stderr
