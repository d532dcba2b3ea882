"""Pledge templates in the content folder: the pledges app reads, checks, loads and exports
them with the curriculum (load_curriculum, export_curriculum), and the curriculum loads
without them when the project does not list them."""

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from curriculum.loader import ContentError, export_content, load_content, read_content
from curriculum.models import Lesson
from pledges.models import PledgeTemplate

pytestmark = pytest.mark.django_db

CONTENT = Path(settings.CURRICULUM_DIR)
TEMPLATES = "pledge_templates/*.yaml"


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def a_template(root):
    return sorted(root.glob(TEMPLATES))[0]


def test_the_shipped_templates_load_with_the_curriculum():
    report = load_content(CONTENT)
    files = [yaml.safe_load(path.read_text()) for path in sorted(CONTENT.glob(TEMPLATES))]
    assert PledgeTemplate.objects.count() == len(files) > 0
    for data in files:
        template = PledgeTemplate.objects.get(slug=data["slug"])
        assert f"pledge template {data['slug']}" in report.created
        assert template.module.slug == data["module"]
        assert (template.lesson.slug if template.lesson else None) == data.get("lesson")
        assert sorted(band.slug for band in template.age_bands.all()) == sorted(
            data.get("age_bands", [])
        )
        assert template.commitments == data["commitments"]


def test_a_template_edited_in_the_admin_is_kept_unless_update():
    load_content(CONTENT)
    template = PledgeTemplate.objects.order_by("slug").first()
    template.title = "Edited in the admin"
    template.save()

    report = load_content(CONTENT)
    template.refresh_from_db()
    assert template.title == "Edited in the admin"
    assert f"pledge template {template.slug}" in report.unchanged

    report = load_content(CONTENT, update=True)
    template.refresh_from_db()
    assert template.title != "Edited in the admin"
    assert f"pledge template {template.slug}" in report.updated


def test_export_writes_each_template_as_its_file_reads(tmp_path):
    load_content(CONTENT)
    export_content(tmp_path)
    for path in sorted(CONTENT.glob(TEMPLATES)):
        shipped = yaml.safe_load(path.read_text())
        exported = yaml.safe_load((tmp_path / path.relative_to(CONTENT)).read_text())
        assert exported == {key: value.strip() if isinstance(value, str) else value
                            for key, value in shipped.items()}  # fmt: skip


def test_check_command_counts_the_templates(capsys):
    call_command("load_curriculum", check=True)
    count = len(list(CONTENT.glob(TEMPLATES)))
    assert f"lessons, {count} pledge templates are valid." in capsys.readouterr().out


@override_settings(CURRICULUM_CONTENT_KINDS=[])
def test_the_curriculum_loads_without_the_pledges_app_listed(content, capsys):
    """Lessons stand alone: without the kind, template files are not read at all, so even
    a broken one is no problem, and none is loaded."""
    a_template(content).write_text("not: [a template\n")
    load_content(content)
    assert Lesson.objects.exists()
    assert not PledgeTemplate.objects.exists()
    call_command("load_curriculum", path=str(content), check=True)
    assert "pledge templates" not in capsys.readouterr().out


def set_value(key, value):
    def change(data):
        data[key] = value

    return change


def without(key):
    return lambda data: data.pop(key)


def slug_of_another(root):
    """A second file with the first file's slug."""
    path = a_template(root)
    copy = path.with_name(f"zz-{path.name}")
    shutil.copy(path, copy)
    return copy


def edit(change):
    def breakage(root):
        path = a_template(root)
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return path

    return breakage


def write(text):
    def breakage(root):
        path = a_template(root)
        path.write_text(text)
        return path

    return breakage


@pytest.mark.parametrize(
    ("breakage", "field", "words"),
    [
        (edit(set_value("commitments", [f"I will {n}." for n in range(11)])),
         "commitments", "must list between 1 and 10 commitments"),
        (edit(without("commitments")), "commitments", "is required"),
        (edit(set_value("commitments", ["I will listen.", ""])),
         "commitments", "must be a list of non-empty text items"),
        (edit(without("intro")), "intro", "is required"),
        (edit(set_value("slug", "Not A Slug")), "slug", "is not a slug"),
        (edit(set_value("colour", "red")), "colour", "is not a known field"),
        (edit(set_value("module", "no-such-module")), "module", "no module 'no-such-module'"),
        (edit(set_value("lesson", "no-such-lesson")), "lesson", "no lesson 'no-such-lesson'"),
        (edit(set_value("age_bands", ["ages-0-1"])), "age_bands", "no age band 'ages-0-1'"),
        (slug_of_another, "slug", "pledge template"),
        (write("title: [unclosed\n"), "(file)", "is not valid YAML"),
        (write("- a list\n- not a mapping\n"), "(file)", "expected a mapping of keys to values"),
        (write("title: Kind online\nslug: kind\nmodule: m\nintro: We will #act\n"
               "commitments: [\"I will.\"]\n"), "intro", "as a comment"),
    ],
    ids=["eleven-commitments", "no-commitments", "empty-commitment", "no-intro", "bad-slug",
         "unknown-key", "no-module", "no-lesson", "no-age-band", "slug-twice", "not-yaml",
         "not-a-mapping", "comment-in-value"],
)  # fmt: skip
def test_a_broken_template_is_refused_naming_file_and_field(content, breakage, field, words):
    path = breakage(content)
    with pytest.raises(ContentError) as error:
        read_content(content)
    name = str(path.relative_to(content))
    problems = [p for p in error.value.problems if p.path == name]
    assert any(p.field == field and words in p.message for p in problems), error.value.problems
    with pytest.raises(ContentError):
        load_content(content)
    assert not PledgeTemplate.objects.exists() and not Lesson.objects.exists()
