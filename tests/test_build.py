"""allyship_site.build: the fingerprint that keeps one version's pages from another's."""

from allyship_site import build


def test_the_fingerprint_follows_every_byte_and_name_and_nothing_else(tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>Hello</p>")
    code = tmp_path / "views.py"
    code.write_text("x = 1\n")
    first = build.fingerprint(tmp_path, [page, code])
    assert build.fingerprint(tmp_path, [code, page]) == first  # order does not matter
    page.write_text("<p>Hello!</p>")
    assert build.fingerprint(tmp_path, [page, code]) != first
    page.write_text("<p>Hello</p>")
    assert build.fingerprint(tmp_path, [page, code]) == first
    page.rename(tmp_path / "templates" / "other.html")
    assert build.fingerprint(tmp_path, [tmp_path / "templates" / "other.html", code]) != first


def test_this_checkouts_fingerprint_covers_the_templates_and_the_code():
    assert len(build.version()) == 16
    assert build.version() == build.version()  # worked out once
