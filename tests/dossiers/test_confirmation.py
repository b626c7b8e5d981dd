"""Issue 19 point 5: dépôt, acceptance, refusal and closure are confirmed first. A POST without
``confirme=1`` changes nothing and renders the confirmation page (the full-page fallback
without JavaScript, and the block the modal shows), stating the amounts engaged, the deadlines
started and who is notified; only ``confirme=1`` acts. Point 9: the ES sees the eligibility
checks before its dépôt. And the instruction page keeps what the CMSI typed when a decision is
refused for bad input, with the message at the field."""

import html
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import consequences
from dossiers.contextes import forfaits_du_dossier
from dossiers.enums import Etat
from dossiers.models import Dossier
from enveloppes.models import MouvementEnveloppe, enveloppe_de
from hn.journal.models import Evenement
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
LE_12_JANVIER = datetime(2026, 1, 12, 10, 0, tzinfo=PARIS)
NBSP = "\u00a0"
CONFIRMATION = '<div data-confirmation id="confirmation">'  # the page and the modal's block


def _texte(response) -> str:
    """The page's text, entities decoded (apostrophes, no-break spaces)."""
    return html.unescape(response.content.decode())


def _champs_caches(response) -> dict:
    """The hidden fields the confirmation carries (what the confirming button posts again)."""
    page = response.content.decode()
    return {
        html.unescape(nom): html.unescape(valeur)
        for nom, valeur in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
        if nom != "csrfmiddlewaretoken"
    }


def _instruction(dossier) -> str:
    return f"/dossiers/{dossier.numero}/instruction/"


def _deposer(dossier) -> str:
    return f"/dossiers/{dossier.numero}/deposer/"


# --- the consequences themselves ---------------------------------------------------------------


def test_amounts_are_french_to_the_euro_or_the_cent():
    assert consequences.euros(Decimal("1234567")) == f"1{NBSP}234{NBSP}567{NBSP}€"
    assert consequences.euros(Decimal("30000.50")) == f"30{NBSP}000,50{NBSP}€"
    assert consequences.euros(0) == f"0{NBSP}€"


def test_who_is_notified_is_read_from_the_notification_table():
    dossier, _ = d.complet()
    region = dossier.etablissement.region.nom
    assert consequences.notifies("dossier_depose", dossier) == [
        f"le valideur (CMSI) de l'ARS {region}"
    ]
    assert consequences.notifies("dossier_clos", dossier) == [
        f"l'établissement {dossier.etablissement.raison_sociale} (ses comptes)",
        "le niveau national (DGOS)",
    ]


# --- dépôt --------------------------------------------------------------------------------------


