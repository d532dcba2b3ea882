"""Mozilla's HTTP Observatory scoring, for one response.

Reimplements the rules of mdn/mdn-http-observatory (src/analyzer/tests/*.js and the
modifiers in src/grader/charts.js): start at 100, subtract the penalties, add the
bonuses only if the score is still 90 or more, grade A+ from 100. We score every page
of the site, not just the home page the Observatory looks at.
"""

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

MODIFIERS = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # CORS
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Redirection
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    # Referrer-Policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # HSTS (hsts-preloaded, +5, needs the live preload list: not claimed here)
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    # Subresource integrity
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90

DANGEROUSLY_BROAD = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
SIX_MONTHS = 15768000


@dataclass
class Report:
    results: dict = field(default_factory=dict)
    score: int = 0
    grade: str = ""


def parse_csp(header):
    policy = {}
    for part in header.split(";"):
        words = part.strip().split()
        if not words:
            continue
        directive = words[0].lower()
        if directive in policy:
            raise ValueError(f"duplicate directive {directive}")
        policy[directive] = {w if not w.startswith("'") else w.lower() for w in words[1:]}
    return policy


def csp_result(header, *, https=True):
    if not header:
        return "csp-not-implemented", {}
    try:
        csp = parse_csp(header)
    except ValueError:
        return "csp-header-invalid", {}
    any_ = {"*"}
    object_src = set(csp.get("object-src") or csp.get("default-src") or any_)
    script_src = set(csp.get("script-src") or csp.get("default-src") or any_)
    style_src = set(csp.get("style-src") or csp.get("default-src") or any_)
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    active = [
        s for d, v in csp.items() if d not in ("img-src", "media-src", "script-src") for s in v
    ] + list(script_src)
    passive = [
        s for d in ("img-src", "media-src") for s in csp.get(d) or csp.get("default-src") or ()
    ]
    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        result = "csp-implemented-with-unsafe-inline"
    elif https and any(s.startswith(("http:", "ftp:")) for s in active):
        result = "csp-implemented-with-insecure-scheme"
    elif "'unsafe-eval'" in script_src | style_src:
        result = "csp-implemented-with-unsafe-eval"
    elif https and any(s.startswith(("http:", "ftp:")) for s in passive):
        result = "csp-implemented-with-insecure-scheme-in-passive-content-only"
    elif style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        result = "csp-implemented-with-unsafe-inline-in-style-src-only"
    elif csp.get("default-src") == {"'none'"}:
        result = "csp-implemented-with-no-unsafe-default-src-none"
    else:
        result = "csp-implemented-with-no-unsafe"
    return result, csp


def hsts_result(header):
    if not header:
        return "hsts-not-implemented", False
    match = re.search(r"max-age\s*=\s*\"?(\d+)", header, re.I)
    if not match:
        return "hsts-header-invalid", False
    if int(match[1]) >= SIX_MONTHS:
        return "hsts-implemented-max-age-at-least-six-months", True
    return "hsts-implemented-max-age-less-than-six-months", True


def cookies_result(set_cookie_headers, *, hsts):
    if not set_cookie_headers:
        return "cookies-not-found"
    goodness = [
        "cookies-without-secure-flag-but-protected-by-hsts",
        "cookies-without-secure-flag",
        "cookies-session-without-secure-flag-but-protected-by-hsts",
        "cookies-samesite-flag-invalid",
        "cookies-anticsrf-without-samesite-flag",
        "cookies-session-without-httponly-flag",
        "cookies-session-without-secure-flag",
    ]
    result, missing_samesite = None, False

    def worse(candidate):
        nonlocal result
        if result is None or goodness.index(candidate) > goodness.index(result):
            result = candidate

    for raw in set_cookie_headers:
        parsed = SimpleCookie()
        parsed.load(raw)
        for name, morsel in parsed.items():
            if morsel["max-age"] == "0":
                continue  # a deletion: the browser drops it, the Observatory's jar too
            samesite = morsel["samesite"]
            if samesite and samesite.lower() not in ("lax", "strict", "none"):
                worse("cookies-samesite-flag-invalid")
            secure, httponly = bool(morsel["secure"]), bool(morsel["httponly"])
            session = any(part in name.lower() for part in ("login", "sess"))
            if not secure and samesite.lower() == "none":
                worse("cookies-samesite-flag-invalid")
            if not secure:
                worse(
                    "cookies-without-secure-flag-but-protected-by-hsts"
                    if hsts
                    else "cookies-without-secure-flag"
                )
            if "csrf" in name.lower() and not samesite:
                worse("cookies-anticsrf-without-samesite-flag")
            if session and not secure:
                worse(
                    "cookies-session-without-secure-flag-but-protected-by-hsts"
                    if hsts
                    else "cookies-session-without-secure-flag"
                )
            if session and not httponly:
                worse("cookies-session-without-httponly-flag")
            missing_samesite = missing_samesite or not samesite
    if result:
        return result
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


