"""Celery application: Redis broker when REDIS_URL is set, tasks run eagerly otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hn.settings")

app = Celery("hn")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The periodic tasks (plain beat: one beat process in docker-compose.yml; see docs).
from hn.taches.planning import beat_schedule  # noqa: E402

app.conf.beat_schedule = beat_schedule()