def test_deposit_is_confirmed_first_with_the_ars_deadline_then_acts(client):
    with time_machine.travel(LE_12_JANVIER, tick=False):
        dossier, gestionnaire = d.complet()
        client.force_login(gestionnaire)
        response = client.post(_deposer(dossier))
        assert response.status_code == 200
        assert Dossier.objects.get(pk=dossier.pk).etat == Etat.EN_SAISIE
        assert not dossier.depots.exists()
        assert not Evenement.objects.filter(action="dossier_depose").exists()
        texte = _texte(response)
        assert CONFIRMATION in texte
        assert f"Déposer le dossier {dossier.numero} ?" in texte
        assert "quatre mois, jusqu'au 12/05/2026" in texte
        assert f"le valideur (CMSI) de l'ARS {dossier.etablissement.region.nom}" in texte
        assert "Le dépôt ne peut pas être annulé." in texte
        assert 'name="confirme" value="1"' in texte

        response = client.post(_deposer(dossier), {"confirme": "1"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.etat == Etat.DEPOSE
    assert str(dossier.echeance_decision) == "2026-05-12"


def test_cancelling_the_deposit_confirmation_changes_nothing(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    response = client.post(_deposer(dossier), {"annuler": "1"})
    assert response.status_code == 200
    assert CONFIRMATION not in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.EN_SAISIE


def test_an_incomplete_deposit_is_refused_before_any_confirmation(client):
    dossier = d.en_saisie()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    texte = _texte(client.post(_deposer(dossier), follow=True))
    assert CONFIRMATION not in texte
    assert "ne peut pas être déposé" in texte


def test_the_es_sees_the_eligibility_checks_before_its_deposit(client):
    """SPEC §6: before, the dépôt page said « Contrôles disponibles après le dépôt »."""
    dossier, gestionnaire = d.complet()  # no proof attached: one check fails
    client.force_login(gestionnaire)
    texte = _texte(client.get(_deposer(dossier)))
    section = texte[texte.index('id="eligibilite"') :]
    assert "Contrôles disponibles après le dépôt" not in section
    assert "Un justificatif est joint pour chaque prérequis" in section
    assert "Ce qui manque" in section
    assert "Sans justificatif : " in section
    assert "Non conforme" in section
    # The confirmation says it too, before the ES commits.
    assert "contrôle" in _texte(client.post(_deposer(dossier))).split("Seront notifiés")[0]


# --- acceptance ---------------------------------------------------------------------------------


def test_acceptance_is_confirmed_with_the_amounts_engaged_then_acts(client):
    with time_machine.travel(LE_12_JANVIER, tick=False):
        dossier = d.selection(selectionnes=("D2",))
        client.force_login(d.valideur_de(dossier))
        forfait = Decimal(forfaits_du_dossier(dossier)[0]["D2"]["standard"])
        response = client.post(
            _instruction(dossier),
            {"etape": "accepter", "commentaire": "Retenu.", "amorcage.D2": "30 000"},
        )
        assert response.status_code == 200
        assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE
        assert not MouvementEnveloppe.objects.filter(dossier=dossier).exists()
        texte = _texte(response)
        assert f"{consequences.euros(forfait)} engagés sur l'enveloppe régionale" in texte
        assert f"D2 : {consequences.euros(forfait)}" in texte
        assert f"Amorçage décidé : 30{NBSP}000{NBSP}€" in texte
        situation = enveloppe_de(dossier).situation()
        apres = consequences.euros(situation.disponible - forfait)
        assert f"{consequences.euros(situation.disponible)} avant, {apres} après" in texte
        plafond = situation.amorcage_disponible
        assert (
            f"Amorçage encore possible dans la région : {consequences.euros(plafond)} avant, "
            f"{consequences.euros(plafond - 30_000)} après" in texte
        )
        assert "premier rapport de suivi de l'établissement attendu le 12/07/2026" in texte
        assert f"l'établissement {dossier.etablissement.raison_sociale}" in texte
        assert "L'acceptation ne peut pas être annulée" in texte
        donnees = _champs_caches(response)
        assert donnees == {"etape": "accepter", "commentaire": "Retenu.", "amorcage.D2": "30 000"}

        response = client.post(_instruction(dossier), {**donnees, "confirme": "1"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.ACCEPTE
    assert MouvementEnveloppe.objects.filter(dossier=dossier).count() == 2  # forfait, amorçage


def test_a_negative_amorcage_is_told_before_the_confirmation(client):
    dossier = d.selection(selectionnes=("D2",))
    client.force_login(d.valideur_de(dossier))
    response = client.post(_instruction(dossier), {"etape": "accepter", "amorcage.D2": "-5"})
    assert response.status_code == 200
    assert 'id="amorcage-erreur">Le montant doit être strictement positif.' in _texte(response)


def test_an_amorcage_that_is_no_number_is_told_before_the_confirmation(client):
    dossier = d.selection(selectionnes=("D2",))
    client.force_login(d.valideur_de(dossier))
    response = client.post(_instruction(dossier), {"etape": "accepter", "amorcage.D2": "beaucoup"})
    assert response.status_code == 200
    texte = _texte(response)
    assert CONFIRMATION not in texte
    assert 'id="amorcage-erreur">Le montant doit être un nombre.' in texte
    assert 'value="beaucoup"' in texte


def test_the_modal_request_gets_the_same_block_or_a_204_for_a_refused_input(client):
    """static/hn/confirmation.js asks with « X-Confirmation: apercu »: the same page (its
    block goes in the modal); a refused input is a 204 leaving no message behind, and the
    form's normal submit then shows the errors."""
    dossier = d.depose()
    client.force_login(d.valideur_de(dossier))
    entetes = {"X-Confirmation": "apercu"}
    saisie = {"etape": "refuser", "motif": "autre", "commentaire": "Non."}
    response = client.post(_instruction(dossier), saisie, headers=entetes)
    assert response.status_code == 200
    assert CONFIRMATION in response.content.decode()
    response = client.post(_instruction(dossier), {**saisie, "motif": ""}, headers=entetes)
    assert response.status_code == 204
    texte = _texte(client.get(_instruction(dossier)))
    assert "Le refus doit être motivé." not in texte
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE


# --- refusal ------------------------------------------------------------------------------------


def test_refusal_is_confirmed_with_the_recandidature_date_then_acts(client):
    with time_machine.travel(LE_12_JANVIER, tick=False):
        dossier = d.depose()
        client.force_login(d.valideur_de(dossier))
        saisie = {"etape": "refuser", "motif": "enveloppe", "commentaire": "Enveloppe engagée."}
        response = client.post(_instruction(dossier), saisie)
        assert response.status_code == 200
        assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE
        texte = _texte(response)
        assert "Le dossier est refusé (Maîtrise de l'enveloppe)" in texte
        assert "possible qu'à partir du 01/01/2027" in texte
        assert f"l'établissement {dossier.etablissement.raison_sociale}" in texte
        assert "Le refus ne peut pas être annulé." in texte
        response = client.post(_instruction(dossier), {**_champs_caches(response), "confirme": "1"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.REFUSE


def test_cancelling_a_refusal_gives_the_form_back_as_typed(client):
    dossier = d.depose()
    client.force_login(d.valideur_de(dossier))
    saisie = {"etape": "refuser", "motif": "autre", "commentaire": "À revoir.", "annuler": "1"}
    response = client.post(_instruction(dossier), saisie)
    assert response.status_code == 200
    texte = _texte(response)
    assert ">À revoir.</textarea>" in texte
    assert '<option value="autre" selected>' in texte
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE


# --- closure ------------------------------------------------------------------------------------


def test_closure_is_confirmed_with_the_amounts_released_then_acts(client):
    dossier = d.accepte(selectionnes=("D2",), amorcage={"D2": "20000"})
    client.force_login(d.valideur_de(dossier))
    forfait = Decimal(forfaits_du_dossier(dossier)[0]["D2"]["standard"])
    saisie = {
        "etape": "clore",
        "motif_cloture": "cibles_inatteignables",
        "commentaire_cloture": "Projet abandonné.",
    }
    response = client.post(_instruction(dossier), saisie)
    assert response.status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.ACCEPTE
    texte = _texte(response)
    assert "Domaines clos : D2" in texte
    assert f"{consequences.euros(forfait)} d'engagement non versé libérés" in texte
    assert f"0{NBSP}€ d'amorçage versé à rembourser" in texte  # decided, not paid
    assert "le niveau national (DGOS)" in texte
    assert "La clôture ne peut pas être annulée." in texte
    response = client.post(_instruction(dossier), {**saisie, "confirme": "1"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.CLOS


# --- typed values kept on error ----------------------------------------------------------------


def test_a_refused_decision_keeps_what_the_cmsi_typed_with_the_message_at_the_field(client):
    """Issue 19 point 1: the comment and the motif were lost, the message not at its field."""
    dossier = d.depose()
    client.force_login(d.valideur_de(dossier))
    response = client.post(
        _instruction(dossier), {"etape": "refuser", "motif": "", "commentaire": "Trop tard."}
    )
    assert response.status_code == 200
    texte = _texte(response)
    assert CONFIRMATION not in texte
    assert 'aria-describedby="motif-erreur"' in texte
    assert 'id="motif-erreur">Choisissez le motif du refus' in texte
    assert "fr-select-group--error" in texte
    assert ">Trop tard.</textarea>" in texte
    # The prérequis form, which also has a comment, is not in error.
    assert 'aria-describedby="commentaire_prerequis-erreur"' not in texte


def test_a_refused_prerequis_validation_keeps_the_typed_decisions(client):
    dossier = d.depose()
    client.force_login(d.valideur_de(dossier))
    code = dossier.programme.prerequis.first().code
    response = client.post(
        _instruction(dossier), {"etape": "prerequis", f"prerequis.{code}": "non_accepte"}
    )
    assert response.status_code == 200
    texte = _texte(response)
    assert re.search(rf'id="prerequis-{re.escape(code)}-non_accepte"[^>]* checked', texte)
    assert 'aria-describedby="commentaire_prerequis-erreur"' in texte
    assert 'id="commentaire_prerequis-erreur">Un commentaire est obligatoire' in texte
    assert 'aria-describedby="commentaire-erreur"' not in texte  # the decision form's
