"""Production settings: fail loudly without a secret, pass Django's deployment checks."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dossiers.versions import TABLES_VERSIONNEES
from hn.env import envbool, envint

# What the test run itself sets (tests/settings.py: the local mode; Playwright) or what a
# developer may have exported: the production subprocesses start without it.
_UNSET = {
    "DEBUG",
    "SECRET_KEY",
    "HN_LOCAL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
}
PRODUCTION = {
    "SECRET_KEY": "x7!Qm2#Lp9@Zr4$Tv8%Wn3^Kd6&Hs1*Bf5(Jc0)Gy_e+u-ia=o",
    "ALLOWED_HOSTS": "financement.example.org",
}


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in _UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _valeurs(*names, **env) -> dict:
    """The given settings as the process started with ``env`` sees them."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = _manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_secret_key_is_required_in_production():
    for env in ({}, {"DEBUG": "false"}, {"HN_LOCAL": "false"}):
        result = _manage("check", **env)
        assert result.returncode != 0, env
        assert "SECRET_KEY is required in production" in result.stderr


def test_debug_is_off_unless_set():
    """A forgotten variable in production must not serve tracebacks and the URL list."""
    valeurs = _valeurs("DEBUG", "LOCAL_MODE", **PRODUCTION)
    assert valeurs == {"DEBUG": False, "LOCAL_MODE": False}
    assert _valeurs("DEBUG", HN_LOCAL="true")["DEBUG"] is False
    assert _valeurs("DEBUG", "LOCAL_MODE", DEBUG="true") == {"DEBUG": True, "LOCAL_MODE": True}


def test_production_defaults_are_https_only():
    valeurs = _valeurs(
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "ALLOWED_HOSTS",
        "WHITENOISE_USE_FINDERS",
        "EMAIL_BACKEND",
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
    )
    assert valeurs == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "ALLOWED_HOSTS": [],
        "WHITENOISE_USE_FINDERS": False,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }


def test_https_switches_are_configurable():
    valeurs = _valeurs(
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="",
        SECURE_HSTS_SECONDS="3600",
    )
    assert valeurs == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 3600,
    }


def test_local_mode_generates_its_secret_once_and_serves_plain_http(tmp_path):
    """`make run` (HN_LOCAL): no SECRET_KEY to set, the same one at every start, kept in var/;
    http://127.0.0.1 without redirect, HSTS or secure cookies; static files from the sources."""
    names = (
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "WHITENOISE_USE_FINDERS",
    )
    env = {"HN_LOCAL": "true", "HN_VAR_DIR": str(tmp_path / "var")}
    premier = _valeurs(*names, **env)
    assert _valeurs(*names, **env) == premier
    secret = (tmp_path / "var" / "secret_key").read_text().strip()
    assert premier.pop("SECRET_KEY") == secret and len(secret) >= 50
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert premier == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "WHITENOISE_USE_FINDERS": True,
    }


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_allowed_hosts_answers_no_host():
    """No ALLOWED_HOSTS in production: every request is refused (400), none served; under
    /api/ the refusal is JSON (hn.views.erreur_400)."""
    code = (
        "from django.test import Client; "
        "r = Client(raise_request_exception=False).get('/api/v1/programmes/', secure=True); "
        "print(r.status_code, r.json()['detail'])"
    )
    result = _manage("shell", "-c", code, SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "400 Requête invalide."


def test_persistent_connections_in_production():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])",
        DEBUG="false",
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
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
    # The tables that SQLite rebuilt in a migration (dossiers 0012) keep their version
    # triggers, and the other tables' triggers survived the rebuild.
    with sqlite3.connect(var / "db.sqlite3") as base_sqlite:
        declencheurs = {
            nom
            for (nom,) in base_sqlite.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    attendus = {
        f"{table}_version_{suffixe}"
        for table, *_ in TABLES_VERSIONNEES
        for suffixe in ("insertion", "suppression", "modification")
    }
    assert attendus <= declencheurs, attendus - declencheurs
