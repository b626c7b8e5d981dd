import os
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from hn.referentiel.chargement import charger_referentiel
from tests.broker import redis_broker  # noqa: F401  (the fixture, for every test)

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by test
# set-up in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Hypothesis profiles (HYPOTHESIS_PROFILE): ``ci`` on CI (derandomized: the same examples on
# every run; 100, as ``dev``, to keep CI under its 12 minutes), ``dev`` by default, ``rapide``
# for `make test-rapide`. No test hard-codes its number of examples; a test that writes rows
# for each example takes a fraction of the profile's (``settings.default.max_examples``).
_PROFIL = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", max_examples=100, print_blob=True, **_PROFIL)
hypothesis_settings.register_profile("dev", max_examples=100, **_PROFIL)
hypothesis_settings.register_profile("rapide", max_examples=25, **_PROFIL)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing cost is not under test: PBKDF2 per factory user would dominate the run time."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def _numero_du_worker(worker_id: str) -> int:
    """0 without xdist (``master``), N+1 for ``gwN``."""
    return int(worker_id[2:]) + 1 if worker_id.startswith("gw") else 0


@pytest.fixture(scope="session", autouse=True)
def _cache_du_worker(worker_id):
    """Each xdist worker has its own cache, so that ``cache.clear()``, presence and lock keys
    of one worker never touch another's: with Redis (CI), database index 1 + N of the same
    server (index 0 is left to `make run`), emptied at the start; otherwise local memory,
    private to the process."""
    defaut = dict(settings.CACHES["default"])
    emplacement = str(defaut.get("LOCATION", ""))
    if not emplacement.startswith("redis"):
        yield
        return
    index = 1 + _numero_du_worker(worker_id) % 15
    defaut["LOCATION"] = re.sub(r"(/\d+)?/?$", f"/{index}", emplacement, count=1)
    with override_settings(CACHES={**settings.CACHES, "default": defaut}):
        cache.clear()
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
    """Both programmes' référentiel, loaded once into the test database. At the end, the
    sessions a test left open on it (the connection of a thread that has ended) are closed,
    so that the test database can be dropped."""
    with django_db_blocker.unblock():
        charger_referentiel()
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def referentiel(transactional_db):
    """For transactional tests (the flush between them empties the référentiel)."""
    charger_referentiel()


def _transactionnel(item) -> bool:
    """As pytest-django tells a transactional test (its order of the tests)."""
    marque = item.get_closest_marker("django_db")
    if marque and (
        marque.kwargs.get("transaction") or marque.kwargs.get("reset_sequences") or marque.args
    ):
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & {"transactional_db", "live_server", "django_db_reset_sequences"})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """The référentiel of ``django_db_setup`` put back after a transactional test (its flush
    empties every table) when the next test is not one: pytest-django runs the transactional
    tests last, but an xdist group (the browser journeys, the faults) is sent to its worker
    first, and the tests that worker runs next read the référentiel."""
    resultat = yield
    if nextitem is not None and _transactionnel(item) and not _transactionnel(nextitem):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            charger_referentiel()
    return resultat


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
    # --- issue 17 (h-pieces): pieces are not scanned unless a test starts its own clamd
    # (tests/dossiers/test_antivirus.py, fixture ``clamd``).
    settings.ANTIVIRUS = "aucun"
    # --- end h-pieces


# --- MFA (issue 17) ---
@pytest.fixture(autouse=True)
def _mfa_facultative(settings):
    """The second factor is optional in tests (production turns it on with DEBUG off); the
    tests of tests/comptes/test_mfa.py turn it on where they check it is required."""
    settings.MFA_OBLIGATOIRE = False


# --- end MFA ---


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skipped on SQLite; the browser journeys all run on one xdist
    worker (``--dist loadgroup``): one Chromium and one live server per run, while the other
    workers take the rest. Last of the hooks: after pytest-xdist's own, see ``_grouper``."""
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if connection.vendor != "postgresql" and "postgres" in item.keywords:
            item.add_marker(skip_pg)
        if "e2e" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("navigateur"))
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in items:
            _grouper(item)


def _grouper(item) -> None:
    """The ``xdist_group`` marks as pytest-xdist 3.8 means them: ``@group`` at the end of the
    test id, which is how its scheduler gives a group to one worker. xdist writes the old
    attribute ``item._nodeid``, which pytest 9.2 no longer reads (the id is ``item._id``):
    without this, every group is silently spread over every worker (each worker then pays a
    group's shared set-up: the demo, Chromium and a live server...)."""
    noms = sorted(
        {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
    )
    nodeid = item.nodeid
    if not noms or nodeid.rfind("@") > nodeid.rfind("]"):  # none, or already suffixed
        return
    nodeid = f"{nodeid}@{'_'.join(noms)}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(nodeid)
    else:
        item._nodeid = nodeid
