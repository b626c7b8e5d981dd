"""The demo's calls for applications (issue 14 point 6): the 2019 AMI in every state across
régions (late ones too), ES A, B and C pre-selected and able to ask for their HOP'EN dossier,
région 84's programmation transmitted once within its envelope, an open call whose window
includes today, idempotence."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from candidatures import chiffrage, semestres
from candidatures import demo as candidatures_demo
from candidatures.models import Campagne, DomaineCandidature, Precandidature, Version
from dossiers.models import DemandeInitialisation, Dossier
from hn.comptes.models import User
from hn.dates import PARIS, aujourd_hui
from hn.journal.models import Evenement
from hn.referentiel.models import Region

# The package's demo (tests/demo/conftest.py), loaded by one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

API = "/api/v1/"
COMPTES_FIXES = {
    "690000013": "es_gestionnaire",
    "690000021": "es2_gestionnaire",
    "750000036": "es3_gestionnaire",
}


def _ami():
    return Precandidature.objects.filter(campagne__code="ami-2019")


def test_the_2019_ami_has_every_state_across_regions_some_late(demo):
    ami = _ami()
    etats = {e: ami.filter(etat=e).count() for e in candidatures_demo.ETATS}
    assert all(n > 0 for n in etats.values()), etats
    assert ami.count() >= 200
    assert ami.values("region").distinct().count() >= 15
    assert 0 < ami.filter(tardive=True).count() < ami.count() / 5
    assert ami.filter(reponse_tardive=True).exists()
    # Late answers are those given after the answer date, and only those.
    campagne = candidatures_demo.ami()
    for pc in ami.exclude(decidee_le=None):
        reponse = pc.decidee_le.astimezone(PARIS).date()
        assert pc.reponse_tardive == (reponse > campagne.reponse_avant), pc
        assert reponse.year == 2019 or pc.tardive or pc.reponse_tardive
    for pc in ami.filter(tardive=True):
        assert pc.cree_le.astimezone(PARIS).date() > campagne.cloture
    # A rejection carries its motif; a draft is not transmitted; every other is.
    assert not ami.filter(etat="rejetee", commentaire_decision="").exists()
    assert not ami.filter(etat="brouillon").exclude(transmise_le=None).exists()
    assert not ami.exclude(etat="brouillon").filter(transmise_le=None).exists()
    assert ami.filter(region__code="84", etat="rejetee").exists()
    assert ami.filter(region__code="11", etat="preselectionnee").exists()


def test_the_history_is_traced_at_its_2019_dates(demo):
    pc = _ami().filter(etat="preselectionnee", tardive=False, reponse_tardive=False).first()
    evenements = Evenement.objects.filter(objet_id=str(pc.pk), action__startswith="precandidature_")
    assert {e.action for e in evenements} >= {
        "precandidature_creee",
        "precandidature_transmise",
        "precandidature_preselectionnee",
    }
    assert {e.horodatage.astimezone(PARIS).year for e in evenements} == {2019}


def test_every_hopen_dossier_or_request_has_a_preselected_precandidature(demo):
    avec_hopen = set(
        Dossier.objects.filter(programme__code="HOPEN").values_list("etablissement", flat=True)
    ) | set(
        DemandeInitialisation.objects.filter(programme__code="HOPEN").values_list(
            "etablissement", flat=True
        )
    )
    assert len(avec_hopen) >= 10
    preselectionnes = set(
        _ami().filter(etat="preselectionnee").values_list("etablissement", flat=True)
    )
    assert avec_hopen <= preselectionnes


@pytest.mark.parametrize("finess", list(COMPTES_FIXES))
def test_es_a_b_c_are_preselected_and_may_ask_for_their_hopen_dossier(demo, client, finess):
    pc = _ami().get(etablissement__finess=finess)
    assert pc.etat == "preselectionnee"
    assert {(d.domaine.code, d.semestre_cibles) for d in pc.domaines.all()} == {
        ("D2", "2020S2"),
        ("D3", "2021S1"),
    }
    assert not Dossier.objects.ouverts().filter(
        programme__code="HOPEN", etablissement__finess=finess
    )
    client.force_login(User.objects.get(username=COMPTES_FIXES[finess]))
    response = client.post(
        API + "demandes/", {"programme": "HOPEN", "finess": finess}, "application/json"
    )
    assert response.status_code == 201, response.content


def test_region_84_programmation_was_transmitted_once_in_time_within_its_envelope(demo):
    campagne = candidatures_demo.ami()
    region = Region.objects.actuelles().get(code="84")
    version = Version.objects.get(programmation__campagne=campagne, programmation__region=region)
    assert version.rang == 1
    assert not version.en_retard
    assert version.transmise_par.username == "ars_valideur"
    assert version.transmise_le.astimezone(PARIS).date() == dt.date(2019, 8, 26)
    lignes = chiffrage.lignes(campagne, region)
    totaux = chiffrage.totaux(campagne, region, lignes)
    assert len(version.lignes) == len(lignes) >= 20
    assert version.total == totaux.total <= totaux.enveloppe
    assert version.total_amorcage == totaux.total_amorcage <= totaux.plafond_amorcage
    assert not totaux.depassements
    # Only région 84 transmitted.
    assert Version.objects.count() == 1


def test_an_open_campaign_includes_today_and_es_a_may_file_in_it(demo, client):
    ouverte = candidatures_demo.campagne_ouverte()
    assert ouverte is not None
    jour = aujourd_hui()
    assert ouverte.ouverture < jour < ouverte.cloture
    assert ouverte.programme.code == "HOPEN"
    assert ouverte.cree_par.username == "dgos"
    assert ouverte.premier_semestre == f"{jour.year}S{1 if jour.month <= 6 else 2}"
    offerts = semestres.intervalle(ouverte.premier_semestre, ouverte.dernier_semestre_cibles)
    assert len(offerts) == 8
    # Some pré-candidatures already in it, none of the accounts that log in.
    dedans = Precandidature.objects.filter(campagne=ouverte)
    assert {pc.etat for pc in dedans} == {"brouillon", "transmise"}
    assert not dedans.filter(etablissement__finess__in=candidatures_demo.comptes_libres())
    client.force_login(User.objects.get(username="es_gestionnaire"))
    response = client.post(
        API + "precandidatures/",
        {"campagne": ouverte.pk, "finess": "690000013"},
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["tardive"] is False


def test_running_twice_changes_nothing(demo):
    def compte():
        return {
            "campagnes": Campagne.objects.count(),
            "precandidatures": Precandidature.objects.count(),
            "domaines": DomaineCandidature.objects.count(),
            "versions": Version.objects.count(),
            "etats": sorted(Precandidature.objects.values_list("pk", "etat")),
            "evenements": Evenement.objects.count(),
            "users": User.objects.count(),
        }

    avant = compte()
    with override_settings(DEBUG=True):
        call_command("demo", stdout=StringIO())
    assert compte() == avant
