"""The phase suivi page and API: the ES files a report, the ARS sees what blocks each domaine
and notifies the funding of the domaine at target only; bad input changes nothing."""

from decimal import Decimal

import pytest

from dossiers.enums import Etat, SuiviDomaine
from dossiers.models import Dossier
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from indicateurs.models import RapportSuivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def dossier_en_suivi(amorcage=None):
    etab = f.EtablissementFactory()
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    return d.accepte(
        etab, selectionnes=("D1", "D2"), domaines=("D1", "D2"), amorcage=amorcage or {"D2": 20_000}
    )


def valeurs(dossier, *, atteints=("D2",)):
    """Every prérequis indicator and the domaines in ``atteints`` at target, D1 below."""
    data = {}
    for i in dossier.programme.indicateurs.select_related("domaine"):
        if i.domaine is not None and i.domaine.code not in ("D1", "D2"):
            continue
        a_la_cible = i.prerequis_id is not None or i.domaine.code in atteints
        if i.type == "existence":
            data[i.code] = 100 if a_la_cible else 0
        else:
            data[i.code] = i.cible if a_la_cible else Decimal(5)
    return data


def formulaire(dossier, **kw):
    post = {
        "etape": "rapport",
        "arrete_le": "",
        "budget_engage": "120000",
        "etp_engages": "1.5",
        "avancements.D1": "deploiement",
        "avancements.D2": "deploiement",
    }
    post.pop("arrete_le")
    for code, valeur in valeurs(dossier).items():
        post[f"valeurs.{code}"] = str(valeur)
    post.update(kw)
    return post


def domaine(dossier, code):
    return dossier.domaines.get(domaine__code=code)


def test_the_es_files_a_report_and_the_ars_funds_the_domaine_at_target_only(client):
    dossier = dossier_en_suivi()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    client.force_login(gestionnaire)
    url = f"/dossiers/{dossier.numero}/suivi/"
    page = client.get(url).content.decode()
    assert "Déposer un rapport de suivi" in page

    response = client.post(url, formulaire(dossier))
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert domaine(dossier, "D2").suivi == SuiviDomaine.CIBLES_ATTEINTES
    assert domaine(dossier, "D1").suivi == SuiviDomaine.SELECTIONNE

    valideur = d.valideur_de(dossier)
    client.force_login(valideur)
    page = client.get(url).content.decode()
    assert 'id="financable-D2"' in page
    assert "Notifier le financement D2" in page
    assert "Notifier le financement D1" not in page
    assert "D1.1 : 5,0\u00a0% déclaré, cible" in page  # exactly which indicator blocks D1

    assert client.post(url, {"etape": "financement", "domaine": "D2"}).status_code == 302
    assert domaine(dossier, "D2").suivi == SuiviDomaine.FINANCE
    assert domaine(dossier, "D1").suivi == SuiviDomaine.SELECTIONNE
    usage = MouvementEnveloppe.objects.get(dossier=dossier, nature=Nature.USAGE_NOTIFIE)
    engagement = MouvementEnveloppe.objects.get(
        dossier=dossier, nature=Nature.ENGAGEMENT, domaine__domaine__code="D2"
    )
    assert usage.montant == engagement.montant - Decimal(20_000)


def test_an_incomplete_report_gets_french_errors_and_writes_nothing(client):
    dossier = dossier_en_suivi()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    post = formulaire(dossier, budget_engage="", **{"valeurs.P1.1": "140"})
    del post["avancements.D1"]
    response = client.post(f"/dossiers/{dossier.numero}/suivi/", post)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le rapport de suivi est incomplet ou invalide." in page
    assert "Indiquez le budget engagé." in page
    assert "Une valeur d&#x27;indicateur est comprise entre 0 et 100." in page
    assert "Indiquez l&#x27;état d&#x27;avancement du domaine D1." in page
    assert not RapportSuivi.objects.exists()
    assert domaine(dossier, "D2").suivi == SuiviDomaine.SELECTIONNE


@pytest.mark.parametrize("role", ["es_lecteur", "ars_lecteur", "pilote"])
def test_read_only_roles_see_the_follow_up_but_cannot_act(client, role):
    dossier = dossier_en_suivi()
    user = {
        "es_lecteur": lambda: f.es_lecteur(dossier.etablissement),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "pilote": f.pilote_national,
    }[role]()
    client.force_login(user)
    url = f"/dossiers/{dossier.numero}/suivi/"
    page = client.get(url).content.decode()
    assert "Domaines sélectionnés" in page
    assert "Déposer le rapport de suivi" not in page
    assert "Notifier le financement" not in page
    assert client.post(url, formulaire(dossier)).status_code == 403
    assert not RapportSuivi.objects.exists()


