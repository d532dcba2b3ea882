"""Backing up and restoring the database the app is configured with.

PostgreSQL: pg_dump in its custom format (-Fc, compressed, restorable table by table)
and pg_restore --clean into the same database. SQLite: the online backup API
(sqlite3.Connection.backup), which copies a consistent snapshot while the app keeps
serving, WAL and all; restoring copies the snapshot back the same way.

`make backup` / `make restore FILE=…` call the backup_database / restore_database
commands, which call these functions.
"""

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    pass


def _database(alias="default"):
    return connections[alias].settings_dict, connections[alias].vendor


def default_path(*, alias="default"):
    _settings, vendor = _database(alias)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if vendor == "postgresql" else "sqlite3"
    return Path(settings.BACKUP_DIR) / f"allyship-{stamp}.{suffix}"


def _pg_args_and_env(db):
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args, env


def _run(command, env):
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed: {error}") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def backup(path=None, *, alias="default"):
    """Write a backup of the database to `path` (a new file) and return the path."""
    db, vendor = _database(alias)
    path = Path(path) if path else default_path(alias=alias)
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor == "postgresql":
        args, env = _pg_args_and_env(db)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args], env)
    elif vendor == "sqlite":
        source = sqlite3.connect(db["NAME"])
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    return path


def restore(path, *, alias="default"):
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    db, vendor = _database(alias)
    connections[alias].close()  # the restore must not wait for our own idle connection
    if vendor == "postgresql":
        args, env = _pg_args_and_env(db)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(path),
            ],
            env,
        )
    elif vendor == "sqlite":
        source = sqlite3.connect(path)
        target = sqlite3.connect(db["NAME"], timeout=20)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        raise BackupError(f"Restoring {vendor} databases is not supported.")


def signatures_checksum(*, alias="default"):
    """sha256 over every signature's (pledge_id, name_key, display_name), in order: equal
    before a backup and after its restore if no signature was lost or changed."""
    from pledges.models import Signature

    digest = hashlib.sha256()
    rows = (
        Signature.objects.using(alias)
        .order_by("pledge_id", "name_key")
        .values_list("pledge_id", "name_key", "display_name")
    )
    for pledge_id, name_key, display_name in rows.iterator():
        digest.update(f"{pledge_id}\x1f{name_key}\x1f{display_name}\x1e".encode())
    return digest.hexdigest()
