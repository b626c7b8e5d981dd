"""The calls for applications of the bench (issue 14 point 7) at a small scale: the AMI's rows
written in bulk as the actions would have left them, one version per région, idempotence; the
generator's step and the measures' placeholder rule."""

import importlib
import os

import pytest
from django.http import HttpResponse

from candidatures import bench as candidatures_bench
from candidatures import chiffrage
from candidatures.models import DomaineCandidature, Precandidature, Version
from hn.dates import PARIS
from tests import factories as f
from tests.candidatures import aides

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def etablissements():
    """30 établissements with a gestionnaire in région 84, 10 in région 11, their CMSI; 5 more
    without a gestionnaire (never drawn)."""
    for region, n in (("84", 30), ("11", 10)):
        f.ars_valideur(region, username=f"cmsi{region}")
        for _ in range(n):
            f.es_gestionnaire(aides.etablissement(region))
    for _ in range(5):
        aides.etablissement("84")


def test_the_ami_is_written_as_the_actions_would_have_left_it(etablissements):
    compte = candidatures_bench.generer(graine=7, nombre=36)
    assert compte["precandidatures"] == 36
    ami = aides.ami_2019()
    pcs = list(Precandidature.objects.filter(campagne=ami).prefetch_related("domaines__domaine"))
    assert len(pcs) == 36
    assert compte["domaines"] == DomaineCandidature.objects.count() >= 36
    for pc in pcs:
        assert pc.region_id == pc.etablissement.region_id
        assert 1 <= len(pc.domaines.all()) <= 5
        for d in pc.domaines.all():
            assert ami.premier_semestre <= d.semestre_cibles <= ami.dernier_semestre_cibles
        cree = pc.cree_le.astimezone(PARIS).date()
        assert pc.tardive == (cree > ami.cloture)
        assert (pc.transmise_le is None) == (pc.etat == "brouillon")
        assert (pc.decidee_le is None) == (pc.etat in ("brouillon", "transmise"))
        if pc.decidee_le:
            reponse = pc.decidee_le.astimezone(PARIS).date()
            assert pc.reponse_tardive == (reponse > ami.reponse_avant)
            assert pc.decidee_par.username == f"cmsi{pc.region.code}"
            assert pc.decidee_le >= pc.transmise_le >= pc.cree_le
        if pc.etat == "rejetee":
            assert pc.commentaire_decision
        if pc.etat != "brouillon":
            assert aides.actions.manquants(pc) == []
    assert {pc.etat for pc in pcs} >= {"preselectionnee", "rejetee"}


def test_each_region_gets_one_version_with_the_lines_of_its_programmation(etablissements):
    compte = candidatures_bench.generer(graine=7, nombre=36)
    ami = aides.ami_2019()
    regions = set(
        Precandidature.objects.filter(etat="preselectionnee").values_list("region", flat=True)
    )
    assert compte["versions"] == len(regions) == Version.objects.count()
    for version in Version.objects.select_related("programmation__region"):
        region = version.programmation.region
        lignes = chiffrage.lignes(ami, region)
        assert version.lignes == [chiffrage.ligne_api(lg) for lg in lignes]
        assert version.total == sum(lg.forfait for lg in lignes)
        assert version.transmise_par.username == f"cmsi{region.code}"
    assert candidatures_bench.plus_grande_region(ami) == "84"


def test_running_again_adds_nothing_and_completes_up_to_the_number(etablissements):
    candidatures_bench.generer(graine=7, nombre=20)
    assert candidatures_bench.generer(graine=7, nombre=20) == {
        "precandidatures": 0,
        "domaines": 0,
        "versions": 0,
    }
    compte = candidatures_bench.generer(graine=8, nombre=30)
    assert compte["precandidatures"] == 10
    assert Precandidature.objects.count() == 30
    assert Precandidature.objects.values("etablissement").distinct().count() == 30
    # A new pré-candidature through the action still gets a free id.
    etab = aides.etablissement("84")
    with aides.le(*aides.PENDANT_AMI):
        pc = aides.actions.creer(
            campagne=aides.ami_2019(), etablissement=etab, acting_user=f.es_gestionnaire(etab)
        )
    assert pc.pk > max(Precandidature.objects.exclude(pk=pc.pk).values_list("pk", flat=True))


@pytest.fixture
def environnement(monkeypatch):
    """The bench's modules point the environment at its settings and database when imported:
    restored after the test."""
    for cle in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        if cle in os.environ:
            monkeypatch.setenv(cle, os.environ[cle])
        else:
            monkeypatch.delenv(cle, raising=False)


def test_the_generator_writes_then_analyses_the_ami_tables(
    etablissements, environnement, monkeypatch, capsys
):
    generer = importlib.import_module("bench.generer")
    analyses = []
    monkeypatch.setattr(generer, "_analyser", lambda tables=(): analyses.append(tables))
    monkeypatch.setattr(candidatures_bench, "PRECANDIDATURES", 12)
    generer._ajouter_candidatures(7)
    assert analyses == [generer.CANDIDATURES_TABLES]
    assert "12 pré-candidatures" in capsys.readouterr().out
    generer._ajouter_candidatures(7)  # nothing new: no statistics to refresh
    assert analyses == [generer.CANDIDATURES_TABLES]


class _Client:
    def __init__(self, contenu):
        self.contenu = contenu

    def get(self, url):
        return HttpResponse(self.contenu)


class _Banc:
    def __init__(self, client):
        self.clients = {"ars_valideur": client, "dgos": client}
        self.resultats, self.pages = [], []

    def log(self, message=""):
        pass

    def ajouter(self, resultat):
        self.resultats.append(resultat)

    def page(self, nom, username, url, budget, categorie, **kw):
        self.pages.append((nom, username, url, budget))


def test_a_placeholder_page_is_reported_not_measured(environnement):
    mesures = importlib.import_module("bench.mesures_candidatures")
    provisoire = _Banc(_Client("TODO"))
    mesures._page(provisoire, "AMI — page", "dgos", "/candidatures/", 150, "liste")
    assert provisoire.pages == []
    (resultat,) = provisoire.resultats
    assert resultat.p95_ms is None and "provisoire" in resultat.note
    livree = _Banc(_Client("<html>…</html>"))
    mesures._page(livree, "AMI — page", "dgos", "/candidatures/", 150, "liste")
    assert livree.pages == [("AMI — page", "dgos", "/candidatures/", 150)]
    assert livree.resultats == []


def test_the_measures_time_the_largest_region_through_the_api(
    etablissements, environnement, client
):
    mesures = importlib.import_module("bench.mesures_candidatures")
    candidatures_bench.generer(graine=7, nombre=20)
    f.ars_valideur("84", username="ars_valideur")
    banc = _Banc(client)
    mesures.scenarios(banc)
    c = aides.ami_2019().pk
    urls = {url: budget for _, _, url, budget in banc.pages}
    assert urls[f"{API}precandidatures/?campagne={c}&region=84"] == 150
    assert urls[f"{API}precandidatures/?campagne={c}&region=84&format=xlsx"] == 3_000
    assert urls[f"{API}programmations/{c}/84/"] == 300
    assert {r.name for r in banc.resultats} | {n for n, *_ in banc.pages} >= {
        "AMI — liste des pré-candidatures de la région 84 (page)",
        "AMI — programmation de la région 84 (page)",
        "AMI — programmation nationale (page)",
    }
