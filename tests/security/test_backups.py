"""`make backup` / `make restore`: a populated database survives the round trip, row for
row and signature for signature (pg_dump/pg_restore on PostgreSQL, SQLite's online
backup API on SQLite)."""

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from pledges import backup
from pledges.models import Pledge, Signature
from tests import factories
from tests.security.conftest import make_world, row_counts
from tests.security.names import student_name

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_backup_restores_every_row_and_every_signature(tmp_path):
    world = make_world()
    for number in range(40):
        factories.make_signature(world.pledge, student_name(number))
    counts, checksum = row_counts(), backup.signatures_checksum()
    assert counts["Signature"] == 43

    out = StringIO()
    call_command("backup_database", "--output", str(tmp_path / "snapshot"), stdout=out)
    assert "Backed up to" in out.getvalue()
    assert (tmp_path / "snapshot").stat().st_size > 0

    # Disaster: a pledge deleted with its signatures, and a stray one added.
    Pledge.objects.filter(pk=world.pledge.pk).delete()
    factories.make_signature(Pledge.objects.first(), "Stray S")
    assert row_counts() != counts and backup.signatures_checksum() != checksum

    out = StringIO()
    call_command("restore_database", str(tmp_path / "snapshot"), "--yes", stdout=out)
    assert "Restored" in out.getvalue()
    assert row_counts() == counts
    assert backup.signatures_checksum() == checksum
    assert Signature.objects.filter(display_name="Stray S").count() == 0
    print(f"backup round trip: {counts['Signature']} signatures, sha256 {checksum[:12]}…")


def test_restoring_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="No backup file"):
        call_command("restore_database", str(tmp_path / "nothing"), "--yes")


def test_make_has_backup_and_restore_targets():
    root = Path(settings.BASE_DIR)
    dry = subprocess.run(  # noqa: S603
        ["make", "-n", "backup", "restore", "FILE=var/backups/x.dump", "YES=1"],  # noqa: S607
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert "manage.py backup_database" in dry.stdout
    assert 'manage.py restore_database "var/backups/x.dump" --yes' in dry.stdout
