"""docker-compose.yml cannot run here (no Docker engine): check it describes the whole stack."""

from pathlib import Path

import yaml
from django.conf import settings


def _compose():
    return yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


def test_compose_has_the_full_stack_with_healthchecks_and_volumes():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate", "clamav"} <= set(services)
    for name in ("web", "worker", "postgres", "redis", "clamav"):
        assert "healthcheck" in services[name], name
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(_compose()["volumes"]) == {"pgdata", "redisdata", "media", "clamavdb"}


def test_app_services_run_on_postgres_and_redis_with_production_settings():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert env["DEBUG"] == "false", name
        # Production scans attachments (ANTIVIRUS defaults to clamd) with the stack's clamd.
        assert "ANTIVIRUS" not in env and env["CLAMD_HOST"] == "clamav", name
    assert "command" not in services["web"]  # the image's CMD: gunicorn
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "hn.wsgi:application"' in dockerfile
    assert services["worker"]["command"][:3] == ["celery", "-A", "hn"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "hn", "beat"]


def test_celery_app_is_importable_where_compose_points():
    from hn import celery_app

    assert celery_app.main == "hn"


def test_compose_runs_in_production_mode_not_the_local_one():
    """The stack is production: never the local mode of `make run` (generated secret, plain
    http), never DEBUG."""
    for name, service in _compose()["services"].items():
        env = service.get("environment") or {}
        assert "HN_LOCAL" not in env, name
        assert env.get("DEBUG", "false") == "false", name
