"""The audits' journal rows read in French (audits/journal.py): the draw, the designation and
the contradictory phase as sentences, their states and conclusions by their labels."""

import pytest

from hn.journal.lecture import entree
from hn.journal.models import Evenement
from tests.audits import aides as au

pytestmark = pytest.mark.django_db


def _lue(code, user):
    return entree(Evenement.objects.filter(action=code).latest("pk"), user)


def test_draw_designation_and_conclusion_are_french_sentences(client, monde):
    valideur = monde["valideur"]
    au.contradictoire(client, monde)
    tirage = _lue("audit_tirage", valideur)
    assert "a tiré au sort les dossiers à auditer" in tirage.description
    assert "1 dossier tiré sur 1" in tirage.description
    designe = _lue("audit_auditeur_designe", valideur)
    assert "a désigné un auditeur — auditeur auditrice" in designe.description
    assert "(À planifier → En cours)" in designe.description
    ouverte = _lue("audit_contradictoire", valideur)
    assert "la phase contradictoire est ouverte" in ouverte.description
    assert "(En cours → Phase contradictoire)" in ouverte.description
    assert "Non conforme" in ouverte.avant_apres() and "non_conforme" not in ouverte.avant_apres()
