"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

Without Chromium these tests are skipped with a message saying how to enable them;
with REQUIRE_BROWSER set (as .ci/run does), a missing or broken Chromium fails the run.
"""

import os
import shutil

import pytest
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts", "screenshots")

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM
# synchronously between browser steps, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but Chromium is not at {CHROMIUM}.")
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}: browser tests skipped. "
        "Install it with `apt-get install chromium` (or set CHROMIUM_PATH) to run them."
    )
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _Server:
    def __init__(self):
        # No static handler: whitenoise serves the collected, hashed files as in production.
        self.thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler)
        self.thread.daemon = True
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://127.0.0.1:{self.thread.port}"

    def stop(self):
        self.thread.terminate()


@pytest.fixture(scope="session")
def _server_session(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = _Server()
    yield server
    server.stop()


@pytest.fixture
def server(_server_session, transactional_db):
    return _server_session.url


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


# Helpers shared by the journey, accessibility, mobile and no-JavaScript tests ---------

AXE_JS = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def log_in(context, server, user):
    """What force_login does, for a browser: a saved session and its cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": server}]
    )


def new_page(browser, *, phone=False, **options):
    if phone:
        options.update(
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
    else:
        options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def axe_violations(page):
    """axe-core's WCAG 2.2 A/AA violations on the current page, as readable strings."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE_JS)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
        for v in result["violations"]
    ]


STUDENT = "Amara B"


def sign(page, server, pledge, name=STUDENT):
    """A student types the class code at /join/, then signs with a name and every tick."""
    page.goto(f"{server}/join/")
    page.get_by_label("Your class code").fill(pledge.join_code_display().lower())
    page.get_by_role("button", name="Find my pledge").click()
    page.get_by_label("Your name").fill(name)
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Sign the pledge").click()


def sign_then_sign_again(phone, server, pledge, shots):
    """Sign as STUDENT, check the thanks page and the stored signature, then sign again
    with the same name and check it is refused. Screenshots are named `shots-…`."""
    from pledges.models import Signature

    sign(phone, server, pledge)
    phone.get_by_role("heading", name="Thanks for signing").wait_for()
    signature = Signature.objects.get(pledge=pledge)
    assert signature.display_name == STUDENT
    assert signature.commitments.count() == pledge.commitments.count()
    assert phone.locator(".return-code-value").inner_text() == signature.return_code_display()
    screenshot(phone, f"{shots}-thanks")

    sign(phone, server, pledge)
    phone.get_by_text("You've already signed this pledge.").wait_for()
    assert Signature.objects.filter(pledge=pledge).count() == 1
    screenshot(phone, f"{shots}-already-signed")