def test_page_query_count_does_not_grow_with_reports(client):
    dossier = dossier_en_suivi()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    client.force_login(d.valideur_de(dossier))
    url = f"/dossiers/{dossier.numero}/suivi/"

    def deposer():
        client.force_login(gestionnaire)
        client.post(url, formulaire(dossier, **{"avancements.D2": "deploiement"}))
        client.force_login(d.valideur_de(dossier))

    deposer()
    client.get(url)
    un, _ = count_queries(client.get, url)
    for _ in range(6):
        deposer()
    assert RapportSuivi.objects.filter(dossier=dossier).count() == 7
    client.get(url)
    sept, _ = count_queries(client.get, url)
    assert sept == un


# --- API ------------------------------------------------------------------------------------


def test_api_accept_with_amorcage_then_follow_up(client):
    etab = f.EtablissementFactory()
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    dossier = d.selection(etab, selectionnes=("D1", "D2"), domaines=("D1", "D2"))
    valideur = d.valideur_de(dossier)
    client.force_login(valideur)
    response = client.post(
        f"/api/v1/dossiers/{dossier.numero}/transitions/accepter/",
        {"commentaire": "Projet solide.", "amorcage": {"D1": 15000, "D2": "20000.50"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["etat"] == Etat.ACCEPTE

    suivi = client.get(f"/api/v1/dossiers/{dossier.numero}/suivi/").json()
    par_domaine = {x["domaine"]: x for x in suivi["domaines"]}
    assert par_domaine["D1"]["amorcage_decide"] == 15000
    assert par_domaine["D2"]["amorcage_decide"] == 20001  # whole euros, half up
    assert par_domaine["D2"]["suivi"] == "selectionne"
    assert par_domaine["D2"]["blocages"] == ["Aucun rapport de suivi n'a encore été déposé."]

    refus = client.post(f"/api/v1/dossiers/{dossier.numero}/domaines/D2/financement/")
    assert refus.status_code == 409
    assert "Aucun rapport de suivi" in refus.json()["detail"]

    client.force_login(f.es_gestionnaire(etab))
    rapport = client.post(
        f"/api/v1/dossiers/{dossier.numero}/rapports/",
        {
            "budget_engage": 90000,
            "etp_engages": 2,
            "valeurs": {c: {"valeur": v} for c, v in valeurs(dossier).items()},
            "avancements": {"D1": {"avancement": "etude"}, "D2": {"avancement": "deploiement"}},
        },
        content_type="application/json",
    )
    assert rapport.status_code == 201, rapport.content
    assert rapport.json()["rang"] == 1
    assert rapport.json()["valeurs"]["P1.1"]["atteint"] is True

    client.force_login(valideur)
    ok = client.post(f"/api/v1/dossiers/{dossier.numero}/domaines/D2/financement/")
    assert ok.status_code == 200, ok.content
    par_domaine = {x["domaine"]: x for x in ok.json()["domaines"]}
    assert par_domaine["D2"]["suivi"] == "finance"
    # forfait − 20 000,50 € = …354,50 €, shown as …355 (half up).
    assert par_domaine["D2"]["usage_notifie"] == par_domaine["D2"]["engage"] - 20000
    assert par_domaine["D1"]["suivi"] == "selectionne"
    assert par_domaine["D1"]["blocages"]


def test_api_amorcage_over_the_cap_refuses_the_acceptance(client):
    etab = f.EtablissementFactory(region=f.region("06"))  # Mayotte: cap 143 600 €
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    dossier = d.selection(etab, selectionnes=("D2",), domaines=("D2",))
    client.force_login(d.valideur_de(dossier))
    response = client.post(
        f"/api/v1/dossiers/{dossier.numero}/transitions/accepter/",
        {"amorcage": {"D2": 150000}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "20" in response.json()["detail"]
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.DEPOSE
    assert not MouvementEnveloppe.objects.filter(dossier=dossier).exists()


def test_api_report_errors_are_per_field(client):
    dossier = dossier_en_suivi()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    response = client.post(
        f"/api/v1/dossiers/{dossier.numero}/rapports/",
        {"budget_engage": -1, "etp_engages": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["budget_engage"] == ["Saisissez un nombre positif."]
    assert errors["etp_engages"] == ["Saisissez un nombre."]
    assert "valeurs.P1.1" in errors
    assert not RapportSuivi.objects.exists()
