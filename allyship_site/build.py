"""This process's code, templates and static files as one short fingerprint.

Pages kept in the shared cache (pledges.page_cache: Redis or the database cache, for up
to ten minutes) are keyed on it, so after an upgrade no process serves a page that an
older version rendered: old markup, or links to static files under hashed names the new
collectstatic no longer has. Processes of the same version share their pages as before.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings

# What a rendered page is made from: the apps' code and the templates (the curriculum's
# content is keyed separately, by its version), and the static files' manifest.
SOURCE_FOLDERS = ("allyship_site", "curriculum", "pledges", "templates")
SOURCE_SUFFIXES = (".py", ".html", ".txt")


def fingerprint(base, paths):
    """A short hash of the files at `paths`, by their names under `base` and their bytes."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(Path(path).relative_to(base)).encode() + b"\0")
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def version():
    """This process's fingerprint, worked out once (a few milliseconds)."""
    base = Path(settings.BASE_DIR)
    paths = [
        path
        for folder in SOURCE_FOLDERS
        for path in (base / folder).rglob("*")
        if path.suffix in SOURCE_SUFFIXES and path.is_file()
    ]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        paths.append(manifest)
    return fingerprint(base, paths) if paths else "none"
