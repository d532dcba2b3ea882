"""Security headers on every response of every URL, with the production settings: each
header asserted as it must be (what Mozilla's HTTP Observatory grades, checked directly)."""

import json

import pytest
from django.test import Client

from tests.factories import sign_form_data
from tests.security.urlmap import ADMIN, all_patterns, kind_of, url_for
from tests.test_project import run_manage

pytestmark = pytest.mark.django_db

HOST = "allyship.example.org"
SECURITY_SETTINGS = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY",
    "CROSS_ORIGIN_RESOURCE_POLICY", "MIDDLEWARE", "SECURE_REDIRECT_EXEMPT", "ALLOWED_HOSTS",
    "SESSION_COOKIE_AGE", "SESSION_ENGINE",
]  # fmt: skip


@pytest.fixture(scope="module")
def production_values():
    """The security settings as production computes them (DEBUG off, from the env)."""
    from tests.test_project import production_env

    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = run_manage("shell", "-c", code, env=production_env(ALLOWED_HOSTS=HOST))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, value)
    return settings


def test_production_turns_on_hsts_secure_cookies_and_the_https_redirect(production_values):
    values = production_values
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"


def check_headers(response, where, *, production=True):
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert csp, f"{where}: no CSP"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    directives = {p.split()[0]: p.split()[1:] for p in csp.split(";") if p.strip()}
    assert directives["frame-ancestors"] == ["'none'"], where
    # No plugins: object-src 'none', or default-src 'none', which it falls back to.
    assert directives.get("object-src", directives["default-src"]) == ["'none'"], where
    assert directives["base-uri"] == ["'none'"], where
    assert directives["default-src"] in (["'self'"], ["'none'"]), where
    for sources in directives.values():
        # Our own origin only: no third-party host, no scheme wildcard.
        assert set(sources) <= {"'self'", "'none'", "data:"}, f"{where}: {sources}"
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    permissions = h.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions, f"{where}: {permissions}"
    assert h.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert h.get("Cross-Origin-Resource-Policy") == "same-origin", where
    if production:
        assert "max-age=31536000" in h.get("Strict-Transport-Security", ""), where
        for cookie in response.cookies.values():
            if cookie["max-age"] == 0:
                continue  # deleting a cookie: nothing is stored
            assert cookie["secure"], f"{where}: cookie {cookie.key} not Secure"
            assert cookie["samesite"] == "Lax", f"{where}: cookie {cookie.key} SameSite"
            if cookie.key in ("sessionid",) or cookie.key.startswith("pledge_"):
                assert cookie["httponly"], f"{where}: cookie {cookie.key} not HttpOnly"


def test_every_page_sends_the_headers(production, world, content_type_id):
    personas = {None: Client(), "owner": Client(), "staff": Client()}
    personas["owner"].force_login(world.owner)
    personas["staff"].force_login(world.staff)
    plain_http = Client()
    https = {"secure": True, "HTTP_HOST": HOST}
    checked = 0
    # The site's own address over plain HTTP goes to HTTPS on the same host, first.
    site_redirect = plain_http.get("/", HTTP_HOST=HOST)
    assert site_redirect.status_code == 301
    assert site_redirect["Location"] == f"https://{HOST}/"
    for pattern in all_patterns():
        url = url_for(pattern, world, content_type_id)
        who = ("staff",) if kind_of(pattern) == ADMIN else (None, "owner")
        redirect = plain_http.get(url, HTTP_HOST=HOST)
        if pattern.key != "healthz":  # probed over plain HTTP by load balancers
            assert redirect.status_code == 301, url
            assert redirect["Location"] == f"https://{HOST}{url}", url
            check_headers(redirect, f"http {url}", production=False)
        for persona in who:
            response = personas[persona].get(url, **https)
            where = f"{persona or 'anonymous'} GET {url}"
            check_headers(response, where)
            checked += 1
    assert checked > len(all_patterns())


def test_signing_sets_only_secure_cookies(production, world):
    student = Client()
    https = {"secure": True, "HTTP_HOST": HOST}
    check_headers(student.get(world.pledge.get_link_url(), **https), "sign page")
    signed = student.post(
        world.pledge.get_link_url(), sign_form_data(world.pledge, "Bea B"), **https
    )
    assert signed.status_code == 303
    check_headers(signed, "sign")  # the return cookie: Secure, HttpOnly, SameSite=Lax
    cookie = signed.cookies[f"pledge_{world.pledge.pk}"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_healthz_probe_is_exempt_from_the_https_redirect(production):
    assert Client().get("/healthz", HTTP_HOST=HOST).status_code == 200


def test_in_development_a_page_that_answers_404_keeps_its_stylesheet(client, settings):
    """make run (DEBUG): django-csp leaves 404s without a policy for Django's debug pages;
    the fallback for responses that load nothing must not take its place."""
    settings.DEBUG = True
    response = client.get("/p/no-such-link/")
    assert response.status_code == 404
    assert "default-src 'none'" not in response.get("Content-Security-Policy", "")
    assert 'rel="stylesheet" href="/static/' in response.text
    assert response["X-Content-Type-Options"] == "nosniff"  # the other headers still go
