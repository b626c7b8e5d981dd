"""The GHT conditions [SPEC §6, §10; 003 §5.3.1]: data-driven eligibility rules on a GHT
dossier's content (skipped for a single établissement's), the missing items of the dépôt, the
page "GHT" and the PATCH API."""

import json

import pytest

from dossiers import actions
from dossiers.contenu import contenu, manquants
from dossiers.eligibilite import controles
from dossiers.models import Dossier
from dossiers.pages import pages
from hn.referentiel.chargement import charger_referentiel
from hn.referentiel.models import Indicateur
from tests import dossiers_factories as df
from tests import factories as f
from tests.ght import aides

pytestmark = pytest.mark.django_db

REGLES_GHT = {"ght_sdsi", "ght_convergence", "ght_validation_directeur", "ght_dsi"}
API = "/api/v1/"


def test_the_hopen_fixture_gives_the_declinaison_ght_of_annexe_1():
    hopen = Indicateur.objects.filter(programme__code="HOPEN")
    assert hopen.get(code="P1.1").declinaison_ght == (
        "Ce référentiel d’identités est unique au sein du GHT."
    )
    assert "identiques au sein du GHT" in hopen.get(code="D1.2").declinaison_ght
    assert hopen.get(code="P1.3").declinaison_ght == ""  # "Applicable par établissement."
    assert hopen.get(code="D7.3").declinaison_ght == ""
    # Loading again changes nothing; an edited row gets the fixture's text back on update.
    assert charger_referentiel() == (0, 0)
    Indicateur.objects.filter(programme__code="HOPEN", code="P1.1").update(declinaison_ght="")
    charger_referentiel(mettre_a_jour=True)
    assert hopen.get(code="P1.1").declinaison_ght.startswith("Ce référentiel")
    regles = {r["regle"] for r in df.programme().eligibilite}
    assert regles >= REGLES_GHT


def test_a_single_dossier_has_no_ght_check_page_or_missing_item():
    dossier = Dossier.objects.get(pk=df.complet()[0].pk)
    assert not dossier.est_ght
    assert not REGLES_GHT & {c.libelle for c in controles(dossier, contenu(dossier))}
    assert len(controles(dossier, contenu(dossier))) == len(dossier.programme.eligibilite) - 4
    assert "ght" not in [p.slug for p in pages(dossier)]
    assert manquants(dossier) == []


def test_an_empty_ght_dossier_fails_every_ght_rule_and_lists_what_is_missing():
    dossier, _, _ = aides.dossier_ght()
    resultats = aides.controles_ght(dossier)
    assert set(resultats) == REGLES_GHT
    assert not any(c.ok for c in resultats.values())
    assert all(c.bloquant and c.source.startswith("[003 §5.3.1]") for c in resultats.values())
    convergence = aides.convergence_attendue(dossier)
    assert {"P1.1", "P2.4", "D2.4", "D3.1"} <= set(convergence)
    assert "P1.3" not in convergence and "D1.1" not in convergence  # D1 not requested
    assert resultats["ght_convergence"].details == [f"Sans réponse : {', '.join(convergence)}."]
    manque = manquants(dossier)
    assert {m["page_slug"] for m in manque} == {"ght"}
    assert {m["page"] for m in manque} == {"5"}  # after "DSI et directeur"
    champs = {m["champ"] for m in manque}
    assert {
        "validation_directeur_support",
        "dsi_ght_valide",
        "contacts.dsi_ght.nom",
        "pieces.sdsi_ght",
    } <= champs
    assert {f"convergence.{c}" for c in convergence} <= champs
    with pytest.raises(actions.DepotIncomplet):
        actions.deposer(dossier=dossier, acting_user=f.es_gestionnaire(dossier.etablissement))


