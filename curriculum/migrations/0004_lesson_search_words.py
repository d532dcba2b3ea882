"""Search the same way on every database, over the whole lesson (curriculum/search.py).

The lesson keeps three plain-text search documents, filled here for existing lessons and
by every save after. They replace PostgreSQL's generated `search_document` column of
0002, which could only see the lesson's own row (not its activities or themes) and made
SQLite and PostgreSQL find different lessons.

On PostgreSQL, pg_trgm and a trigram index on the whole text: it serves the searches'
LIKE '% word%' and the word-similarity look-up that corrects a misspelt search.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from curriculum.search import lesson_documents

TRIGRAM_INDEX = GinIndex(
    fields=["search_text"], name="lesson_search_text_trgm", opclasses=["gin_trgm_ops"]
)


def fill_documents(apps, schema_editor):
    Lesson = apps.get_model("curriculum", "Lesson")
    lessons = Lesson.objects.prefetch_related("themes", "activities", "handouts")
    for lesson in lessons:
        for name, value in lesson_documents(lesson).items():
            setattr(lesson, name, value)
        lesson.save(update_fields=["search_title", "search_lead", "search_text"])


# 0002's generated column and its index, as 0002 made them (undone by the reverse).
DROP_0002 = """
DROP INDEX IF EXISTS lesson_search_document;
ALTER TABLE curriculum_lesson DROP COLUMN IF EXISTS search_document;
"""
ADD_0002 = """
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


def replace_postgresql_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Lesson = apps.get_model("curriculum", "Lesson")
    schema_editor.execute(DROP_0002)
    schema_editor.add_index(Lesson, TRIGRAM_INDEX)


def restore_postgresql_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Lesson = apps.get_model("curriculum", "Lesson")
    schema_editor.remove_index(Lesson, TRIGRAM_INDEX)
    schema_editor.execute(ADD_0002)


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0003_lesson_supervision_quizzes")]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="lesson",
            name="search_lead",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="lesson",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="lesson",
            name="search_title",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(
            replace_postgresql_document, restore_postgresql_document, elidable=False
        ),
    ]
