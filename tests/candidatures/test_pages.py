"""The pages of the calls for applications [SPEC §7]: the list of each role (filters, export,
pagination, query count), a pré-candidature's tabs (the estimate, the form kept as typed when
refused, read-only for the readers), its transmission with confirmation and missing items by
tab, the ARS's answer, the request of the dossier once pre-selected."""

import html
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from candidatures import chiffrage
from candidatures.enums import EtatPrecandidature
from candidatures.models import Precandidature
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import COMPLETE, PENDANT_AMI, le
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

ACCUEIL = reverse("candidatures:accueil")


def texte(response) -> str:
    return html.unescape(response.content.decode())


def detail(pc):
    return reverse("candidatures:detail", args=[pc.pk])


def connecte(client, user):
    client.force_login(user)
    return client


# --- the list -------------------------------------------------------------------------------


def test_es_sees_the_campaigns_their_window_and_its_own_precandidatures(client):
    pc = a.brouillon()
    autre = a.brouillon(a.etablissement(raison_sociale="CH Voisin"))
    with le(*PENDANT_AMI):
        response = connecte(client, pc.cree_par).get(ACCUEIL)
    assert response.status_code == 200
    page = texte(response)
    assert "Appel à manifestation d’intérêt HOP’EN 2019" in page
    assert "du 15/02/2019 au 30/06/2019" in page and "Ouvert" in page
    assert "Créer une pré-candidature" in page
    assert f'data-precandidature="{pc.pk}"' in page
    assert f'data-precandidature="{autre.pk}"' not in page
    assert 'id="filtres"' not in page  # the ARS's filters and export only


def test_after_the_closing_date_the_window_says_late_then_closed(client):
    user = a.gestionnaire(a.etablissement())
    connecte(client, user)
    with le(2019, 7, 15):
        assert "Candidatures tardives" in texte(client.get(ACCUEIL))
    with le(2022, 1, 2):
        assert "Fermé" in texte(client.get(ACCUEIL))


def test_creating_in_the_window_and_outside_it(client):
    etab = a.etablissement()
    connecte(client, a.gestionnaire(etab))
    donnees = {"campagne": a.ami_2019().pk, "finess": etab.finess}
    with le(2022, 1, 2):
        response = client.post(reverse("candidatures:creer"), donnees, follow=True)
    assert "est fermé : pré-candidatures du 15/02/2019 au 30/06/2019" in texte(response)
    assert not Precandidature.objects.filter(etablissement=etab).exists()
    with le(2019, 7, 15):
        response = client.post(reverse("candidatures:creer"), donnees)
    pc = Precandidature.objects.get(etablissement=etab)
    assert response.status_code == 302 and response["Location"] == detail(pc)
    assert pc.tardive


def test_a_reader_cannot_create(client):
    etab = a.etablissement()
    connecte(client, f.es_lecteur(etab))
    donnees = {"campagne": a.ami_2019().pk, "finess": etab.finess}
    with le(*PENDANT_AMI):
        assert client.post(reverse("candidatures:creer"), donnees).status_code == 403
    assert not Precandidature.objects.exists()


def test_the_ars_sees_its_region_with_filters_and_the_national_level_filters_by_region(client):
    ici = a.transmise(a.etablissement(raison_sociale="CH Ici"))
    brouillon = a.brouillon(a.etablissement(raison_sociale="CH Brouillon"))
    ailleurs = a.transmise(a.etablissement(region="11", raison_sociale="CH Ailleurs"))
    page = texte(connecte(client, f.ars_lecteur("84")).get(ACCUEIL))
    assert f'data-precandidature="{ici.pk}"' in page
    assert f'data-precandidature="{brouillon.pk}"' in page
    assert f'data-precandidature="{ailleurs.pk}"' not in page
    page = texte(client.get(ACCUEIL, {"etat": "transmise", "domaine": "D2", "tardive": "non"}))
    assert f'data-precandidature="{ici.pk}"' in page
    assert f'data-precandidature="{brouillon.pk}"' not in page
    page = texte(client.get(ACCUEIL, {"position": "aucune"}))
    assert "Aucune pré-candidature." in page
    connecte(client, f.lecteur_national())
    page = texte(client.get(ACCUEIL, {"region": "11"}))
    assert f'data-precandidature="{ailleurs.pk}"' in page
    assert f'data-precandidature="{ici.pk}"' not in page


