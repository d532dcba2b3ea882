"""Limits on wrong codes typed by students: per address and overall, per time window.

Only *wrong* codes count: a class typing the right code from one school address is never
slowed down, and a code that cannot be a code at all (wrong length or characters) is
refused before it gets here, since it could not match anything. Nor does a pupil's typo
of an open pledge's code count (record_wrong_join_code). The counters live in the
database (pledges.models.GuessCounter) and change with one atomic UPDATE, so the limit
holds across app processes without Redis.

Addresses are never stored: the key holds an HMAC of the address with SECRET_KEY, so a
counter row cannot be turned back into an address, and rows are deleted two windows on.
"""

import hashlib
import hmac
import math
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pledges import codes
from pledges.models import GuessCounter, Pledge

# Join codes keep the plain "addr:"/"global:" keys; other scopes (return codes) are
# counted apart, so wrong return codes never block typing a class code and vice versa.
_PREFIXES = {"join": "", "return": "return:"}


def client_address(request):
    """The address the request came from, as far as we can trust it.

    With NUM_PROXIES = 0 the app faces the internet and only REMOTE_ADDR is used: anyone
    can write an X-Forwarded-For header, so reading it would let a guesser reset their
    limit with every request. Behind N proxies we run, each appends the address it saw,
    so the Nth entry from the right is the one our outermost proxy saw; entries further
    left are whatever the client claimed.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not through all our proxies (or a misconfiguration): the nearest peer is all
        # we can trust.
        return remote
    return forwarded[-proxies]


def _window(now):
    """The current window's number (its start in seconds since the epoch) and start."""
    seconds = settings.WRONG_CODE_WINDOW_SECONDS
    epoch = int(now.timestamp()) // seconds * seconds
    return epoch, datetime.fromtimestamp(epoch, tz=UTC)


def _keys(request, *, scope, epoch):
    prefix = _PREFIXES[scope]
    digest = hmac.new(
        settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"{prefix}addr:{digest}:{epoch}", f"{prefix}global:{epoch}"


def check(request, *, scope="join", now=None):
    """Seconds this request must wait before typing another code, or 0 to go ahead."""
    now = now or timezone.now()
    epoch, _start = _window(now)
    address_key, global_key = _keys(request, scope=scope, epoch=epoch)
    counts = dict(
        GuessCounter.objects.filter(key__in=[address_key, global_key]).values_list("key", "count")
    )
    blocked = (
        counts.get(address_key, 0) >= settings.WRONG_CODES_PER_ADDRESS
        or counts.get(global_key, 0) >= settings.WRONG_CODES_GLOBAL
    )
    if not blocked:
        return 0
    window_end = epoch + settings.WRONG_CODE_WINDOW_SECONDS
    return max(1, math.ceil(window_end - now.timestamp()))


def record_wrong(request, *, scope="join", now=None):
    """Count one wrong code against this request's address and against everyone."""
    now = now or timezone.now()
    epoch, start = _window(now)
    for key in _keys(request, scope=scope, epoch=epoch):
        _increment(key, start)


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
    record_wrong(request, scope="join", now=now)


def _increment(key, window_start):
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
    _delete_old_windows(window_start)


def _delete_old_windows(window_start):
    """Forget windows before the previous one; runs as each new window's row appears."""
    keep_from = window_start - timedelta(seconds=settings.WRONG_CODE_WINDOW_SECONDS)
    GuessCounter.objects.filter(window_start__lt=keep_from).delete()
