"""Settings of the test run: hn/settings.py in its local mode (``HN_LOCAL``, as `make run`),
with ``DEBUG`` off (its default) like production. Set in the environment before the settings
are read, so that the processes a test starts (``manage.py``, a Celery worker) inherit it; the
tests of production settings start theirs without it (tests/test_settings.py)."""

import os

os.environ.setdefault("HN_LOCAL", "true")

from hn.settings import *  # noqa: F403