def test_the_pagination_keeps_the_filters(client):
    for i in range(27):
        a.transmise(a.etablissement(raison_sociale=f"CH {i:02d}"))
    response = connecte(client, f.ars_lecteur("84")).get(ACCUEIL, {"etat": "transmise"})
    page = response.content.decode()
    assert "Page 1 / 2" in page
    assert "etat=transmise&amp;page=2" in page
    assert len(response.context["page_obj"].object_list) == 25


def test_the_export_has_one_row_per_establishment_and_domaine(client):
    deux = dict(COMPLETE, domaines=[
        {"code": "D2", "semestre_cibles": "2020S2"},
        {"code": "D3", "semestre_cibles": "2021S1"},
    ])  # fmt: skip
    pc = a.transmise(donnees=deux)
    a.brouillon(a.etablissement(raison_sociale="CH Sans domaine"))
    connecte(client, f.ars_lecteur("84"))
    response = client.get(ACCUEIL, {"format": "xlsx"})
    assert response.status_code == 200
    feuille = load_workbook(io.BytesIO(response.content)).active
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0][0] == "Appel"
    finess = [ligne[1] for ligne in lignes[1:]]
    assert finess.count(pc.etablissement.finess) == 2
    forfaits = chiffrage.estimation(pc).forfaits
    domaines = {ligne[12]: ligne[14] for ligne in lignes[1:] if ligne[1] == pc.etablissement.finess}
    assert domaines == {"D2": forfaits["D2"], "D3": forfaits["D3"]}
    csv = client.get(ACCUEIL, {"format": "csv", "etat": "transmise"}).content.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 3  # the header and the two domaines


def test_an_establishment_cannot_export(client):
    pc = a.brouillon()
    response = connecte(client, pc.cree_par).get(ACCUEIL, {"format": "xlsx"})
    assert response["Content-Type"].startswith("text/html")


def test_the_list_query_count_does_not_grow_with_its_rows(client):
    connecte(client, f.ars_lecteur("84"))
    for i in range(2):
        a.transmise(a.etablissement(raison_sociale=f"CH A{i}"))
    client.get(ACCUEIL)
    petit, _ = count_queries(client.get, ACCUEIL)
    for i in range(8):
        a.transmise(a.etablissement(raison_sociale=f"CH B{i}"))
    grand, response = count_queries(client.get, ACCUEIL)
    assert len(response.context["page_obj"].object_list) == 10
    assert grand == petit


# --- one pré-candidature --------------------------------------------------------------------


def test_the_gestionnaire_edits_the_tabs_with_the_estimate(client):
    pc = a.brouillon(donnees=COMPLETE)
    response = connecte(client, pc.cree_par).get(detail(pc))
    assert response.status_code == 200
    page = texte(response)
    estimation = chiffrage.estimation(pc)
    assert estimation.total == estimation.forfaits["D2"] > 0
    assert response.context["total_estime"] == estimation.total
    assert 'id="enregistrer"' in page and " disabled>" not in page
    assert "hn/precandidature.js" in page
    assert '<option value="2020S2" selected>2020 semestre 2</option>' in page
    assert "2022 semestre 2" in page and "2023 semestre 1" not in page  # the campaign's range
    for onglet in ("Estimation", "Manifestation d’intérêt", "Contacts", "Commentaire"):
        assert onglet in page


@pytest.mark.parametrize("role", ["es_lecteur", "ars_valideur", "lecteur_national"])
def test_readers_see_it_read_only(client, role):
    pc = a.brouillon(donnees=COMPLETE)
    user = {
        "es_lecteur": lambda: f.es_lecteur(pc.etablissement),
        "ars_valideur": lambda: a.valideur("84"),
        "lecteur_national": f.lecteur_national,
    }[role]()
    response = connecte(client, user).get(detail(pc))
    assert response.status_code == 200
    page = texte(response)
    assert 'id="enregistrer"' not in page and "disabled>" in page
    assert 'id="transmettre"' not in page
    assert client.post(detail(pc), {"position": "aucune"}).status_code == 403


