import os

import pytest
from django.db import connection
from django.test.utils import override_settings

from hn.referentiel.chargement import charger_referentiel

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by test
# set-up in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing cost is not under test: PBKDF2 per factory user would dominate the run time."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Tasks run in the test's own process, even when REDIS_URL is set (CI): the integration
    tests of tests/taches/test_celery_worker.py switch this off around a real worker."""
    from hn.celery import app

    app.conf.task_always_eager = True
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Both programmes' référentiel, loaded once into the test database."""
    with django_db_blocker.unblock():
        charger_referentiel()


@pytest.fixture
def referentiel(transactional_db):
    """For transactional tests (the flush between them empties the référentiel)."""
    charger_referentiel()


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)
