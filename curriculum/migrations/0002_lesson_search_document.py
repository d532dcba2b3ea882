"""On PostgreSQL, a lesson's search document as a stored column with a GIN index, so a
search reads it instead of building every lesson's `to_tsvector` on each request (14 ms
+ 22 ms for a search at district scale, growing with the lessons).

A generated column: PostgreSQL keeps it right on every write, the loader's and the
admin's and bulk inserts alike, and the model does not declare it, so Django never
writes to it (LessonQuerySet.search reads it). Elsewhere (SQLite) there is nothing to
add: search matches words there."""

from django.db import migrations

# The same weights as the search had: title A, summary B, outcome and teacher notes C.
ADD = """
ALTER TABLE curriculum_lesson ADD COLUMN search_document tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig,
                                 coalesce(outcome, '') || ' ' || coalesce(teacher_notes, '')),
                     'C')
    ) STORED;
CREATE INDEX lesson_search_document ON curriculum_lesson USING gin (search_document);
"""
DROP = """
DROP INDEX IF EXISTS lesson_search_document;
ALTER TABLE curriculum_lesson DROP COLUMN IF EXISTS search_document;
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0001_initial")]
    operations = [migrations.RunPython(add, drop, elidable=False)]
