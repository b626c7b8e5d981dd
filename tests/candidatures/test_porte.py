"""The gate [SPEC §7]: once a programme has a call for applications (HOP'EN and its 2019 AMI),
an établissement asks for its dossier only with a pre-selected pré-candidature, and a clear
message says why otherwise; the pre-selected domaines and forecast semesters pre-fill the
dossier. HN, without a call, works as before."""

import datetime as dt

import pytest
from django.urls import reverse

from candidatures import actions as candidatures
from dossiers import actions
from dossiers.models import DemandeInitialisation, DomaineDossier
from tests import dossiers_factories as d
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import appel, le, url

pytestmark = pytest.mark.django_db

REGLE = (
    "Pour le programme {nom}, un dossier ne peut être demandé qu'après la pré-sélection de la "
    "pré-candidature de l'établissement par l'ARS (appel à manifestation d'intérêt)."
)
AMI = "Appel à manifestation d’intérêt HOP’EN 2019"
AUJOURDHUI = (2026, 11, 23)


def demander(client, etab, programme="HOPEN", user=None):
    with le(*AUJOURDHUI):
        return appel(
            client,
            user or a.gestionnaire(etab),
            "post",
            url("demandes"),
            {"programme": programme, "finess": etab.finess},
        )


def regle():
    return REGLE.format(nom=d.programme("HOPEN").nom)


def test_without_any_pre_candidature_the_request_is_refused_and_says_where_to_file_it(client):
    etab = a.etablissement()
    response = demander(client, etab)
    assert response.status_code == 400, response.content
    message = (
        f"{regle()} L'établissement n'a déposé aucune pré-candidature : déposez-la depuis la "
        "page « Appels à candidatures »."
    )
    assert response.json() == {"detail": message, "errors": {"non_field_errors": [message]}}
    assert not DemandeInitialisation.objects.exists()


def _rejetee(etab):
    pc = a.transmise(etab)
    with le(*a.AVANT_REPONSE):
        candidatures.rejeter(precandidature=pc, acting_user=a.valideur(), commentaire="Non.")
    return pc


@pytest.mark.parametrize(
    ("etat", "libelle"),
    [
        (lambda e: a.brouillon(e), "Brouillon"),
        (lambda e: a.transmise(e), "Transmise à l'ARS"),
        (_rejetee, "Rejetée"),
    ],
)
def test_the_message_names_the_state_of_the_pre_candidature(client, etat, libelle):
    etab = a.etablissement()
    etat(etab)
    response = demander(client, etab)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"{regle()} La pré-candidature à l'appel « {AMI} » est « {libelle} »."
    )
    assert not DemandeInitialisation.objects.exists()


def test_once_pre_selected_the_request_is_accepted_and_the_dossier_pre_filled(client):
    etab = a.etablissement()
    donnees = {
        **a.COMPLETE,
        "domaines": [
            {"code": "D2", "semestre_cibles": "2020S2"},
            {"code": "D6", "semestre_cibles": "2021S1"},
        ],
    }
    a.preselectionnee(etab, donnees=donnees)
    response = demander(client, etab)
    assert response.status_code == 201, response.content
    demande = DemandeInitialisation.objects.get()
    with le(*AUJOURDHUI):
        dossier = actions.initialiser_dossier(
            programme=d.programme("HOPEN"),
            etablissement=etab,
            nom="",
            acting_user=a.valideur(),
        )
    assert dossier.demande == demande
    domaines = {
        dd.domaine.code: (dd.demande, dd.date_cible)
        for dd in DomaineDossier.objects.filter(dossier=dossier).select_related("domaine")
    }
    assert domaines == {
        "D1": (False, None),
        "D2": (True, dt.date(2020, 12, 31)),
        "D3": (False, None),
        "D4": (False, None),
        "D5": (False, None),
        "D6": (True, dt.date(2021, 6, 30)),
        "D7": (False, None),
    }


def test_a_pre_selection_in_a_later_campaign_opens_the_gate(client):
    etab = a.etablissement()
    _rejetee(etab)
    with le(2026, 1, 5):
        campagne = appel(
            client,
            f.pilote_national(),
            "post",
            url("campagnes"),
            {
                "programme": "HOPEN",
                "libelle": "Appel complémentaire 2026",
                "ouverture": "2026-01-05",
                "cloture": "2026-06-30",
                "programmation_avant": "2026-08-31",
                "reponse_avant": "2026-09-30",
                "tardives_jusqu_au": "2026-12-31",
            },
        ).json()
    gestionnaire = a.gestionnaire(etab)
    with le(2026, 2, 1):
        pc = appel(
            client,
            gestionnaire,
            "post",
            url("precandidatures"),
            {"campagne": campagne["id"], "finess": etab.finess},
        ).json()
        refus = demander(client, etab, user=gestionnaire).json()["detail"]
        assert "« Appel complémentaire 2026 » est « Brouillon »" in refus
        body = {
            **a.COMPLETE,
            "semestre_prerequis_hopen": "2026S2",
            "domaines": [{"code": "D3", "semestre_cibles": "2027S1"}],
        }
        patched = appel(client, gestionnaire, "patch", url("precandidatures", pc["id"]), body)
        assert patched.status_code == 200, patched.content
        path = url("precandidatures", pc["id"], "transitions")
        assert appel(client, gestionnaire, "post", path + "transmettre/").status_code == 200
        assert appel(client, a.valideur(), "post", path + "preselectionner/").status_code == 200
    assert demander(client, etab, user=gestionnaire).status_code == 201
    with le(*AUJOURDHUI):
        dossier = actions.initialiser_dossier(
            programme=d.programme("HOPEN"), etablissement=etab, nom="", acting_user=a.valideur()
        )
    demandes = DomaineDossier.objects.filter(dossier=dossier, demande=True)
    assert [(dd.domaine.code, dd.date_cible) for dd in demandes] == [("D3", dt.date(2027, 6, 30))]


def test_hn_requests_are_unaffected(client):
    etab = a.etablissement()
    response = demander(client, etab, programme="HN")
    assert response.status_code == 201, response.content
    dossier = d.en_saisie(etab, code="HN")
    assert not DomaineDossier.objects.filter(dossier=dossier, demande=True).exists()
    assert DomaineDossier.objects.filter(dossier=dossier).count() == 5


def test_the_request_page_says_why(client):
    etab = a.etablissement()
    a.transmise(etab)
    client.force_login(a.gestionnaire(etab))
    with le(*AUJOURDHUI):
        response = client.post(
            reverse("dossiers:demander"),
            {"finess": etab.finess, "programme": "HOPEN"},
            follow=True,
        )
    assert response.status_code == 200
    texte = response.content.decode()
    assert "pré-sélection de la pré-candidature" in texte
    assert "est « Transmise à l&#x27;ARS »" in texte or "est « Transmise à l'ARS »" in texte
    assert not DemandeInitialisation.objects.exists()