def test_a_complete_ght_dossier_passes_and_the_ars_reads_the_same_checks():
    dossier, gestionnaire, _ = aides.dossier_ght()
    dossier = aides.remplir(dossier, gestionnaire)
    assert all(c.ok for c in aides.controles_ght(dossier).values())
    assert manquants(dossier) == []
    dossier = actions.deposer(dossier=dossier, acting_user=gestionnaire)
    depot = df.depot_de(dossier)
    snapshot = depot.contenu
    assert snapshot["validation_directeur_support"] is True
    assert snapshot["dsi_ght_valide"] is True
    assert set(snapshot["convergence"]) == set(aides.convergence_attendue(dossier))
    ars = {c.source: c for c in controles(dossier, snapshot)}
    assert all(c.ok for s, c in ars.items() if "GHT" in s)


@pytest.mark.parametrize(
    ("sauf", "regle", "detail"),
    [
        ("sdsi", "ght_sdsi", "Aucun schéma directeur SI du GHT joint (page GHT)."),
        ("validation", "ght_validation_directeur", "Validation du directeur non cochée"),
        ("dsi_nom", "ght_dsi", "DSI du GHT non nommé."),
        ("dsi_valide", "ght_dsi", "DSI du GHT non validé"),
        ("convergence", "ght_convergence", "Sans réponse : P1.1"),
    ],
)
def test_each_missing_condition_fails_its_rule_only(sauf, regle, detail):
    dossier, gestionnaire, _ = aides.dossier_ght(domaines=("D2",))
    dossier = aides.remplir(dossier, gestionnaire, sauf=(sauf,))
    resultats = aides.controles_ght(dossier)
    assert {r for r, c in resultats.items() if not c.ok} == {regle}
    assert resultats[regle].details[0].startswith(detail)
    assert manquants(dossier)  # and the dépôt lists it
    assert {m["page_slug"] for m in manquants(dossier)} == {"ght"}


def test_a_no_answer_counts_as_entered_and_a_newly_requested_domaine_asks_for_more():
    dossier, gestionnaire, _ = aides.dossier_ght(domaines=("D2",))
    dossier = aides.remplir(dossier, gestionnaire)
    assert False in dossier.convergence.values()
    assert aides.controles_ght(dossier)["ght_convergence"].ok
    actions_saisie = {"domaines": [{"code": "D4", "demande": True, "avancement": "deploiement"}]}
    from dossiers.saisie import enregistrer_saisie

    enregistrer_saisie(dossier=dossier, data=actions_saisie, acting_user=gestionnaire)
    dossier = Dossier.objects.get(pk=dossier.pk)
    controle = aides.controles_ght(dossier)["ght_convergence"]
    assert not controle.ok
    assert controle.details == ["Sans réponse : D4.1, D4.2, D4.3, D4.4."]


def test_the_ght_page_shows_members_and_saves_like_the_other_pages(client):
    dossier, gestionnaire, autres = aides.dossier_ght(domaines=("D2",))
    client.force_login(gestionnaire)
    adresse = f"/dossiers/{dossier.numero}/pages/ght/"
    page = client.get(adresse)
    assert page.status_code == 200
    html = page.content.decode()
    for etab in autres:
        assert etab.raison_sociale in html
    assert "L’application utilisée permettant l’informatisation et la mise à jour" in html
    assert 'name="convergence.D2.4"' in html and 'name="convergence.D1.1"' not in html
    post = {
        "validation_directeur_support": "1",
        "contacts.dsi_ght.nom": "Dominique DSI",
        "contacts.dsi_ght.email": "dsi@ght.test",
        "convergence.P1.1": "oui",
        "convergence.D2.4": "non",
        "aller": "ght",
    }
    assert client.post(adresse, post).status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.validation_directeur_support and not dossier.dsi_ght_valide
    assert dossier.convergence == {"D2.4": False, "P1.1": True}
    assert dossier.contacts.get(type="dsi_ght").nom == "Dominique DSI"
    # A bad answer: the typed page again with the message at its field, nothing saved.
    refus = client.post(adresse, {**post, "convergence.P1.1": "peut-être", "dsi_ght_valide": "1"})
    assert refus.status_code == 200
    html = refus.content.decode()
    assert "Répondez oui ou non." in html and "data-non-enregistre" in html
    assert not Dossier.objects.get(pk=dossier.pk).dsi_ght_valide
    # The SDSI is uploaded on this page, in its own category.
    reponse = client.post(
        f"/dossiers/{dossier.numero}/pieces/ajouter/",
        {
            "categorie": "sdsi_ght",
            "retour": "ght",
            "fichier": _fichier("sdsi.pdf"),
        },
    )
    assert reponse.status_code == 302 and reponse["Location"].endswith("/pages/ght/")
    assert dossier.pieces.get().categorie == "sdsi_ght"
    assert "sdsi.pdf" in client.get(adresse).content.decode()
    apercu = client.get(f"/dossiers/{dossier.numero}/apercu/")  # the PDF's HTML
    assert apercu.status_code == 200
    assert "Indicateurs de convergence du GHT" in apercu.content.decode()
    assert (
        "sdsi.pdf" not in client.get(f"/dossiers/{dossier.numero}/pages/projet/").content.decode()
    )