def test_another_region_or_establishment_gets_a_404(client):
    pc = a.brouillon()
    for user in (f.ars_valideur("11"), a.gestionnaire(a.etablissement())):
        connecte(client, user)
        assert client.get(detail(pc)).status_code == 404
        assert client.post(reverse("candidatures:transmettre", args=[pc.pk])).status_code == 404


def test_a_save_goes_through_the_rules_and_comes_back_to_its_tab(client):
    pc = a.brouillon()
    connecte(client, pc.cree_par)
    donnees = {
        "position": "en_projet",
        "prerequis_hn_atteints": "non",
        "semestre_prerequis_hn": "2019S2",
        "semestre_prerequis_hopen": "2020S1",
        "domaine.D3": "2021S2",
        "referent.nom": "Claire",
        "referent.email": "claire@ch.test",
        "onglet": "contacts",
    }
    response = client.post(detail(pc), donnees)
    assert response.status_code == 302 and response["Location"].endswith("?onglet=contacts")
    pc.refresh_from_db()
    assert (pc.position, pc.prerequis_hn_atteints, pc.semestre_prerequis_hn) == (
        "en_projet",
        False,
        "2019S2",
    )
    assert [(d.domaine.code, d.semestre_cibles) for d in pc.domaines.all()] == [("D3", "2021S2")]
    assert pc.referent_email == "claire@ch.test"
    client.post(detail(pc), {**donnees, "domaine.D3": ""})
    assert not pc.domaines.exists()


def test_a_refused_save_keeps_the_typed_values_and_shows_the_error_at_its_field(client):
    pc = a.brouillon()
    connecte(client, pc.cree_par)
    response = client.post(
        detail(pc),
        {"position": "definitive", "referent.nom": "Claire", "referent.email": "pas-un-courriel"},
    )
    assert response.status_code == 200
    page = texte(response)
    assert 'id="referent.email-erreur"' in page and "Adresse électronique invalide." in page
    assert 'value="pas-un-courriel"' in page and 'value="Claire"' in page
    assert '<option value="definitive" selected>' in page
    assert response.context["onglet"] == "contacts"  # the tab of the error is shown
    pc.refresh_from_db()
    assert pc.position == "" and pc.referent_nom == ""
    response = client.post(detail(pc), {"domaine.D2": "2030S1"})
    assert response.status_code == 200
    assert 'id="domaines-erreur"' in response.content.decode()


# --- transmission -------------------------------------------------------------------------


def test_an_incomplete_transmission_lists_what_is_missing_by_tab(client):
    pc = a.brouillon()
    connecte(client, pc.cree_par)
    page = texte(client.get(detail(pc)))
    assert 'href="?onglet=contacts#referent.nom"' in page
    with le(*PENDANT_AMI):
        response = client.post(reverse("candidatures:transmettre", args=[pc.pk]))
    assert response.status_code == 200
    page = texte(response)
    assert "ne peut pas être transmise : 6 informations manquantes" in page
    assert 'href="?onglet=interet#position"' in page
    assert 'href="?onglet=contacts#referent.email"' in page
    pc.refresh_from_db()
    assert pc.etat == EtatPrecandidature.BROUILLON


def test_the_transmission_is_confirmed_first_and_states_the_answer_date(client):
    pc = a.brouillon(donnees=COMPLETE)
    connecte(client, pc.cree_par)
    url = reverse("candidatures:transmettre", args=[pc.pk])
    with le(*PENDANT_AMI):
        response = client.post(url)
        assert response.status_code == 200
        page = texte(response)
        assert "Transmettre la pré-candidature à l’ARS ?" in page
        assert "au plus tard le 30/09/2019" in page
        pc.refresh_from_db()
        assert pc.etat == EtatPrecandidature.BROUILLON
        response = client.post(url, {"confirme": "1"})
    assert response.status_code == 302
    pc.refresh_from_db()
    assert pc.etat == EtatPrecandidature.TRANSMISE
    page = texte(client.get(detail(pc)))
    assert 'id="enregistrer"' not in page and 'id="transmettre"' not in page


