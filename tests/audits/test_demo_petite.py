"""A smaller demo (the Playwright tests load 40 établissements) leaves no établissement free in
région 84 for last year's population: nothing is drawn, so that a test may draw it itself."""

import pytest

from audits.models import Tirage
from hn.dates import aujourd_hui
from hn.demo import charger_demo
from tests.audits import aides as au

pytestmark = pytest.mark.django_db


def test_a_smaller_demo_leaves_last_year_to_draw():
    resultat = charger_demo(nombre_etablissements=40)
    assert resultat["audits"] == 0
    assert not Tirage.objects.exists()
    tirage = au.tirer(annee=aujourd_hui().year - 1, user=None, graine=3)
    assert tirage.pk
