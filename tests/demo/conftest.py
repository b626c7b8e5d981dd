"""The demo (`manage.py demo`, about 30 s) loaded ONCE for the whole package, inside a
transaction rolled back after its last test: the accounts (test_demo.py), the calls
(test_candidatures.py) and the audits (test_audits.py) read the same load. Each test runs in
a savepoint of it, so what a test writes is undone before the next. The modules share the
xdist group ``demo`` so that one worker loads it, not every worker that draws one of them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    """The demo command's output; its data stays loaded until the package's last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        with override_settings(DEBUG=True):
            call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
