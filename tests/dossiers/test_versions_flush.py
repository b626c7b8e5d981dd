"""The version triggers never leave a row for a deleted région (issue 18): SQLite's flush
(between transactional tests) deletes table by table in an order that depends on
PYTHONHASHSEED; the rows it deletes after their région used to re-insert that région's
version, and the flush failed with "FOREIGN KEY constraint failed"."""

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from dossiers.models import Dossier, VersionPerimetre
from hn.referentiel.models import Region
from tests import dossiers_factories as d

VERSIONS = VersionPerimetre._meta.db_table
REGIONS = Region._meta.db_table
DOSSIERS = Dossier._meta.db_table


def _tables() -> list[str]:
    return sorted(m._meta.db_table for m in apps.get_models(include_auto_created=True))


def _ordres():
    """The worst orders for the triggers: the régions (or their versions) deleted before the
    rows that point to them, and after."""
    autres = [t for t in _tables() if t not in (VERSIONS, REGIONS, DOSSIERS)]
    return {
        "regions_d_abord": [REGIONS, VERSIONS, *autres, DOSSIERS],
        "versions_d_abord": [VERSIONS, *autres, DOSSIERS, REGIONS],
        "dossiers_d_abord": [DOSSIERS, *autres, VERSIONS, REGIONS],
    }


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's flush truncates (no row trigger)"
)
@pytest.mark.parametrize("ordre", ["regions_d_abord", "versions_d_abord", "dossiers_d_abord"])
def test_a_flush_in_any_order_leaves_no_version_row(transactional_db, referentiel, ordre):
    d.accepte()
    assert VersionPerimetre.objects.exists()
    instructions = connection.ops.sql_flush(no_style(), _ordres()[ordre])
    with transaction.atomic(), connection.cursor() as curseur:
        for instruction in instructions:
            curseur.execute(instruction)
    assert not VersionPerimetre.objects.exists()
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_a_region_deleted_takes_its_version_and_its_rows_bump_nothing():
    """On both databases: deleting a région deletes its version row, and rows deleted after
    it (foreign keys are checked at commit) re-insert none (rolled back, never committed)."""
    dossier = d.depose()
    region = dossier.region_id
    assert VersionPerimetre.objects.filter(region_id=region).exists()
    with transaction.atomic(), connection.cursor() as curseur:
        curseur.execute(f"DELETE FROM {REGIONS} WHERE id = %s", [region])
        assert not VersionPerimetre.objects.filter(region_id=region).exists()
        curseur.execute(f"DELETE FROM {DOSSIERS} WHERE id = %s", [dossier.pk])
        assert not VersionPerimetre.objects.filter(region_id=region).exists()
        transaction.set_rollback(True)
    assert VersionPerimetre.objects.filter(region_id=region).exists()
