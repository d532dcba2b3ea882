"""Every URL of the project, requested by four people: nobody sees or changes another
teacher's or another school's data.

The URL list comes from the URLconf itself (tests/security/urlmap.py), so a new page
that nobody classified fails test_every_url_pattern_is_classified.
"""

import io
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security import conftest as world_module
from tests.security.conftest import fingerprint
from tests.security.urlmap import (
    ADMIN,
    LEAD,
    OWNER,
    PUBLIC,
    ROUTES,
    STUDENT,
    TEACHER,
    all_patterns,
    kind_of,
    url_for,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse(settings.LOGIN_URL)
# Everything the owner's pages show and nobody else's may: class, pledge, student, note.
PRIVATE_TO_OWNER = [world_module.OWNER_SIGNER, world_module.OWNER_NOTE, world_module.OWNER_TALK]
PRIVATE_TO_SCHOOL = [
    world_module.OWNER_CLASS,
    world_module.OWNER_PLEDGE,
    world_module.OWNER_SIGNER,
    world_module.OWNER_NOTE,
    world_module.OWNER_TALK,
    world_module.OWNER_SCHOOL,
]
# What an attacker would post to a page that changes something.
ATTACK_POST = {
    "action": "hide",
    "name": world_module.OWNER_SCHOOL,
    "title": "Hacked",
    "lines": "Evil E",
    "prompt": "Hacked?",
    "classroom": "1",
    "commitments": "I will hack",
}


def text_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return content.decode("utf-8", errors="replace")


def is_login_redirect(response, login=LOGIN):
    return response.status_code == 302 and response["Location"].startswith(login)


def test_every_url_pattern_is_classified():
    keys = {pattern.key for pattern in all_patterns() if kind_of_or_none(pattern) != ADMIN}
    assert keys - set(ROUTES) == set(), "new URL patterns: add them to urlmap.ROUTES"
    assert set(ROUTES) - keys == set(), "ROUTES lists patterns that no longer exist"


def kind_of_or_none(pattern):
    try:
        return kind_of(pattern)
    except KeyError:
        return None


def sweep(world, personas, content_type_id):
    """(pattern, url, kind) for every pattern of the project."""
    return [(p, url_for(p, world, content_type_id), kind_of(p)) for p in all_patterns()]


def test_nobody_reaches_another_teachers_or_schools_data(world, personas, content_type_id):
    requests = 0
    for pattern, url, kind in sweep(world, personas, content_type_id):
        before, ours = fingerprint(), fingerprint(world.school)
        # Admin pages answer everyone but staff alike: two personas are enough there.
        who = ("anonymous", "owner") if kind == ADMIN else tuple(personas)
        for persona in who:
            client = personas[persona]
            got = client.get(url)
            where = f"{persona} GET {url} ({pattern.key})"
            assert got.status_code < 500, where
            check_get(kind, persona, got, where, pattern)
            requests += 1
            if persona != "owner" and kind in (OWNER, LEAD, ADMIN):
                posted = client.post(url, ATTACK_POST)
                check_post(kind, persona, posted, f"{persona} POST {url} ({pattern.key})", pattern)
                requests += 1
        assert fingerprint(world.school) == ours, f"{url} ({pattern.key}) changed our data"
        if kind != LEAD:  # another school's lead may change their own school
            assert fingerprint() == before, f"{url} ({pattern.key}) changed data"
    print(f"access sweep: {requests} requests over {len(all_patterns())} URL patterns")
    assert requests >= 4 * len(ROUTES)


def check_get(kind, persona, response, where, pattern):
    status = response.status_code
    text = text_of(response) if status == 200 else ""
    if kind == ADMIN:
        if pattern.name == "admin:login":
            assert status in (200, 302), where
        elif pattern.name == "admin:logout":
            assert status in (302, 405), where
        else:
            assert is_login_redirect(response, "/admin/login/"), where
        return
    if kind == PUBLIC:
        assert status in (200, 302, 405), where
    elif kind == STUDENT:
        # The code or token is the key: the same answer whoever holds it.
        assert status in (200, 302, 303, 404, 405), where
        return
    elif kind == TEACHER:
        if persona == "anonymous":
            assert is_login_redirect(response), where
        else:
            assert status in (200, 302, 405), where  # 405: a change, POST only
    elif kind == OWNER:
        if persona == "anonymous":
            assert is_login_redirect(response) or status == 405, where
        elif persona in ("other school", "colleague"):
            assert status in (404, 405), where
        else:
            assert status in (200, 302, 405), where
    elif kind == LEAD:
        if persona == "anonymous":
            assert is_login_redirect(response) or status == 405, where
        elif persona == "colleague" or persona == "other school" and pattern.params:
            assert status in (404, 405), where
        else:
            assert status in (200, 302, 405), where
    if persona == "other school":
        leaked = [s for s in PRIVATE_TO_SCHOOL if s in text]
        assert not leaked, f"{where} shows {leaked}"
    elif persona in ("colleague", "anonymous"):
        leaked = [s for s in PRIVATE_TO_OWNER if s in text]
        assert not leaked, f"{where} shows {leaked}"


def check_post(kind, persona, response, where, pattern):
    status = response.status_code
    if status == 405:  # a read-only page refuses POST before anything else
        return
    if kind == ADMIN:
        if pattern.name in ("admin:login", "admin:logout"):
            return
        assert is_login_redirect(response, "/admin/login/"), where
    elif persona == "anonymous":
        assert is_login_redirect(response), where
    elif kind == LEAD and persona == "other school" and not pattern.params:
        # Their own school's tools: allowed, and checked by the fingerprint of ours.
        assert status in (200, 302), where
    else:
        assert status == 404, where


def test_the_sweep_reaches_every_kind_of_page(world, content_type_id):
    kinds = {kind_of(p) for p in all_patterns()}
    assert kinds == {PUBLIC, STUDENT, TEACHER, OWNER, LEAD, ADMIN}
