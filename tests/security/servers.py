"""Real app processes for the tests that need them: two servers sharing one database,
a server whose PostgreSQL restarts, a Redis that dies. Requests go over HTTP with
urllib, each "device" with its own cookies and, when asked, its own source address."""

import http.client
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "t" * 40 + "-shared-by-the-test-servers"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url():
    """DATABASE_URL of the database this test runs against (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db.get("USER") or "")
    password = urllib.parse.quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    return (
        f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def server_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=test_database_url(),
        CONN_MAX_AGE="60",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(kind, tmp_path, *, env=None, workers=2):
    """Start `runserver` or `gunicorn` on a free port; wait until /healthz answers."""
    port = free_port()
    if kind == "runserver":
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                   "--noreload", "--skip-checks"]  # fmt: skip
    else:
        command = [str(Path(sys.executable).parent / "gunicorn"), "allyship_site.wsgi",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4",
                   "--access-logfile", "-", "--graceful-timeout", "2"]  # fmt: skip
    log_path = tmp_path / f"{kind}-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env or server_env(), stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(process, port, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited: {server.log()}")
        try:
            with urllib.request.urlopen(f"{server.base}/healthz", timeout=2) as reply:  # noqa: S310
                if reply.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{kind} did not answer in 30 s: {server.log()}")


class _FromAddress(urllib.request.HTTPHandler):
    def __init__(self, address):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection, req, source_address=(self.address, 0))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: dict
    text: str


class Device:
    """One phone or laptop: its own cookies, optionally its own source address."""

    def __init__(self, base, *, address=None, user_agent="TestPhone/1.0"):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()]
        if address:
            handlers.append(_FromAddress(address))
        self.opener = urllib.request.build_opener(*handlers)
        self.user_agent = user_agent

    def request(self, path, data=None, headers=None, timeout=15):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, headers={"User-Agent": self.user_agent, **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=timeout) as reply:
                return Reply(
                    reply.status, dict(reply.headers), reply.read().decode(errors="replace")
                )
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read().decode(errors="replace"))

    def post_form(self, path, data, headers=None):
        """GET the page for its CSRF token, then POST the form."""
        page = self.request(path, headers=headers)
        if page.status != 200:
            return page
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        token = match[1] if match else ""
        return self.request(path, {**data, "csrfmiddlewaretoken": token}, headers=headers)


def commitment_ids(text):
    return [int(v) for v in re.findall(r'name="commitments" value="(\d+)"', unescape(text))]
