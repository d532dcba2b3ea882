"""What reading the files found wrong, and what they hold once read and checked."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file: the file, the field (as the file spells it, with
    1-based positions: `activities[2].minutes`), what is wrong and, when known, the line."""

    path: str
    field: str
    message: str
    line: int | None = None

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found; nothing was loaded."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Content:
    """Everything read from the files, validated and normalised, as plain dicts (each
    with `_path`, the file it came from). `extra` holds the records of the content kinds
    other apps add (CURRICULUM_CONTENT_KINDS), by kind name."""

    age_bands: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    support_services: list = field(default_factory=list)
    modules: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    units: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class Report:
    """What a load did, one label (`lesson talking-about-just-banter`) a row."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    kept_admin_edits: list = field(default_factory=list)
