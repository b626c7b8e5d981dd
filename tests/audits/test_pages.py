"""The audits' HTML pages (audits/views.py): the draw and its recheck, the list, the detail's
designation, the grid, the ES's answer, the CMSI's decision with its confirmation. A refused
form is re-rendered (200) with its French message at the field and nothing changed."""

import html
import re

import pytest
from django.urls import reverse

from audits.enums import EtatAudit
from audits.models import Designation, LigneGrille, Tirage
from dossiers.enums import Etat
from hn.notifications.models import Notification
from tests import factories as f
from tests.audits.aides import contradictoire, en_cours, recharger, tout_remplir

pytestmark = pytest.mark.django_db


def _texte(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _erreur(response, champ) -> str:
    m = re.search(rf'id="{re.escape(champ)}-erreur">([^<]*)<', response.content.decode())
    return html.unescape(m.group(1)) if m else ""


# --- draws ---------------------------------------------------------------------------------


def test_the_cmsi_draws_and_rechecks_the_draw(client, monde):
    client.force_login(monde["valideur"])
    r = client.post(
        reverse("audits:tirages"),
        {"programme": "HOPEN", "region": "84", "annee": 2023, "graine": "42"},
    )
    tirage = Tirage.objects.get(annee=2023, region__code="84")
    assert r.status_code == 302 and r["Location"] == reverse("audits:tirage", args=[tirage.pk])
    assert tirage.graine == 42 and tirage.tire_par == monde["valideur"]
    page = _texte(client.get(r["Location"]))
    assert "identique à l’échantillon enregistré" in page
    assert monde["dossier"].numero in page and "random.Random(42)" in page
    liste = _texte(client.get(reverse("audits:tirages")))
    assert "Vérifier le tirage HOPEN 2023" in liste and "<code>42</code>" in liste
    consolide = reverse("audits:synthese", args=["HOPEN", 2023, "84"])
    assert consolide in liste  # each draw leads to its consolidated table
    assert client.get(consolide).status_code == 200


def test_a_tampered_sample_is_shown_as_different(client, monde):
    tirage = monde["audit"].tirage
    Tirage.objects.filter(pk=tirage.pk).update(tires=[])
    client.force_login(monde["valideur"])
    page = _texte(client.get(reverse("audits:tirage", args=[tirage.pk])))
    assert "diffère de l’échantillon enregistré" in page


def test_a_second_draw_is_refused_at_the_year_and_changes_nothing(client, monde):
    client.force_login(monde["valideur"])
    r = client.post(
        reverse("audits:tirages"), {"programme": "HOPEN", "region": "84", "annee": "2022"}
    )
    assert r.status_code == 200
    assert "a déjà été fait" in _erreur(r, "annee")
    assert 'value="2022"' in r.content.decode()  # the typed year is kept
    assert Tirage.objects.count() == 1


def test_a_bad_year_or_seed_is_refused_at_its_field(client, monde):
    client.force_login(monde["valideur"])
    r = client.post(
        reverse("audits:tirages"), {"programme": "HOPEN", "region": "84", "annee": "1990"}
    )
    assert r.status_code == 200 and "L'année doit être comprise entre" in _erreur(r, "annee")
    r = client.post(
        reverse("audits:tirages"),
        {"programme": "HOPEN", "region": "84", "annee": "2023", "graine": "-3"},
    )
    assert r.status_code == 200 and "La graine est un entier" in _erreur(r, "graine")
    assert Tirage.objects.count() == 1


def test_only_the_cmsi_draws(client, monde):
    client.force_login(monde["auditrice"])
    assert "Nouveau tirage" not in _texte(client.get(reverse("audits:tirages")))
    r = client.post(
        reverse("audits:tirages"), {"programme": "HOPEN", "region": "84", "annee": "2023"}
    )
    assert r.status_code == 403 and Tirage.objects.count() == 1
    client.force_login(monde["gestionnaire"])
    assert client.get(reverse("audits:tirages")).status_code == 403


# --- list and home -------------------------------------------------------------------------


def test_the_list_filters_and_exports(client, monde):
    client.force_login(monde["valideur"])
    numero = monde["dossier"].numero
    assert numero in _texte(client.get(reverse("audits:liste")))
    assert numero not in _texte(client.get(reverse("audits:liste") + "?etat=termine"))
    assert numero in _texte(client.get(reverse("audits:liste") + "?etat=a_planifier&annee=2022"))
    r = client.get(reverse("audits:liste") + "?format=csv")
    assert r.status_code == 200 and numero in r.content.decode("utf-8-sig")
    assert "À planifier" in r.content.decode("utf-8-sig")


def test_an_auditor_s_home_leads_to_their_audits(client, monde):
    en_cours(client, monde)
    autre = f.ars_auditeur("84", username="autre_auditeur")
    client.force_login(monde["auditrice"])
    assert "Mes audits" in _texte(client.get(reverse("home")))
    page = _texte(client.get(reverse("audits:liste")))
    assert "<h1>Mes audits</h1>" in page and monde["dossier"].numero in page
    client.force_login(autre)
    assert monde["dossier"].numero not in _texte(client.get(reverse("audits:liste")))
    detail = reverse("audits:detail", args=[monde["audit"].pk])
    assert client.get(detail).status_code == 404


# --- designation ---------------------------------------------------------------------------


def test_designating_the_cmsi_is_refused_at_the_field(client, monde):
    client.force_login(monde["valideur"])
    url = reverse("audits:designer", args=[monde["audit"].pk])
    r = client.post(url, {"username": monde["valideur"].username})
    assert r.status_code == 200
    assert "ne peut pas en être l'auditeur" in _erreur(r, "username")
    assert not Designation.objects.exists()
    assert recharger(monde["audit"]).etat == EtatAudit.A_PLANIFIER


def test_the_cmsi_designates_an_auditor_of_the_region(client, monde):
    client.force_login(monde["valideur"])
    detail = _texte(client.get(reverse("audits:detail", args=[monde["audit"].pk])))
    assert 'value="auditrice"' in detail  # offered among the région's auditeurs
    r = client.post(reverse("audits:designer", args=[monde["audit"].pk]), {"username": "auditrice"})
    assert r.status_code == 302
    assert recharger(monde["audit"]).etat == EtatAudit.EN_COURS


# --- grid ----------------------------------------------------------------------------------


def _grille(monde):
    return reverse("audits:grille", args=[monde["audit"].pk])


def test_the_auditor_saves_a_half_filled_grid(client, monde):
    en_cours(client, monde)
    client.force_login(monde["auditrice"])
    page = client.get(_grille(monde))
    codes = re.findall(r'data-ligne="([^"]+)"', page.content.decode())
    assert len(codes) > 1 and "Enregistrer la grille" in page.content.decode()
    r = client.post(
        _grille(monde),
        {
            "enregistrer": "1",
            f"resultat.{codes[0]}": "conforme",
            f"preuves.{codes[0]}": "1",
            f"observations.{codes[0]}": "Vu sur place.",
        },
    )
    assert r.status_code == 302
    ligne = LigneGrille.objects.get(audit=monde["audit"], indicateur__code=codes[0])
    assert ligne.resultat == "conforme" and ligne.preuves_verifiees
    assert ligne.observations == "Vu sur place."


def test_a_bad_result_refuses_the_whole_save_keeping_what_was_typed(client, monde):
    en_cours(client, monde)
    client.force_login(monde["auditrice"])
    codes = re.findall(r'data-ligne="([^"]+)"', client.get(_grille(monde)).content.decode())
    r = client.post(
        _grille(monde),
        {
            "enregistrer": "1",
            f"resultat.{codes[0]}": "peut_etre",
            f"observations.{codes[1]}": "Texte saisi",
        },
    )
    assert r.status_code == 200 and "La grille n'a pas été enregistrée." in _texte(r)
    assert "Texte saisi" in _texte(r)
    assert not LigneGrille.objects.exists()


def test_terminer_lists_the_missing_lines(client, monde):
    en_cours(client, monde)
    client.force_login(monde["auditrice"])
    r = client.post(
        reverse("audits:terminer", args=[monde["audit"].pk]),
        {"conclusion": "non_conforme", "observations": "DPI absent."},
    )
    assert r.status_code == 200
    page = _texte(r)
    assert 'id="manquants"' in page and "sans résultat" in page
    assert "DPI absent." in page  # the typed observations are kept
    # The grid's form, shown again under /terminer/, still saves the grid.
    assert f'id="form-grille" action="{_grille(monde)}"' in page
    assert recharger(monde["audit"]).etat == EtatAudit.EN_COURS


def test_terminer_non_conforme_opens_the_contradictory_phase(client, monde):
    en_cours(client, monde)
    tout_remplir(client, monde)
    client.force_login(monde["auditrice"])
    r = client.post(
        reverse("audits:terminer", args=[monde["audit"].pk]),
        {"conclusion": "non_conforme", "observations": "DPI absent."},
    )
    assert r.status_code == 302
    assert recharger(monde["audit"]).etat == EtatAudit.CONTRADICTOIRE


def test_the_cmsi_reads_the_grid_without_a_form(client, monde):
    en_cours(client, monde)
    client.force_login(monde["valideur"])
    page = _texte(client.get(_grille(monde)))
    assert "data-ligne" in page and "Enregistrer la grille" not in page
    assert 'type="radio"' not in page
    assert client.post(_grille(monde), {"enregistrer": "1"}).status_code == 403


# --- answer and decision -------------------------------------------------------------------


def test_the_es_answers_in_the_contradictory_phase(client, monde):
    contradictoire(client, monde)
    client.force_login(monde["gestionnaire"])
    url = reverse("audits:repondre", args=[monde["audit"].pk])
    r = client.post(url, {"reponse": "  "})
    assert r.status_code == 200 and _erreur(r, "reponse") == "Écrivez votre réponse."
    r = client.post(url, {"reponse": "Le DPI est déployé."})
    assert r.status_code == 302
    assert recharger(monde["audit"]).reponse_es == "Le DPI est déployé."


def test_answering_outside_the_contradictory_phase_is_refused(client, monde):
    client.force_login(monde["gestionnaire"])
    r = client.post(reverse("audits:repondre", args=[monde["audit"].pk]), {"reponse": "Oui."})
    # No answer form outside the phase: the refusal is the page's message.
    assert r.status_code == 200 and "pas en phase contradictoire" in _texte(r)
    assert recharger(monde["audit"]).reponse_es == ""


def test_a_decision_without_comment_is_refused_at_the_field(client, monde):
    contradictoire(client, monde)
    client.force_login(monde["valideur"])
    url = reverse("audits:decider", args=[monde["audit"].pk])
    r = client.post(url, {"decision": "cloturer", "commentaire": ""})
    assert r.status_code == 200 and _erreur(r, "commentaire") == "Motivez la décision."
    assert recharger(monde["audit"]).etat == EtatAudit.CONTRADICTOIRE


def test_closing_is_confirmed_then_the_repayment_is_due(client, monde):
    contradictoire(client, monde)
    client.force_login(monde["valideur"])
    url = reverse("audits:decider", args=[monde["audit"].pk])
    data = {"decision": "cloturer", "commentaire": "Fausse déclaration avérée."}
    r = client.post(url, data)
    page = _texte(r)
    assert r.status_code == 200 and "data-confirmation" in page
    assert (
        "clos pour fausse déclaration" in page and "50 000 € d'amorçage versé à rembourser" in page
    )
    assert "niveau national est alerté" in page
    assert recharger(monde["audit"]).etat == EtatAudit.CONTRADICTOIRE  # nothing done yet
    r = client.post(url, {**data, "confirme": "1"})
    assert r.status_code == 302
    audit = recharger(monde["audit"])
    assert audit.etat == EtatAudit.TERMINE and audit.decision == "cloturer"
    assert audit.dossier.etat == Etat.CLOS
    detail = _texte(client.get(reverse("audits:detail", args=[audit.pk])))
    assert 'id="a-rembourser">50 000 €' in detail


def test_classer_needs_no_confirmation(client, monde):
    contradictoire(client, monde)
    client.force_login(monde["valideur"])
    url = reverse("audits:decider", args=[monde["audit"].pk])
    r = client.post(url, {"decision": "classer", "commentaire": "Réponse convaincante."})
    assert r.status_code == 302
    assert recharger(monde["audit"]).decision == "classer"
    r = client.post(url, {"decision": "classer", "commentaire": "Encore."})
    assert r.status_code == 200 and "Impossible de décider" in _texte(r)
    assert recharger(monde["audit"]).commentaire_decision == "Réponse convaincante."


def test_an_audit_s_notification_leads_to_its_page(client, monde):
    contradictoire(client, monde)
    lien = reverse("audits:detail", args=[monde["audit"].pk])
    notifications = Notification.objects.filter(destinataire=monde["gestionnaire"])
    notification = notifications.exclude(lien__endswith="/fiche/").latest("pk")
    assert notification.lien == lien
    client.force_login(monde["gestionnaire"])
    assert "Répondre à l’audit" in _texte(client.get(lien))


def test_the_detail_links_to_the_fiche_once_concluded(client, monde):
    lien = reverse("audits:fiche", args=[monde["audit"].pk])
    client.force_login(monde["valideur"])
    assert lien not in _texte(client.get(reverse("audits:detail", args=[monde["audit"].pk])))
    contradictoire(client, monde)
    for user in (monde["valideur"], monde["gestionnaire"]):
        client.force_login(user)
        page = _texte(client.get(reverse("audits:detail", args=[monde["audit"].pk])))
        assert lien in page and "envoyée à l’établissement le" in page
