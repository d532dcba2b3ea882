"""Limits on repeated tries, all in one place: the scopes below, one "too many tries"
page, and the one client address that these limits and django-axes (teacher log-ins,
AXES_CLIENT_IP_CALLABLE) both read.

A scope counts tries per client address, per teacher or per email typed, in fixed
windows, and for codes also across everyone. Code scopes count only *wrong* codes (the
view calls record() when a code matched nothing): a class typing the right code from one
school address is never slowed down. Sign-up and password reset count every try
(attempt()). A code that cannot be a code at all (wrong length or characters) is refused
before it gets here, and a pupil's slip of an open pledge's code is not counted
(record_wrong_join_code).

The counts live in the database (pledges.models.GuessCounter) and change with one atomic
UPDATE: they hold across app processes and restarts without Redis, and unlike the cache,
which drops writes while Redis is away, they never fail open. Only counted tries write,
and those are rare (wrong codes, account emails), so the table stays small and cheap.

Addresses and emails are never stored: a key holds an HMAC of them with SECRET_KEY, so a
counter row cannot be turned back into an address, and rows are deleted a window on.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.shortcuts import render
from django.utils import timezone
from ipware import get_client_ip

from pledges import codes
from pledges.forms.accounts import normalise_email
from pledges.models import GuessCounter, Pledge


@dataclass(frozen=True)
class Scope:
    per: str  # whose tries count against `limit`: "address", "teacher" or "email"
    limit: str  # the setting: tries each may make in a window
    window: str  # the setting: the window's length in seconds
    everyone: str = ""  # the setting: tries from everyone together in a window, if capped
    for_students: bool = False  # the "too many tries" page speaks to a child


# Students' codes share one window and one cap on everyone; teachers' tries are counted
# by the hour (ACCOUNT_LIMIT_WINDOW_SECONDS).
WRONG_CODES = Scope(
    "address",
    "WRONG_CODES_PER_ADDRESS",
    "WRONG_CODE_WINDOW_SECONDS",
    everyone="WRONG_CODES_GLOBAL",
    for_students=True,
)
ACCOUNTS = "ACCOUNT_LIMIT_WINDOW_SECONDS"

SCOPES = {
    # Wrong class codes: the join form and a code typed into the address.
    "join": WRONG_CODES,
    # Wrong return codes (withdrawing, coming back to reflect), counted apart from class
    # codes (their keys differ) so that neither blocks the other.
    "return": WRONG_CODES,
    # Wrong school invite codes, per logged-in teacher.
    "invite": Scope("teacher", "WRONG_INVITE_CODES_PER_TEACHER", ACCOUNTS),
    # Every sign-up and reset try per address (over it: the page below), and per email
    # typed (over it: nothing is sent, and the answer stays the same, so that it tells
    # nobody whether the email has an account or was tried before).
    "signup": Scope("address", "SIGNUPS_PER_ADDRESS", ACCOUNTS),
    "signup-email": Scope("email", "SIGNUPS_PER_EMAIL", ACCOUNTS),
    "password-reset": Scope("address", "PASSWORD_RESETS_PER_ADDRESS", ACCOUNTS),
    "password-reset-email": Scope("email", "PASSWORD_RESETS_PER_EMAIL", ACCOUNTS),
}


def client_address(request):
    """The address the request came from, as far as we can trust it (django-ipware).

    With NUM_PROXIES = 0 the app faces the internet and only REMOTE_ADDR is used: anyone
    can write an X-Forwarded-For header, so reading it would let a guesser reset their
    limit with every request. Behind N proxies we run, each appends the address it saw
    and the last one's is REMOTE_ADDR, so the Nth entry from the right is the one our
    outermost proxy saw; entries further left are whatever the client claimed. ipware's
    proxy_count counts the proxies *in* the header, one fewer than ours, and non-strict
    it ignores what the client prepended. With fewer entries than that (not through all
    our proxies, or a misconfiguration) only the nearest peer, REMOTE_ADDR, is trusted.
    """
    proxies = settings.NUM_PROXIES
    address = None
    if proxies > 0:
        address, _routable = get_client_ip(
            request,
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
    if address is None:
        address, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    return address or ""


def check(request, scope, *, email="", now=None):
    """Seconds this request must wait before trying `scope` again, or 0 to go ahead."""
    now = now or timezone.now()
    rule = SCOPES[scope]
    epoch, _start = _window(rule, now)
    limits = _keys(request, scope, email=email, epoch=epoch)
    counts = dict(GuessCounter.objects.filter(key__in=list(limits)).values_list("key", "count"))
    if all(counts.get(key, 0) < limit for key, limit in limits.items()):
        return 0
    window_end = epoch + getattr(settings, rule.window)
    return max(1, math.ceil(window_end - now.timestamp()))


def record(request, scope, *, email="", now=None):
    """Count one try (a wrong code) against this request's address, teacher or email,
    and against everyone where the scope caps everyone."""
    now = now or timezone.now()
    epoch, start = _window(SCOPES[scope], now)
    for key in _keys(request, scope, email=email, epoch=epoch):
        _increment(key, start, scope)


def attempt(request, scope, *, email="", now=None):
    """For scopes that count every try: check(), and count this try if it may go ahead
    (tries over a limit are not counted again, so waiting out the window is enough)."""
    wait = check(request, scope, email=email, now=now)
    if not wait:
        record(request, scope, email=email, now=now)
    return wait


def record_wrong_join_code(request, code, *, now=None):
    """Count a well-formed join code that matched no pledge, unless it is one slip
    (pledges.codes.one_slip_away) from the code of a pledge open now: that is a pupil's
    typo, and a class behind one school address makes dozens of them in a minute. It
    gets the same answer as any wrong code; what a guesser can learn from it not being
    counted is worked out in the README ("Expected time to guess a code")."""
    now = now or timezone.now()
    # One query on join_code's unique index alone, filtered here by Pledge.is_open():
    # with the status in the WHERE clause PostgreSQL scanned every open pledge instead.
    near = Pledge.objects.filter(join_code__in=codes.one_slip_away(code)).only(
        "status", "closes_at"
    )
    if any(pledge.is_open(now) for pledge in near):
        return
    record(request, "join", now=now)


def too_many_tries(request, scope, wait_seconds):
    """The one 429 page for every scope: how many minutes to wait, in words that suit
    the child or the teacher who sees it."""
    context = {
        "scope": scope,
        "for_students": scope in SCOPES and SCOPES[scope].for_students,
        "minutes": max(1, math.ceil(wait_seconds / 60)),
    }
    response = render(request, "pledges/too_many_tries.html", context, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked log-in (AXES_LOCKOUT_CALLABLE): the same page as
    every other limit, saying how long the cool-off lasts. Axes counts the log-ins
    itself, per account and address (the address read by client_address, as here)."""
    return too_many_tries(request, "login", round(settings.AXES_COOLOFF_TIME * 3600))


