"""A Redis cache that forgives Redis being down.

Django's RedisCache raises when the server is unreachable, so a stopped Redis would turn
every page that touches the cache into a 500. This backend answers as if nothing were
cached (gets return the default, writes are dropped, counters start again) and logs a
warning, then leaves Redis alone for a few seconds before trying again, so a dead server
costs one failed connection every few seconds rather than one per call.

The effect on limits: sign-up and password-reset counters (pledges/views/accounts.py)
and the wrong-invite-code counter start from zero while Redis is down, i.e. they fail
open. Join-code limits and django-axes keep counting: they live in the database.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class ForgivingRedisCache(RedisCache):
    _down_until = 0.0

    def _call(self, method, default, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except (RedisError, OSError) as error:
            ForgivingRedisCache._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Redis cache unavailable (%s); carrying on without it for %d seconds",
                type(error).__name__,
                RETRY_AFTER_SECONDS,
            )
            return default

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        # To callers a dead Redis looks like a missing key (ValueError, as Django's own
        # backends raise): counters start again.
        missing = object()
        result = self._call("incr", missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key {key!r} not found (Redis unavailable).")
        return result

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)
