"""Project-wide checks: migrations are committed, production settings pass check --deploy."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the browser tests set it
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x" * 30 + "-a-long-and-random-production-secret-value",
        ALLOWED_HOSTS="allyship.example.org",
        CSRF_TRUSTED_ORIGINS="https://allyship.example.org",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_is_a_clear_error():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_missing_site_url_is_a_clear_error():
    env = production_env(ALLOWED_HOSTS="")
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


def test_booleans_are_parsed_strictly():
    result = run_manage("check", env=production_env(DEBUG="flase"))
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    """An IT person copies .env.example: a variable missing from it is a setting they
    never hear of, and one the settings no longer read is a knob that does nothing."""
    source = (ROOT / "allyship_site" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:os\.environ\.get|os\.environ\[|envbool|envint|envlist)\(?\s*"(\w+)"', source
        )
    )
    listed = set(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert sorted(read - listed) == [], "read by settings.py but missing from .env.example"
    assert sorted(listed - read) == [], "in .env.example but not read by settings.py"
