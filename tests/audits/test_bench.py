"""The audits of the bench (issue 13 point 9): the data set's draws of every région through the
application's draw (``audits.bench``), and the measure of a whole year's draw, rolled back."""

import importlib
import os

import pytest

from audits import bench as audits_bench
from audits import regles
from audits.enums import EtatAudit
from audits.models import Audit, Designation, LigneGrille, Tirage
from tests import factories as f
from tests.audits import aides as au

pytestmark = pytest.mark.django_db


@pytest.fixture
def acceptes():
    """2022's population: eleven HOP'EN dossiers in région 84, one in région 11; one of 84
    accepted in 2023 (outside it)."""
    for _ in range(11):
        au.accepte((2022, 3, 1), region="84")
    au.accepte((2022, 5, 2), region="11")
    au.accepte((2023, 3, 1), region="84")


def test_every_region_with_its_cmsi_is_drawn_for_both_programmes_once(acceptes):
    tirages = audits_bench.tirer_annee(2022, graine=7)
    assert {(t.programme.code, t.region.code) for t in tirages} == {
        ("HN", "84"),
        ("HN", "11"),
        ("HOPEN", "84"),
        ("HOPEN", "11"),
    }
    par_cle = {(t.programme.code, t.region.code): t for t in tirages}
    assert len(par_cle["HOPEN", "84"].population) == 11
    assert len(par_cle["HOPEN", "84"].tires) == 2
    assert par_cle["HN", "84"].tires == []
    for tirage in tirages:
        assert regles.echantillon(tirage.population, tirage.graine) == tirage.tires
        assert tirage.tire_par == audits_bench.valideurs()[tirage.region.code]
    assert Audit.objects.count() == 3
    # Idempotent: nothing drawn twice.
    assert audits_bench.tirer_annee(2022, graine=7) == []
    assert Tirage.objects.count() == 4


def test_audits_of_region_84_are_put_in_progress_with_half_their_grid(acceptes):
    f.ars_auditeur("84", username="ars_auditeur")
    compte = audits_bench.generer([2022], graine=7)
    assert compte == {"tirages": 4, "audits": 3, "audits en cours": 2}
    en_cours = Audit.objects.filter(etat=EtatAudit.EN_COURS)
    assert {a.tirage.region.code for a in en_cours} == {"84"}
    for audit in en_cours:
        assert Designation.objects.get(audit=audit).auditeur.username == "ars_auditeur"
        remplies = LigneGrille.objects.filter(audit=audit).count()
        assert 0 < remplies < len(au.grille_lignes(audit))
    # Run again on the same data set: nothing more.
    assert audits_bench.generer([2022], graine=7) == {
        "tirages": 0,
        "audits": 0,
        "audits en cours": 0,
    }


class _Banc:
    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.resultats = []

    def noter_charge(self):
        return None

    def ajouter(self, resultat):
        self.resultats.append(resultat)


@pytest.fixture
def environnement(monkeypatch):
    """The bench's modules point the environment at its settings and database when imported:
    restored after the test."""
    for cle in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        if cle in os.environ:
            monkeypatch.setenv(cle, os.environ[cle])
        else:
            monkeypatch.delenv(cle, raising=False)


def test_the_generator_draws_then_analyses_the_audit_tables(
    acceptes, environnement, monkeypatch, capsys
):
    generer = importlib.import_module("bench.generer")
    analyses = []
    monkeypatch.setattr(generer, "_analyser", lambda tables=(): analyses.append(tables))
    generer._ajouter_audits(7)
    assert analyses == [generer.AUDITS_TABLES]
    assert "Audits : 8 tirages" in capsys.readouterr().out
    generer._ajouter_audits(7)  # nothing new: no statistics to refresh
    assert analyses == [generer.AUDITS_TABLES]


def test_the_draw_of_a_whole_year_is_timed_then_rolled_back(acceptes, environnement):
    mesures = importlib.import_module("bench.mesures_audits")
    banc = _Banc()
    mesures.tirage_de_toutes_les_regions(banc, 2022, passages=2)
    (resultat,) = banc.resultats
    assert resultat.p95_ms is not None and resultat.n == 2
    assert resultat.budget_ms == mesures.TIRAGE_ANNEE == 5_000
    assert resultat.rows == 3
    assert "4 tirages" in resultat.note
    assert resultat.queries > 0
    assert not Tirage.objects.exists() and not Audit.objects.exists()
