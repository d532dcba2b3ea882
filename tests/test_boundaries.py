"""The apps' boundaries, read from their imports: the curriculum stands alone (a school
can use the lessons without pledges), and neither app imports the project's wiring
(allyship_site), only django.conf.settings."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(app):
    """(file, line, module) for every import in the app's Python files, and for every
    model it looks up by app label (apps.get_model("pledges", ...))."""
    for path in sorted((ROOT / app).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [str(node.args[0].value).split(".")[0]]
            else:
                continue
            for name in names:
                yield path.relative_to(ROOT), node.lineno, name


def crossings(app, other):
    return [
        f"{path}:{line} imports {name}"
        for path, line, name in imported_modules(app)
        if name == other or name.startswith(f"{other}.")
    ]


def test_curriculum_imports_nothing_of_pledges():
    assert crossings("curriculum", "pledges") == []


@pytest.mark.parametrize("app", ["curriculum", "pledges"])
def test_apps_import_nothing_of_the_project_wiring(app):
    assert crossings(app, "allyship_site") == []


def test_the_check_sees_an_import_the_wrong_way(tmp_path, monkeypatch):
    """The rule can fail: a curriculum module importing pledges is found."""
    app = tmp_path / "curriculum"
    app.mkdir()
    (app / "views.py").write_text("from pledges.models import Pledge\n")
    (app / "loader.py").write_text('apps.get_model("pledges", "PledgeTemplate")\n')
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert crossings("curriculum", "pledges") == [
        "curriculum/loader.py:1 imports pledges",
        "curriculum/views.py:1 imports pledges.models",
    ]