def _window(rule, now):
    """The current window's number (its start in seconds since the epoch) and start."""
    seconds = getattr(settings, rule.window)
    epoch = int(now.timestamp()) // seconds * seconds
    return epoch, datetime.fromtimestamp(epoch, tz=UTC)


def _keys(request, scope, *, email, epoch):
    """This request's counter keys in `scope` and the limit of each. A try with no email
    typed has no email key, so an empty field never blocks anyone."""
    rule = SCOPES[scope]
    if rule.per == "address":
        who = client_address(request)
    elif rule.per == "teacher":
        who = str(request.user.pk)
    else:
        who = normalise_email(email)
    limits = {}
    if who:
        digest = hmac.new(settings.SECRET_KEY.encode(), who.encode(), hashlib.sha256)
        limits[f"{scope}:{rule.per}:{digest.hexdigest()[:32]}:{epoch}"] = getattr(
            settings, rule.limit
        )
    if rule.everyone:
        limits[f"{scope}:everyone:{epoch}"] = getattr(settings, rule.everyone)
    return limits


def _increment(key, window_start, scope):
    # The UPDATE is atomic in the database: two processes counting at once both land.
    if GuessCounter.objects.filter(key=key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            GuessCounter.objects.create(key=key, window_start=window_start, count=1)
    except IntegrityError:
        # Another request created this window's row between our UPDATE and INSERT.
        GuessCounter.objects.filter(key=key).update(count=F("count") + 1)
        return
    _delete_old_windows(scope, window_start)


def _delete_old_windows(scope, window_start):
    """Forget this scope's windows before the previous one, as each new window's row
    appears; and any row older than two of the longest windows (a scope no longer used,
    or keys written before the scopes had these names)."""
    keep_from = window_start - timedelta(seconds=getattr(settings, SCOPES[scope].window))
    longest = max(getattr(settings, rule.window) for rule in SCOPES.values())
    GuessCounter.objects.filter(
        Q(key__startswith=f"{scope}:", window_start__lt=keep_from)
        | Q(window_start__lt=window_start - timedelta(seconds=2 * longest))
    ).delete()
