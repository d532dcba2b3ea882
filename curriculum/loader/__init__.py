"""The curriculum files (curriculum/content/, see its README.md) to the database and back.

By job:

- read.py: `read_content()` reads and validates every file, collecting every problem with
  the file and field it is in: YAML with its pitfalls refused (yaml_text.py), records put
  in shape by pydantic (records.py), then the content rules (rules.py).
- sync.py: `load_content()` writes to the database in one transaction, and only when
  every file is valid, keeping rows edited in the admin since.
- export.py: `export_content()` writes the database back in the same format.
- kinds.py: other apps' records in the content folder (CURRICULUM_CONTENT_KINDS), read,
  loaded and exported with the curriculum without the curriculum naming those apps.
"""

from curriculum.loader.export import export_content, quiz_as_yaml
from curriculum.loader.kinds import ContentKind, content_kinds
from curriculum.loader.problems import Content, ContentError, Problem, Report
from curriculum.loader.read import parse_quiz, read_content
from curriculum.loader.records import validate
from curriculum.loader.rules import NOT_YET_RULES, UNIT_RULES, check_units, teaching_order
from curriculum.loader.sync import data_hash, lesson_data, load_content, module_data
from curriculum.loader.yaml_text import dump_yaml, read_yaml

__all__ = [
    "NOT_YET_RULES",
    "UNIT_RULES",
    "Content",
    "ContentError",
    "ContentKind",
    "Problem",
    "Report",
    "check_units",
    "content_kinds",
    "data_hash",
    "dump_yaml",
    "export_content",
    "lesson_data",
    "load_content",
    "module_data",
    "parse_quiz",
    "quiz_as_yaml",
    "read_content",
    "read_yaml",
    "teaching_order",
    "validate",
]