def referrer_result(header):
    if not header:
        return "referrer-policy-not-implemented"
    values = [v.strip().lower() for v in header.split(",")]
    private = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    unsafe = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
    last = values[-1]
    if last in private:
        return "referrer-policy-private"
    if last in unsafe:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


def xfo_result(header, csp):
    ancestors = csp.get("frame-ancestors")
    if ancestors and not ancestors & DANGEROUSLY_BROAD:
        return "x-frame-options-implemented-via-csp"
    if not header:
        return "x-frame-options-not-implemented"
    value = header.strip().lower()
    if value in ("deny", "sameorigin"):
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from "):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def sri_result(content_type, body, origin):
    if not content_type.startswith(("text/html", "application/xhtml+xml")):
        return "sri-not-implemented-response-not-html"
    scripts = re.findall(r"<script\b[^>]*>", body, re.I)
    if not scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    external_insecure = external_without_sri = False
    for tag in scripts:
        src = re.search(r"\bsrc\s*=\s*[\"']?([^\"' >]+)", tag, re.I)
        if not src:
            continue
        url = urlsplit(src[1])
        if not url.netloc or f"{url.scheme}://{url.netloc}" == origin:
            continue
        if url.scheme != "https":
            external_insecure = True
        if "integrity=" not in tag.lower():
            external_without_sri = True
    if external_insecure:
        return "sri-not-implemented-and-external-scripts-not-loaded-securely"
    if external_without_sri:
        return "sri-not-implemented-but-external-scripts-loaded-securely"
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"


def cors_result(headers):
    allow = headers.get("Access-Control-Allow-Origin")
    if not allow:
        return "cross-origin-resource-sharing-not-implemented"
    if allow.strip() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    if headers.get("Access-Control-Allow-Credentials", "").lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def corp_result(header):
    if not header:
        return "corp-not-implemented"
    value = header.strip().lower()
    return {
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(value, "corp-header-invalid")


def redirection_result(http_response, host):
    """From the answer to the same URL over plain HTTP."""
    if http_response is None:
        return "redirection-not-needed-no-http"
    if http_response.status_code not in (301, 302, 307, 308):
        return "redirection-missing"
    target = urlsplit(http_response["Location"])
    if target.scheme != "https":
        return "redirection-not-to-https"
    if target.netloc != host:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def score(response, *, http_response, host):
    """Score a Django test response (fetched over HTTPS) the Observatory's way."""
    headers = response.headers
    nosniff = headers.get("X-Content-Type-Options", "")
    csp, csp_map = csp_result(headers.get("Content-Security-Policy", ""))
    hsts, hsts_ok = hsts_result(headers.get("Strict-Transport-Security", ""))
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    report = Report()
    report.results = {
        "content-security-policy": csp,
        "cookies": cookies_result(
            [c.output(header="").strip() for c in response.cookies.values()], hsts=hsts_ok
        ),
        "cross-origin-resource-sharing": cors_result(headers),
        "cross-origin-resource-policy": corp_result(headers.get("Cross-Origin-Resource-Policy")),
        "redirection": redirection_result(http_response, host),
        "referrer-policy": referrer_result(headers.get("Referrer-Policy", "")),
        "strict-transport-security": hsts,
        "subresource-integrity": sri_result(
            headers.get("Content-Type", ""), body, f"https://{host}"
        ),
        "x-content-type-options": (
            "x-content-type-options-nosniff"
            if nosniff.strip().lower() == "nosniff"
            else "x-content-type-options-not-implemented"
            if not nosniff
            else "x-content-type-options-header-invalid"
        ),
        "x-frame-options": xfo_result(headers.get("X-Frame-Options", ""), csp_map),
    }
    modifiers = [MODIFIERS[result] for result in report.results.values()]
    total = 100 + sum(m for m in modifiers if m < 0)
    if total >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        total += sum(m for m in modifiers if m > 0)
    report.score = max(total, 0)
    report.grade = next(grade for floor, grade in GRADES if report.score >= floor)
    return report