def test_a_late_transmission_outside_the_window_is_refused_with_the_dates(client):
    pc = a.brouillon(donnees=COMPLETE)
    connecte(client, pc.cree_par)
    with le(2022, 1, 2):
        response = client.post(reverse("candidatures:transmettre", args=[pc.pk]), {"confirme": "1"})
    assert response.status_code == 200
    assert "est fermé : pré-candidatures du 15/02/2019" in texte(response)


# --- the ARS's answer ---------------------------------------------------------------------


def test_rejecting_needs_a_motif_at_its_field(client):
    pc = a.transmise()
    connecte(client, a.valideur("84"))
    assert 'id="form-rejeter"' in texte(client.get(detail(pc)))
    url = reverse("candidatures:decider", args=[pc.pk])
    response = client.post(url, {"decision": "rejeter", "commentaire": "  "})
    assert response.status_code == 200
    page = texte(response)
    assert page.count('id="commentaire-erreur"') == 1  # in the rejection's form only
    assert "Indiquez le motif du rejet" in page
    pc.refresh_from_db()
    assert pc.etat == EtatPrecandidature.TRANSMISE
    with le(2019, 10, 2):
        client.post(url, {"decision": "rejeter", "commentaire": "Enveloppe insuffisante"})
    pc.refresh_from_db()
    assert pc.etat == EtatPrecandidature.REJETEE and pc.reponse_tardive
    page = texte(client.get(detail(pc)))
    assert "Enveloppe insuffisante" in page and 'id="badge-reponse-tardive"' in page
    assert 'id="form-rejeter"' not in page


def test_readers_of_the_ars_cannot_answer(client):
    pc = a.transmise()
    url = reverse("candidatures:decider", args=[pc.pk])
    for user in (f.ars_lecteur("84"), pc.cree_par):
        connecte(client, user)
        assert client.post(url, {"decision": "preselectionner"}).status_code == 403
    assert 'id="form-rejeter"' not in texte(client.get(detail(pc)))


def test_once_preselected_the_establishment_asks_for_its_dossier(client):
    pc = a.transmise()
    connecte(client, a.valideur("84"))
    with le(*a.AVANT_REPONSE):
        response = client.post(
            reverse("candidatures:decider", args=[pc.pk]),
            {"decision": "preselectionner", "commentaire": "Bon projet"},
        )
    assert response.status_code == 302
    pc.refresh_from_db()
    assert pc.etat == EtatPrecandidature.PRESELECTIONNEE and not pc.reponse_tardive
    page = texte(connecte(client, pc.cree_par).get(detail(pc)))
    assert 'id="demander-dossier"' in page and reverse("dossiers:demander") in page
    assert "Bon projet" in page
    response = client.post(
        reverse("dossiers:demander"),
        {"finess": pc.etablissement.finess, "programme": "HOPEN"},
        follow=True,
    )
    assert "Demande transmise à l'ARS" in texte(response)
    assert pc.etablissement.demandes.exists()


def test_the_menu_and_the_home_page_lead_to_the_calls(client):
    pc = a.brouillon()
    connecte(client, pc.cree_par)
    with le(*PENDANT_AMI):
        page = texte(client.get(reverse("home")))
    assert f'href="{ACCUEIL}"' in page and "Appels à candidatures" in page
    assert 'id="espace-candidatures"' in page and "dépôt jusqu’au 30/06/2019" in page


def test_the_cmsi_home_counts_the_precandidatures_awaiting_its_answer(client):
    a.transmise()
    a.transmise(a.etablissement(region="11"))  # another région's
    page = texte(connecte(client, a.valideur("84")).get(reverse("home")))
    assert "1 pré-candidature transmise attend la réponse de l’ARS." in page
