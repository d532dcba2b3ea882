"""What both benchmarks share: the environment, servers, wrk runs and small HTTP helpers.

Everything here uses the standard library plus psycopg2 (a dependency of the app), so it
runs with the project's virtualenv and nothing else.
"""

import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-not-for-production"  # noqa: S105
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The gunicorn command for the app and the baseline alike. Sync workers, 2 x cores + 1:
# every request here is CPU-bound Python (rendering, or the ORM) with sub-millisecond waits
# on PostgreSQL over loopback, so threads would only add GIL switching; see
# docs/performance.md for the measured comparison with gthread.
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "1"))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port(preferred):
    """`preferred` when nothing listens there, else the next free one."""
    for port in range(preferred, preferred + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port near {preferred}")


# Database ----------------------------------------------------------------------------------


def recreate_database(name):
    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def drop_database(name):
    connection = psycopg2.connect(f"{PG_SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def query(database, sql, params=()):
    connection = psycopg2.connect(f"{PG_SERVER}/{database}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def app_env(database, **extra):
    """Production settings on plain HTTP over loopback (no TLS, so no secure cookies)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "DATABASE_URL": f"{PG_SERVER}/{database}",
        "LOG_LEVEL": "WARNING",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, capture=False):
    return python(env, "manage.py", *args, capture=capture)


def python(env, script, *args, capture=False):
    """Run a script of the project (manage.py, bench/data.py) with the app's settings."""
    command = [PYTHON, script, *args]
    if capture:
        return subprocess.run(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603
    return ""


# Servers -----------------------------------------------------------------------------------


class Server:
    """A process we start and stop ourselves (by its own process group, nothing broader)."""

    def __init__(self, name, command, *, env, cwd, ready_url, log_path):
        self.name = name
        self.ready_url = ready_url
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:  # noqa: S310
                    if response.status < 500:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer at {self.ready_url}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(D)sus'  # as gunicorn.conf.py, no address


def gunicorn(name, module, port, *, env, cwd, log_dir, ready_path="/", workers=None):
    """The one gunicorn command line, for the app and the baseline alike (flags override
    any gunicorn.conf.py in the working directory)."""
    command = [
        GUNICORN,
        module,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers or WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--threads",
        str(THREADS),
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--keep-alive",
        "5",
        "--access-logfile",
        str(Path(log_dir) / f"{name}-access.log"),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
    ]
    return Server(
        name,
        command,
        env=env,
        cwd=cwd,
        ready_url=f"http://127.0.0.1:{port}{ready_path}",
        log_path=Path(log_dir) / f"{name}.log",
    )


def resident_memory(pid):
    """VmRSS of a process in MB (from /proc/<pid>/status), or None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else None


def children(pid):
    """The process ids whose parent is `pid` (gunicorn's workers, for its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the parent id is the
        # second field after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def gunicorn_memory(server):
    """Resident memory of a gunicorn master and of each of its workers, in MB."""
    master = server.process.pid
    workers = {pid: resident_memory(pid) for pid in children(master)}
    return {
        "master_mb": resident_memory(master),
        "workers_mb": [mb for mb in workers.values() if mb is not None],
    }


# HTTP helpers ------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    """An opener with its own cookie jar that does not follow redirects."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return opener, jar


def fetch(opener, url, data=None, headers=None):
    """(status, body text, headers); 3xx and 4xx are answers, not exceptions."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), error.headers


def cookie(jar, name):
    return next((c.value for c in jar if c.name == name), None)


def csrf_pair(base, path):
    """A csrftoken cookie and a form token from a GET of a page with a form. Django accepts
    the same pair for any number of POSTs, as it does from one browser."""
    opener, jar = browser()
    status, body, _headers = fetch(opener, base + path)
    match = CSRF_INPUT.search(body)
    if status != 200 or not match or not cookie(jar, "csrftoken"):
        raise RuntimeError(f"No CSRF token pair from {path} (status {status})")
    return match.group(1), cookie(jar, "csrftoken")


def log_in(base, username, password):
    """A teacher's session cookie, by logging in through the login form."""
    opener, jar = browser()
    status, body, _headers = fetch(opener, base + "/accounts/login/")
    token = CSRF_INPUT.search(body).group(1)
    status, body, headers = fetch(
        opener,
        base + "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": password},
    )
    session = cookie(jar, "sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"Logging in as {username} failed (status {status})")
    return session


def log_size(path):
    path = Path(path)
    return path.stat().st_size if path.exists() else 0


def signed_in_log(path, offset=0):
    """Signatures the server answered with 303, from its access log after `offset`."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    return len(re.findall(r'"POST /p/[^/ ]+/ HTTP/[\d.]+" 303 ', text))


def settled_count(database, table="pledges_signature"):
    """The row count once requests still in flight when wrk stopped have finished."""
    last = None
    for _ in range(30):
        count = query(database, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608
        if count == last:
            return count
        last = count
        time.sleep(1)
    return last


# wrk ---------------------------------------------------------------------------------------


def lua_targets(path, rows):
    """Write a Lua file returning a list of tables of strings, for the wrk scripts."""

    def quote(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["return {"]
    for row in rows:
        fields = ", ".join(f"{key} = {quote(value)}" for key, value in row.items())
        lines.append(f"  {{{fields}}},")
    lines.append("}")
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def wrk(url, *, connections, seconds, script=None, headers=(), env=None):
    """Run wrk with latency percentiles; returns the parsed numbers and the raw output."""
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for header in headers:
        command += ["-H", header]
    command += ["-s", str(script or BENCH_DIR / "latency.lua")]
    command.append(url)
    result = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    return parse_wrk(result.stdout), result.stdout


def parse_wrk(output):
    numbers = {"requests": 0, "rps": 0.0, "non_2xx_3xx": 0, "socket_errors": 0, "statuses": {}}
    if match := re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", output):
        numbers["requests"] = int(match.group(1))
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(3)]
        numbers["duration_s"] = float(match.group(2)) * scale
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        numbers["rps"] = float(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        numbers["non_2xx_3xx"] = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        numbers["socket_errors"] = sum(int(n) for n in match.groups())
    # Sync workers close the connection after each response, which wrk may count as a read
    # "error" though the response arrived whole; reported apart, not as failures.
    if match := re.search(r"Socket errors: connect (\d+), read (\d+)", output):
        numbers["socket_connect_errors"] = int(match.group(1))
        numbers["socket_read_errors"] = int(match.group(2))
    for percent, micros in re.findall(r"^BENCH_PCT (\d+) (\d+)$", output, re.M):
        numbers[f"p{percent}_ms"] = round(int(micros) / 1000, 2)
    for status, count in re.findall(r"^BENCH_STATUS (\d+) (\d+)$", output, re.M):
        numbers["statuses"][status] = int(count)
    return numbers


def drain(base, seconds=120):
    """Wait until the server answers /healthz quickly again: requests wrk left queued in
    the listen backlog would otherwise slow the next run down."""
    deadline = time.monotonic() + seconds
    quick = 0
    while time.monotonic() < deadline and quick < 2:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=30) as response:  # noqa: S310
                response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        quick = quick + 1 if time.monotonic() - started < 0.1 else 0
        time.sleep(0.2)


def combine(slices):
    """One result from several wrk runs of the same load: counts summed, req/s from the
    totals, latency percentiles the mean of the runs' (an approximation)."""
    total_seconds = sum(s["duration_s"] for s in slices)
    combined = {
        "requests": sum(s["requests"] for s in slices),
        "non_2xx_3xx": sum(s["non_2xx_3xx"] for s in slices),
        "socket_errors": sum(s["socket_errors"] for s in slices),
        "statuses": {},
        "slices": len(slices),
    }
    combined["rps"] = round(combined["requests"] / total_seconds, 1) if total_seconds else 0.0
    for s in slices:
        for status, count in s["statuses"].items():
            combined["statuses"][status] = combined["statuses"].get(status, 0) + count
    for key in ("p50_ms", "p90_ms", "p95_ms", "p99_ms"):
        values = [s[key] for s in slices if key in s and s["requests"]]
        if values:
            combined[key] = round(sum(values) / len(values), 2)
    return combined


# The machine ------------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and (match := re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())):
        cpu = match.group(1).strip()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists() and (match := re.search(r"MemTotal:\s+(\d+)", meminfo.read_text())):
        memory = f"{int(match.group(1)) / 1024 / 1024:.0f} GiB"

    def version(command):
        try:
            output = subprocess.run(command, capture_output=True, text=True, timeout=10)  # noqa: S603
            return (output.stdout or output.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "postgresql": query("postgres", "SHOW server_version")[0][0],
        "wrk": version(["wrk", "--version"]).split(" [")[0],
        "gunicorn": f"{WORKERS} {WORKER_CLASS} workers"
        + (f" x {THREADS} threads" if WORKER_CLASS == "gthread" else ""),
        "django": version([PYTHON, "-c", "import django; print(django.get_version())"]),
    }


def ensure_tools(*tools):
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        sys.exit(f"Missing {', '.join(missing)}: run `make bench`, which installs them.")


def dump(path, data):
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
