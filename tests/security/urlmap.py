"""Every URL pattern of the project, and how each is reached and who may see it.

`all_patterns()` walks the URLconf recursively; `ROUTES` says, for each pattern, how to
build a real URL from the test world and which kind of page it is. A pattern missing
from ROUTES (a new page nobody classified) fails test_access_sweep and the header walk.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = "public"  # anyone, same page for everyone
STUDENT = "student"  # reached with the pledge's code or link token: the token is the key
TEACHER = "teacher"  # a logged-in teacher's own page without an object id
OWNER = "owner"  # an object of one teacher's: only they may see it
LEAD = "lead"  # the school lead's tools (school taken from the lead's own membership)
ADMIN = "admin"  # Django admin: staff only


@dataclass(frozen=True)
class Pattern:
    key: str  # the qualified URL name, or the route when it has none
    name: str | None
    route: str
    params: tuple


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            params = tuple(entry.pattern.regex.groupindex) or tuple(
                getattr(entry.pattern, "converters", {})
            )
            yield Pattern(key=name or route, name=name, route=route, params=params)


def all_patterns():
    """One Pattern per distinct key (a name shadowed by an earlier one is the same page)."""
    seen = {}
    for pattern in _walk(get_resolver().url_patterns):
        seen.setdefault(pattern.key, pattern)
    return list(seen.values())


def _pledge(w):
    return {"pk": w.pledge.pk}


def _token(w):
    return {"token": w.pledge.link_token}


# name -> (kind, kwargs from the world)
ROUTES = {
    "curriculum:home": (PUBLIC, None),
    "curriculum:lesson-list": (PUBLIC, None),
    "curriculum:lesson-detail": (PUBLIC, lambda w: {"slug": w.lesson.slug}),
    "curriculum:lesson-print": (PUBLIC, lambda w: {"slug": w.lesson.slug}),
    "curriculum:handout-print": (
        PUBLIC,
        lambda w: {"slug": w.lesson.slug, "handout_slug": "scenario-cards"},
    ),
    "curriculum:lesson-present-start": (PUBLIC, lambda w: {"slug": w.lesson.slug}),
    "curriculum:lesson-present": (PUBLIC, lambda w: {"slug": w.lesson.slug, "number": 1}),
    "curriculum:lesson-present-all": (PUBLIC, lambda w: {"slug": w.lesson.slug}),
    "curriculum:module-detail": (PUBLIC, lambda w: {"slug": w.lesson.module.slug}),
    "curriculum:module-family-note": (PUBLIC, lambda w: {"slug": w.lesson.module.slug}),
    "curriculum:teacher-guide": (PUBLIC, None),
    "curriculum:unit-detail": (
        PUBLIC,
        lambda w: {"band_slug": w.lesson.age_bands.first().slug},
    ),
    "pledges:join": (PUBLIC, None),
    "pledges:join-code": (STUDENT, lambda w: {"code": w.pledge.join_code_display()}),
    "pledges:join-link": (STUDENT, _token),
    "pledges:thanks": (STUDENT, _token),
    "pledges:withdraw": (STUDENT, _token),
    "pledges:forget-device": (STUDENT, _token),
    "pledges:reflect": (STUDENT, _token),
    "pledges:privacy": (PUBLIC, None),
    "pledges:school-privacy": (PUBLIC, None),
    "pledges:signup": (PUBLIC, None),
    "pledges:signup-sent": (PUBLIC, None),
    "pledges:signup-activate": (PUBLIC, lambda w: {"uidb64": "MQ", "token": "set-password"}),
    "pledges:school-setup": (TEACHER, None),
    "pledges:school-detail": (TEACHER, None),
    "pledges:dashboard": (TEACHER, None),
    "pledges:classroom-create": (TEACHER, None),
    "pledges:pledge-create": (TEACHER, None),
    "pledges:school-rotate-invite": (LEAD, None),
    "pledges:school-export": (LEAD, None),
    "pledges:school-delete": (LEAD, None),
    "pledges:school-remove-teacher": (
        LEAD,
        lambda w: {"membership_pk": w.colleague_membership.pk},
    ),
    "pledges:classroom-edit": (OWNER, lambda w: {"pk": w.classroom.pk}),
    "pledges:classroom-delete": (OWNER, lambda w: {"pk": w.classroom.pk}),
    "pledges:pledge-detail": (OWNER, _pledge),
    "pledges:pledge-edit": (OWNER, _pledge),
    "pledges:pledge-status": (OWNER, _pledge),
    "pledges:pledge-new-code": (OWNER, _pledge),
    "pledges:pledge-checking": (OWNER, _pledge),
    "pledges:signatures-moderate": (OWNER, _pledge),
    "pledges:pledge-delete": (OWNER, _pledge),
    "pledges:pledge-present": (OWNER, _pledge),
    "pledges:pledge-count": (OWNER, _pledge),
    "pledges:pledge-poster": (OWNER, _pledge),
    "pledges:pledge-sheet": (OWNER, _pledge),
    "pledges:pledge-paper": (OWNER, _pledge),
    "pledges:pledge-csv": (OWNER, _pledge),
    "pledges:pledge-qr": (OWNER, _pledge),
    "pledges:checkin-create": (OWNER, _pledge),
    "pledges:pledge-follow-through": (OWNER, _pledge),
    "pledges:reflections-csv": (OWNER, _pledge),
    "pledges:reflection-sheet": (OWNER, lambda w: {"pk": w.pledge.pk, "number": w.checkin.number}),
    "pledges:reflection-paper": (OWNER, lambda w: {"pk": w.pledge.pk, "number": w.checkin.number}),
    "pledges:reflection-moderate": (
        OWNER,
        lambda w: {"pk": w.pledge.pk, "reflection_pk": w.reflection.pk},
    ),
    "pledges:signature-moderate": (
        OWNER,
        lambda w: {"pk": w.pledge.pk, "signature_pk": w.signature.pk},
    ),
    "pledges:pledge-open-from-lesson": (TEACHER, lambda w: {"slug": w.lesson.slug}),
    "pledges:concern-list": (TEACHER, None),
    "pledges:concern-detail": (OWNER, lambda w: {"pk": w.concern.pk}),
    "pledges:concern-handle": (OWNER, lambda w: {"pk": w.concern.pk}),
    "pledges:concern-record": (OWNER, lambda w: {"pk": w.concern.pk}),
    "pledges:school-set-country": (LEAD, None),
    "pledges:school-set-dsl": (LEAD, lambda w: {"membership_pk": w.colleague_membership.pk}),
    "login": (PUBLIC, None),
    "logout": (PUBLIC, None),
    "password_reset": (PUBLIC, None),
    "password_reset_done": (PUBLIC, None),
    "password_reset_confirm": (PUBLIC, lambda w: {"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": (PUBLIC, None),
    "password_change": (TEACHER, None),
    "password_change_done": (TEACHER, None),
    "healthz": (PUBLIC, None),
}

# Admin parameters, by name: real rows so staff pages render.
_ADMIN_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _admin_value(name, world, content_type_id):
    return {
        "object_id": str(world.pledge.pk),
        "id": str(world.owner.pk),
        "content_type_id": str(content_type_id),
        "app_label": "pledges",
        "url": "no-such-admin-page/",
    }[name]


def kind_of(pattern):
    if pattern.key.startswith("admin:") or pattern.route.startswith("admin/"):
        return ADMIN
    return ROUTES[pattern.key][0]


def url_for(pattern, world, content_type_id):
    if kind_of(pattern) == ADMIN:
        kwargs = {p: _admin_value(p, world, content_type_id) for p in pattern.params}
        if pattern.name:
            return reverse(pattern.name, kwargs=kwargs or None)
        if "(?P<url>" in pattern.route:
            return "/admin/" + kwargs["url"]
        return "/" + _ADMIN_PARAM.sub(lambda m: kwargs[m["name"]], pattern.route)
    _kind, build = ROUTES[pattern.key]
    return reverse(pattern.name, kwargs=build(world) if build else None)
