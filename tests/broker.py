"""A real Celery worker on a real Redis broker of the test's own (issues 4 and 17).

``redis_broker`` starts a ``redis-server`` (Debian package) on a free loopback port, points the
Celery app and the cache at it, and can be stopped and restarted by the test to play an outage;
``worker()`` runs a Celery worker in a thread of the test process
(``celery.contrib.testing.worker.start_worker``). The tests that use them are transactional so
that the worker's own connection sees the committed rows. Registered for every test by
tests/conftest.py.
"""

from contextlib import contextmanager

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import caches
from django.db import connection

from hn.celery import app
from tests.fautes.outils import RedisServer


def reset_broker_connections():
    """Forget pooled broker connections (as after a fork): the next publish connects anew."""
    kombu.pools.reset()
    app._after_fork()


@pytest.fixture
def redis_broker(settings):
    redis = RedisServer()
    redis.start()
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url
    app.conf.task_always_eager = False
    reset_broker_connections()
    settings.CACHES = {
        "default": {
            "BACKEND": "hn.cache.RedisCacheTolerante",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield redis
    redis.stop()
    app.conf.broker_url, app.conf.task_always_eager = previous
    reset_broker_connections()
    caches["default"].close()


@contextmanager
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
    connection.close()
