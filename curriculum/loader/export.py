"""Exporting the curriculum: the database written back as files in the format read.py
reads, so edits made in the admin can be reviewed and shared."""

from pathlib import Path

from curriculum.loader.kinds import content_kinds
from curriculum.loader.read import MODULE_SECTIONS
from curriculum.loader.sync import in_file_order, lesson_data, module_data
from curriculum.loader.yaml_text import dump_yaml
from curriculum.models import AgeBand, Lesson, Module, SupportService, Theme


def _front_matter_file(front, sections):
    parts = ["---\n", dump_yaml(front), "---\n"]
    for heading, text in sections:
        if text:
            parts.append(f"\n# {heading}\n\n{text}\n")
    return "".join(parts)


def export_content(root):
    """Write the database's curriculum under `root`; return the paths written."""
    root = Path(root)
    written = []

    def write(relative, text):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    bands = [
        {
            "slug": band.slug,
            "label": band.label,
            "min_age": band.min_age,
            "max_age": band.max_age,
            "uk_stage": band.uk_stage,
            "us_grades": band.us_grades,
        }
        for band in AgeBand.objects.order_by("min_age", "max_age")
    ]
    write("age_bands.yaml", dump_yaml(bands))
    write(
        "themes.yaml",
        dump_yaml([{"slug": t.slug, "name": t.name} for t in Theme.objects.order_by("name")]),
    )
    services = [
        {
            key: value
            for key, value in {
                "name": s.name,
                "helps_with": s.helps_with,
                "contact": s.contact,
                "url": s.url,
                "country": s.country,
            }.items()
            if value
        }  # fmt: skip
        for s in SupportService.objects.order_by("country", "order", "name")
    ]
    write("support_services.yaml", dump_yaml(services))

    for module in Module.objects.all():
        data = module_data(module)
        front = {key: data[key] for key in ("title", "slug", "order", "status", "summary")}
        sections = [(heading, data[name]) for name, heading in MODULE_SECTIONS]
        write(f"modules/{module.slug}.md", _front_matter_file(front, sections))

    lessons = Lesson.objects.select_related("module").prefetch_related("age_bands", "themes")
    for lesson in lessons:
        data = lesson_data(lesson)
        for activity in data["activities"]:
            if activity["minutes_max"] is None:
                del activity["minutes_max"]
        front_keys = [
            "title", "slug", "module", "status", "age_bands", "duration_minutes", "themes",
            "summary", "outcome", "supervision", "supervision_note", "objectives",
            "key_learning_points", "key_vocabulary", "misconceptions", "materials",
            "content_guidance", "starter_question", "exit_questions", "discussion_questions",
            "sources", "starter_quiz", "exit_quiz", "activities", "handouts",
        ]  # fmt: skip
        front = {key: data[key] for key in front_keys if data.get(key) not in ("", [], None)}
        sections = [(heading, data[name]) for name, heading in Lesson.MARKDOWN_SECTIONS]
        write(
            f"lessons/{lesson.module.slug}/{lesson.slug}.md", _front_matter_file(front, sections)
        )
    for kind in content_kinds():
        written.extend(kind.export(root))
    return written


def quiz_as_yaml(quiz):
    """A quiz as the YAML a lesson file holds (for editing in the admin)."""
    return dump_yaml(in_file_order(quiz)) if quiz else ""
