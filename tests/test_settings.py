"""Production settings: fail loudly without a secret, pass Django's deployment checks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hn.env import envbool, envint


def _manage(*args, **env):
    # A clean environment: the test run itself sets DJANGO_ALLOW_ASYNC_UNSAFE (Playwright).
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7!Qm2#Lp9@Zr4$Tv8%Wn3^Kd6&Hs1*Bf5(Jc0)Gy_e+u-ia=o",
        ALLOWED_HOSTS="financement.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_persistent_connections_in_production():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])",
        DEBUG="false",
        SECRET_KEY="x7!Qm2#Lp9@Zr4$Tv8%Wn3^Kd6&Hs1*Bf5(Jc0)Gy_e+u-ia=o",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/db",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "600"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Off", False)])
def test_envbool(monkeypatch, raw, expected):
    monkeypatch.setenv("HN_TEST_BOOL", raw)
    assert envbool("HN_TEST_BOOL", not expected) is expected


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("HN_TEST_BOOL", "peut-être")
    monkeypatch.setenv("HN_TEST_INT", "douze")
    with pytest.raises(ImproperlyConfigured):
        envbool("HN_TEST_BOOL", False)
    with pytest.raises(ImproperlyConfigured):
        envint("HN_TEST_INT", 1)


def test_embedded_sqlite_works_in_a_fresh_checkout(tmp_path):
    """A fresh clone has no var/ directory: `make run`'s migrate must still create the database
    (regression: "unable to open database file")."""
    var = tmp_path / "pas-encore-cree"
    env = {"HN_VAR_DIR": str(var)}
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (var / "db.sqlite3").stat().st_size > 0