def test_a_member_reads_the_ght_page_without_a_form(client):
    dossier, _, autres = aides.dossier_ght(domaines=("D2",))
    client.force_login(f.es_gestionnaire(autres[0]))
    page = client.get(f"/dossiers/{dossier.numero}/pages/ght/")
    assert page.status_code == 200
    assert "Enregistrer cette page" not in page.content.decode()
    assert client.post(f"/dossiers/{dossier.numero}/pages/ght/", {}).status_code == 403


def test_the_patch_api_writes_the_ght_conditions_and_refuses_bad_codes(client):
    dossier, gestionnaire, _ = aides.dossier_ght(domaines=("D2",))
    client.force_login(gestionnaire)
    adresse = f"{API}dossiers/{dossier.numero}/"

    def patch(body):
        return client.patch(adresse, json.dumps(body), content_type="application/json")

    ok = patch(
        {
            "validation_directeur_support": True,
            "dsi_ght_valide": True,
            "convergence": {"P1.1": "oui"},
        }
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["contenu"]["convergence"] == {"P1.1": True}
    assert ok.json()["contenu"]["validation_directeur_support"] is True
    inconnu = patch({"convergence": {"P1.3": True, "D2.4": False}})  # P1.3: no déclinaison GHT
    assert inconnu.status_code == 400
    assert "Indicateur de convergence inconnu : P1.3." in json.dumps(
        inconnu.json(), ensure_ascii=False
    )
    for mauvais in ({"convergence": {"P1.1": "peut-être"}}, {"convergence": {"P1.1": 1}}):
        assert patch(mauvais).status_code == 400
    assert patch({"convergence": ["P1.1"]}).status_code == 400
    assert patch({"dsi_ght_valide": "bof"}).status_code == 400
    assert Dossier.objects.get(pk=dossier.pk).convergence == {"P1.1": True}  # nothing changed
    assert patch({"convergence": {"P1.1": None}}).json()["contenu"]["convergence"] == {}


def test_a_single_dossier_refuses_the_ght_fields(client):
    dossier, gestionnaire = df.complet()
    client.force_login(gestionnaire)
    adresse = f"{API}dossiers/{dossier.numero}/"
    for body in (
        {"validation_directeur_support": True},
        {"convergence": {"P1.1": True}},
        {"contacts": [{"type": "dsi_ght", "nom": "X"}]},
    ):
        reponse = client.patch(adresse, json.dumps(body), content_type="application/json")
        assert reponse.status_code == 400, body
    assert client.get(f"/dossiers/{dossier.numero}/pages/ght/").status_code == 404


def _fichier(nom):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(nom, df.PDF_MINIMAL, content_type="application/pdf")
