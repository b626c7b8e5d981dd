"""A Redis cache whose outage does not take the site down.

The cache only speeds things up and shows who else is editing a dossier (``dossiers.presence``):
when Redis is unreachable, reads are misses and writes are dropped, with a warning in the log,
and the pages keep being served. Short socket timeouts keep a dead Redis from stalling requests.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _tolerant(name, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(RedisCacheTolerante, self), name)(*args, **kwargs)
        except RedisError as exc:
            logger.warning("Cache Redis indisponible (%s) : %s", name, exc)
            return fallback(*args, **kwargs)

    method.__name__ = name
    return method


class RedisCacheTolerante(RedisCache):
    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", lambda keys, version=None: {})
    set = _tolerant("set", lambda *a, **k: None)
    add = _tolerant("add", lambda *a, **k: False)
    touch = _tolerant("touch", lambda *a, **k: False)
    delete = _tolerant("delete", lambda *a, **k: False)
    set_many = _tolerant("set_many", lambda data, *a, **k: list(data))
    delete_many = _tolerant("delete_many", lambda *a, **k: None)
    has_key = _tolerant("has_key", lambda *a, **k: False)
