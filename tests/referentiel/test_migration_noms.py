"""The data migration that puts the accents on the référentiel's names (issue 19 point 8):
a database loaded before it reads « Île-de-France » and « Échange et partage » after
``migrate``; codes are unchanged."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hn.referentiel.enums import Decoupage
from hn.referentiel.models import GHT, Region
from tests import factories as f

AVANT = [("referentiel", "0003_eligibilite")]
APRES = [("referentiel", "0004_noms_accentues")]


def _migrer(cible):
    executor = MigrationExecutor(connection)
    executor.migrate(cible)


@pytest.fixture
def migrations_completes():
    """Back to every app's last migration afterwards: going back to referentiel 0003 also
    unapplies the apps that depend on its 0004 (candidatures), which the tests run next on
    this database need."""
    yield
    _migrer(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migrate_puts_the_accents_on_the_names(migrations_completes):
    _migrer(AVANT)
    region = Region.objects.create(code="98", nom="Ile-de-France", decoupage=Decoupage.ACTUEL)
    prerequis = f.PrerequisFactory(code="P9", libelle="Echange et partage")
    ght = GHT.objects.create(nom="GHT Ile-de-France", region=region)
    autre = f.DomaineFactory(code="D8", libelle="Dossier patient informatisé")

    _migrer(APRES)

    region.refresh_from_db()
    prerequis.refresh_from_db()
    ght.refresh_from_db()
    autre.refresh_from_db()
    assert (region.code, region.nom) == ("98", "Île-de-France")
    assert (prerequis.code, prerequis.libelle) == ("P9", "Échange et partage")
    assert ght.nom == "GHT Île-de-France"
    assert autre.libelle == "Dossier patient informatisé"

    _migrer(AVANT)  # reversible
    region.refresh_from_db()
    assert region.nom == "Ile-de-France"
    _migrer(APRES)
