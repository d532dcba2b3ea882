"""More kinds of file under the content folder, read, loaded and exported by other apps.

The curriculum stands alone: it names no other app. An app that keeps its own records in
the content folder (the pledges app's pledge templates) describes them as a ContentKind,
and the project lists it in the CURRICULUM_CONTENT_KINDS setting, as it names the family
note's classes hook in CURRICULUM_CLASSROOMS. Each kind is read after the lessons, loaded
in the same transaction after them, and exported with them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ContentKind:
    # Its key in Content.extra, e.g. "pledge_templates".
    name: str
    # What the records are, plural, for `load_curriculum --check`: "pledge templates".
    label: str
    # read(root, content, problems, *, against_database) -> list of records: appends a
    # Problem for each thing wrong, naming the file and the field.
    read: Callable
    # load(records, report, *, update): inside the loader's transaction, after lessons.
    load: Callable
    # export(root) -> list of the paths written.
    export: Callable


def content_kinds():
    """The ContentKinds named in settings.CURRICULUM_CONTENT_KINDS, in order."""
    return [import_string(path) for path in getattr(settings, "CURRICULUM_CONTENT_KINDS", ())]
