"""Pages of the regional programmation, its national table and the campaigns [SPEC §7]: who
reads and who writes, the CMSI's amorçage form and transmission (confirmed, refused over the
envelope with nothing written), figures equal to the API's, fixed query counts, exports."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from candidatures import pages_programmation as pages
from candidatures.models import Ajustement, Campagne, Version
from hn.formats import euros
from hn.referentiel.regles import arrondi_euro
from tests import factories as f
from tests.candidatures.aides import (
    API,
    COMPLETE,
    ami_2019,
    etablissement,
    preselectionnee,
    valideur,
)
from tests.indicateurs.aides import le

pytestmark = pytest.mark.django_db

DEUX_DOMAINES = COMPLETE | {
    "domaines": [
        {"code": "D2", "semestre_cibles": "2020S2"},
        {"code": "D5", "semestre_cibles": "2021S1"},
    ]
}


def url(region="84", nom="programmation", campagne=None):
    return reverse(f"candidatures:{nom}", args=[campagne or ami_2019().pk, region])


def _api(client, user, region="84"):
    client.force_login(user)
    return client.get(f"{API}programmations/{ami_2019().pk}/{region}/").json()


@pytest.fixture
def deux(db):
    """Two pre-selected établissements of région 84: three lines."""
    return [preselectionnee(donnees=DEUX_DOMAINES), preselectionnee()]


def test_cmsi_page_figures_equal_the_api(client, deux):
    cmsi = valideur()
    api = _api(client, cmsi)
    page = client.get(url())
    assert page.status_code == 200
    html = page.content.decode()
    assert len(api["lignes"]) == 3
    for cle in ("total", "total_amorcage", "total_usage", "enveloppe", "plafond_amorcage"):
        assert euros(api[cle]) in html, cle
    for lg in api["lignes"]:
        assert f'id="ligne-{lg["finess"]}-{lg["domaine"]}"' in html
        assert euros(lg["forfait"]) in html and euros(lg["usage"]) in html
    assert "2020 semestre 2" in html and "2021 semestre 1" in html
    assert "compte sous chacune" in html  # the multi-activity note
    assert 'id="graphique-programmation"' in html and "<script>" not in html
    assert "programmation_transmettre" not in html  # a URL, not a name
    assert reverse("candidatures:programmation_transmettre", args=[ami_2019().pk, "84"]) in html


@pytest.mark.parametrize("role", ["ars_lecteur", "ars_auditeur", "pilote", "lecteur_national"])
def test_readers_see_the_page_without_forms(client, deux, role):
    user = {
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "ars_auditeur": lambda: f.ars_auditeur("84"),
        "pilote": f.pilote_national,
        "lecteur_national": f.lecteur_national,
    }[role]()
    client.force_login(user)
    page = client.get(url())
    assert page.status_code == 200
    html = page.content.decode()
    assert deux[0].etablissement.finess in html
    assert url(nom="programmation_ajuster") not in html
    assert url(nom="programmation_transmettre") not in html


def test_other_region_ars_and_es_get_404(client, deux):
    for user in (valideur("11"), f.ars_lecteur("11"), f.es_gestionnaire(deux[0].etablissement)):
        client.force_login(user)
        assert client.get(url()).status_code == 404
        assert client.get(url() + "?format=xlsx").status_code == 404
        for nom in ("programmation_ajuster", "programmation_transmettre"):
            assert client.post(url(nom=nom), {"confirme": "1"}).status_code == 404
    assert client.get(url("99")).status_code == 404


def test_readers_posting_get_403_and_nothing_is_written(client, deux):
    lg = _api(client, valideur())["lignes"][0]
    for user in (f.ars_lecteur("84"), f.ars_auditeur("84"), f.pilote_national()):
        client.force_login(user)
        donnees = {"finess": lg["finess"], "domaine": lg["domaine"], "amorcage": "1"}
        assert client.post(url(nom="programmation_ajuster"), donnees).status_code == 403
        reponse = client.post(url(nom="programmation_transmettre"), {"confirme": "1"})
        assert reponse.status_code == 403
    assert not Ajustement.objects.exists() and not Version.objects.exists()


def test_amorcage_refused_at_its_field_with_the_input_kept(client, deux):
    lg = _api(client, valideur())["lignes"][0]
    champ = f"amorcage-{lg['finess']}-{lg['domaine']}"
    for saisi, message in (("douze", "nombre entier"), (str(lg["forfait"] + 1), "dépasser")):
        reponse = client.post(
            url(nom="programmation_ajuster"),
            {"finess": lg["finess"], "domaine": lg["domaine"], "amorcage": saisi, "page": "1"},
        )
        assert reponse.status_code == 200
        html = reponse.content.decode()
        assert f'id="{champ}-erreur"' in html and message in html
        assert f'aria-describedby="{champ}-erreur"' in html
        assert f'value="{saisi}"' in html
    assert not Ajustement.objects.exists()


def test_amorcage_changed_and_marked(client, deux):
    lg = _api(client, valideur())["lignes"][0]
    reponse = client.post(
        url(nom="programmation_ajuster"),
        {"finess": lg["finess"], "domaine": lg["domaine"], "amorcage": "1234"},
    )
    assert reponse.status_code == 302
    assert Ajustement.objects.get().amorcage == 1234
    html = client.get(url()).content.decode()
    assert f'id="modifie-{lg["finess"]}-{lg["domaine"]}"' in html
    api = _api(client, valideur())
    assert api["lignes"][0]["amorcage"] == 1234
    assert euros(api["total_amorcage"]) in html


def test_transmission_confirmed_then_versioned(client, deux):
    cmsi = valideur()
    api = _api(client, cmsi)
    with le(2019, 8, 20):
        apercu = client.post(url(nom="programmation_transmettre"))
        assert apercu.status_code == 200
        html = apercu.content.decode()
        assert "data-confirmation" in html and 'name="confirme"' in html
        assert euros(api["total"]) in html and euros(api["total_amorcage"]) in html
        assert not Version.objects.exists()
        assert (
            client.post(url(nom="programmation_transmettre"), {"confirme": "1"}).status_code == 302
        )
    with le(2019, 9, 2):  # after the 30/08/2019 deadline
        client.post(url(nom="programmation_transmettre"), {"confirme": "1"})
    v1, v2 = Version.objects.order_by("rang")
    assert (v1.en_retard, v2.en_retard) == (False, True)
    assert v1.total == api["total"]
    html = client.get(url()).content.decode()
    assert html.count("En retard") == 1 and "Dans les délais" in html


def _mayotte(n=1, journees_mco=1_000_000):
    """Pré-sélectionnées of Mayotte (HOP'EN envelope 718 000 €): D2 in category D, 700 000 €."""
    return [preselectionnee(etablissement("06", journees_mco=journees_mco)) for _ in range(n)]


def _refus(client, attendus):
    for donnees in ({}, {"confirme": "1"}):
        reponse = client.post(url("06", "programmation_transmettre"), donnees)
        assert reponse.status_code == 200
        html = reponse.content.decode()
        assert 'id="transmettre-refus"' in html
        for texte in attendus:
            assert escape(texte) in html
    assert not Version.objects.exists()


def test_over_the_envelope_refused_nothing_written(client):
    _mayotte(2)
    client.force_login(valideur("06"))
    api = client.get(f"{API}programmations/{ami_2019().pk}/06/").json()
    assert api["enveloppe"] == 718_000 and api["total"] == 1_400_000
    html = client.get(url("06")).content.decode()
    assert 'id="transmettre-refus"' in html and escape("dépasse l'enveloppe") in html
    assert url("06", "programmation_transmettre") not in html
    _refus(client, api["depassements"])


def test_amorcage_above_the_ceiling_refused(client):
    _mayotte(1)
    cmsi = valideur("06")
    lg = _api(client, cmsi, "06")["lignes"][0]
    assert lg["forfait"] == 700_000
    client.post(
        url("06", "programmation_ajuster"),
        {"finess": lg["finess"], "domaine": lg["domaine"], "amorcage": "150000"},
    )
    api = _api(client, cmsi, "06")
    assert api["total_amorcage"] == 150_000 and api["plafond_amorcage"] == 143_600
    _refus(client, ["dépasse le plafond de l'amorçage"])


def _compte(client, lien) -> int:
    client.get(lien)  # warm (sessions, caches)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(lien).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_the_lines(client, django_assert_num_queries):
    preselectionnee(donnees=DEUX_DOMAINES)
    client.force_login(valideur())
    lien = url()
    petit = _compte(client, lien)
    for _ in range(4):
        preselectionnee(donnees=DEUX_DOMAINES)
    client.get(lien)
    with django_assert_num_queries(petit):
        assert client.get(lien).status_code == 200


def test_export_xlsx_has_every_line(client, deux):
    api = _api(client, valideur())
    reponse = client.get(url() + "?format=xlsx")
    assert reponse.status_code == 200
    feuille = openpyxl.load_workbook(io.BytesIO(reponse.content)).active
    lignes = list(feuille.iter_rows(values_only=True))
    assert list(lignes[0]) == pages.ENTETES
    assert [(r[0], r[4], r[6], r[7], r[8]) for r in lignes[1:]] == [
        (lg["finess"], lg["domaine"], lg["forfait"], lg["amorcage"], lg["usage"])
        for lg in api["lignes"]
    ]
    csv = client.get(url() + "?format=csv")
    assert csv.status_code == 200 and api["lignes"][0]["finess"] in csv.content.decode()


# --- national --------------------------------------------------------------------------------


def _transmise(region, jour=(2019, 8, 20)):
    preselectionnee(etablissement(region))
    with le(*jour):
        from candidatures import actions

        return actions.transmettre_programmation(
            campagne=ami_2019(), region=f.region(region), acting_user=valideur(region)
        )


def test_national_page_latest_versions_and_export(client):
    _transmise("84")
    derniere = _transmise("84", (2019, 9, 3))
    v11 = _transmise("11")
    client.force_login(f.lecteur_national())
    lien = reverse("candidatures:programmation_nationale", args=[ami_2019().pk])
    html = client.get(lien).content.decode()
    assert 'id="region-84"' in html and 'id="region-11"' in html
    assert html.count("En retard") == 1
    assert euros(derniere.total + v11.total) in html
    assert euros(arrondi_euro(derniere.enveloppe + v11.enveloppe)) in html
    assert "Bretagne" in html.split('id="non-transmises"')[1]
    classeur = openpyxl.load_workbook(io.BytesIO(client.get(lien + "?format=xlsx").content))
    lignes = list(classeur.active.iter_rows(values_only=True))
    assert list(lignes[0]) == pages.ENTETES_NATIONAL
    par_code = {r[1]: r for r in lignes[1:]}
    assert set(par_code) == {"84", "11"}
    assert par_code["84"][2] == 2 and par_code["84"][5] == "Oui"
    assert par_code["84"][6] == derniere.total


def test_national_page_queries_do_not_grow_with_the_regions(client, django_assert_num_queries):
    _transmise("84")
    client.force_login(f.pilote_national())
    lien = reverse("candidatures:programmation_nationale", args=[ami_2019().pk])
    petit = _compte(client, lien)
    for region in ("11", "53", "28"):
        _transmise(region)
    client.get(lien)
    with django_assert_num_queries(petit):
        assert client.get(lien).status_code == 200


def test_national_page_is_for_the_national_level(client):
    lien = reverse("candidatures:programmation_nationale", args=[ami_2019().pk])
    for user in (valideur(), f.es_gestionnaire(etablissement())):
        client.force_login(user)
        assert client.get(lien).status_code == 403


# --- campaigns -------------------------------------------------------------------------------

NOUVELLE = {
    "programme": "HOPEN",
    "libelle": "AMI HOP'EN 2021",
    "ouverture": "2021-02-01",
    "cloture": "2021-06-30",
    "programmation_avant": "2021-08-31",
    "reponse_avant": "2021-09-30",
    "tardives_jusqu_au": "2021-12-31",
}


def test_pilote_opens_a_campaign(client):
    client.force_login(f.pilote_national())
    lien = reverse("candidatures:campagnes")
    assert 'id="ouvrir"' in client.get(lien).content.decode()
    reponse = client.post(lien, NOUVELLE | {"cloture": "01/07/2021"})
    assert reponse.status_code == 302
    c = Campagne.objects.get(libelle="AMI HOP'EN 2021")
    assert str(c.cloture) == "2021-07-01" and c.premier_semestre == "2021S1"
    html = client.get(lien).content.decode()
    assert reverse("candidatures:programmation_nationale", args=[c.pk]) in html


def test_campaign_refused_at_the_fields_input_kept(client):
    client.force_login(f.pilote_national())
    avant = Campagne.objects.count()
    reponse = client.post(
        reverse("candidatures:campagnes"), NOUVELLE | {"cloture": "2021-01-01", "libelle": "X2"}
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'id="cloture-erreur"' in html and "La clôture doit suivre" in html
    assert 'value="X2"' in html and 'value="2021-01-01"' in html
    assert Campagne.objects.count() == avant


def test_campaigns_page_for_the_ars_and_refused_to_others(client):
    client.force_login(valideur())
    lien = reverse("candidatures:campagnes")
    html = client.get(lien).content.decode()
    assert url() in html and 'id="ouvrir"' not in html
    assert client.post(lien, NOUVELLE).status_code == 403
    assert not Campagne.objects.filter(libelle=NOUVELLE["libelle"]).exists()
    client.force_login(f.es_gestionnaire(etablissement()))
    assert client.get(lien).status_code == 403


def test_lines_paginated_totals_over_all_and_error_on_its_page(client, deux, monkeypatch):
    monkeypatch.setattr(pages, "PAR_PAGE", 2)
    api = _api(client, valideur())
    derniere = api["lignes"][2]
    html = client.get(url() + "?page=2").content.decode()
    assert f'id="ligne-{derniere["finess"]}-{derniere["domaine"]}"' in html
    assert f'id="ligne-{api["lignes"][0]["finess"]}-{api["lignes"][0]["domaine"]}"' not in html
    assert euros(api["total"]) in html and "Lignes 3 à 3 sur 3" in html
    reponse = client.post(
        url(nom="programmation_ajuster"),
        {
            "finess": derniere["finess"],
            "domaine": derniere["domaine"],
            "amorcage": "-5",
            "page": "2",
        },
    )
    html = reponse.content.decode()
    assert reponse.status_code == 200 and 'value="-5"' in html
    assert f'id="amorcage-{derniere["finess"]}-{derniere["domaine"]}-erreur"' in html


def test_cancelling_the_confirmation_writes_nothing(client, deux):
    client.force_login(valideur())
    reponse = client.post(url(nom="programmation_transmettre"), {"annuler": "1"})
    assert reponse.status_code == 302 and reponse["Location"] == url()
    apercu = client.post(url(nom="programmation_transmettre"), HTTP_X_CONFIRMATION="apercu")
    assert apercu.status_code == 200 and "data-confirmation" in apercu.content.decode()
    assert not Version.objects.exists()
