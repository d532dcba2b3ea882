"""CI audits the locked dependencies for known vulnerabilities before running the tests."""

import os
import re
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / ".ci" / "audit-dependencies"


def test_ci_audits_before_the_tests():
    script = (ROOT / ".ci" / "run").read_text()
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    text = "\n".join(lines)
    assert ".ci/audit-dependencies" in text
    assert text.index(".ci/audit-dependencies") < text.index("make test")
    assert "set -euo pipefail" in script  # a failing audit stops the run
    body = SCRIPT.read_text()
    assert "-r requirements.txt -r requirements-dev.txt" in body


def run_with_fake_pip_audit(tmp_path, output, status, **env):
    fake = tmp_path / "pip-audit"
    fake.write_text(f"#!/bin/sh\necho '{output}'\nexit {status}\n")
    fake.chmod(0o755)
    return subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, "PIP_AUDIT": str(fake), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_known_vulnerability_fails_the_build(tmp_path):
    result = run_with_fake_pip_audit(tmp_path, "Found 1 known vulnerability in 1 package", 1)
    assert result.returncode == 1
    assert "known vulnerabilities" in result.stderr


def test_an_unreachable_service_warns_loudly_but_does_not_fail(tmp_path):
    result = run_with_fake_pip_audit(
        tmp_path, "nh3  Dependency not found on PyPI and could not be audited: nh3 (0.3.8)", 0
    )
    assert result.returncode == 0
    assert "were NOT audited" in result.stderr


def test_strict_mode_passes_strict_to_pip_audit(tmp_path):
    fake = tmp_path / "pip-audit"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    result = subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, "PIP_AUDIT": str(fake), "AUDIT_STRICT": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--strict" in result.stdout


def test_pip_audit_is_a_pinned_dev_dependency():
    assert re.search(r"^pip-audit==[\d.]+$", (ROOT / "requirements-dev.txt").read_text(), re.M)
