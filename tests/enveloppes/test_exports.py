"""Files of the envelope lists (issue 19 §9): the envelopes page and the syntheses index as
CSV/XLSX (their table's columns, the caller's régions only), and the national synthesis of a
programme for a year (every région side by side, the figures of each regional synthesis to the
cent, a total row; a fixed number of queries whatever the number of régions)."""

import datetime as dt
import io
import itertools
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enveloppes import actions
from enveloppes.models import Enveloppe
from enveloppes.nationale import lignes_regionales, xlsx_nationale
from enveloppes.tableaux import LIGNES_SITUATION, synthese
from hn.referentiel.enums import Decoupage
from hn.referentiel.models import Programme
from tests import factories as f
from tests.enveloppes import donnees as x
from tests.exports_outils import XLSX, entetes_de_la_page, fichiers
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    """Région 84's HOP'EN scenario, and in 2021 a national redeployment from 84 to 11 (two
    régions with figures)."""
    donnees = x.scenario_hopen_84()
    actions.redeployer(
        source=x.enveloppe("HOPEN", "84"),
        destination=x.enveloppe("HOPEN", "11"),
        montant=D("1234.56"),
        motif="Sous-consommation.",
        acting_user=f.pilote_national(),
        le=dt.date(2021, 10, 1),
    )
    return donnees


def _montant(valeur) -> D:
    return D(str(valeur)).quantize(D("0.01"))


# --- the envelopes page -------------------------------------------------------------------------


def test_envelopes_page_exports_the_callers_envelopes(client, scenario):
    url = reverse("enveloppes:liste")
    client.force_login(f.ars_lecteur("84"))
    html = client.get(url).content.decode()
    assert 'format=xlsx" download' in html
    csv_, xlsx = fichiers(client, url)
    # The HN table's columns (with the current région), the programme first.
    assert csv_[0] == ["Programme", *entetes_de_la_page(html, "Enveloppes HN")]
    assert xlsx[0] == csv_[0]
    # ARS 84: HOP'EN 84 and HN's former régions of 84, never Île-de-France.
    regions = {(ligne[0], ligne[1]) for ligne in csv_[1:]}
    assert ("HOPEN", f"{f.region('84').nom} (84)") in regions
    assert {code for code, _ in regions} == {"HN", "HOPEN"}
    assert not any("(11)" in region for _, region in regions)
    assert (
        len(csv_)
        == len(xlsx)
        == 1
        + Enveloppe.objects.filter(region__code__in=["82", "83", "84"])
        .filter(region__decoupage=Decoupage.ANCIEN)
        .count()
        + 1
    )
    # Amounts as numbers, to the cent: HOP'EN 84's engaged amorçage.
    [ligne] = [lig for lig in xlsx[1:] if lig[0] == "HOPEN"]
    situation = x.enveloppe("HOPEN", "84").situation()
    assert _montant(ligne[4]) == situation.engage_amorcage
    assert isinstance(ligne[3], int | float)
    client.force_login(f.lecteur_national())
    csv_, _ = fichiers(client, url)
    assert len(csv_) == 1 + Enveloppe.objects.count()


# --- the syntheses index ------------------------------------------------------------------------


def test_syntheses_index_exports_the_year_and_the_scope(client, scenario):
    url = reverse("enveloppes:syntheses")
    client.force_login(f.ars_lecteur("84"))
    html = client.get(url, {"annee": 2021}).content.decode()
    entetes = [e for e in entetes_de_la_page(html, "Synthèses 2021") if e != "Téléchargements"]
    csv_, xlsx = fichiers(client, url, annee=2021)
    assert (
        csv_[0]
        == entetes
        == [
            "Programme",
            "Région",
            "Dossiers retenus",
            "Commentés par le CMSI",
        ]
    )
    lignes = {(lig[0], lig[1]): lig for lig in csv_[1:]}
    assert lignes[("HOPEN", f"{f.region('84').nom} (84)")][2] == "2"
    assert not any("(11)" in region for _, region in lignes)
    assert [lig[:2] for lig in xlsx[1:]] == [lig[:2] for lig in csv_[1:]]
    # The year filters the file: in 2020 one dossier was retained.
    csv_, _ = fichiers(client, url, annee=2020)
    assert {(lig[0], lig[1]): lig for lig in csv_[1:]}[("HOPEN", f"{f.region('84').nom} (84)")][
        2
    ] == "1"


# --- the national synthesis ---------------------------------------------------------------------


def test_each_regions_national_row_equals_its_regional_synthesis(scenario):
    hopen = Programme.objects.get(code="HOPEN")
    lignes = lignes_regionales(hopen, 2021)
    assert {lig.enveloppe.region.code for lig in lignes} == set(
        Enveloppe.objects.filter(programme=hopen).values_list("region__code", flat=True)
    )
    for ligne in lignes:
        assert ligne.lignes == synthese(ligne.enveloppe, 2021).lignes, ligne.enveloppe
    par_code = {lig.enveloppe.region.code: lig for lig in lignes}
    assert par_code["11"].fin.redeploye == D("1234.56")
    assert par_code["84"].fin.engage_amorcage == D("80000.50")


def test_national_xlsx_has_every_region_and_the_total(client, scenario):
    client.force_login(f.lecteur_national())
    page = client.get(reverse("enveloppes:syntheses"), {"annee": 2021}).content.decode()
    url = reverse("enveloppes:synthese_nationale_xlsx", args=["HOPEN", 2021])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="synthese-nationale-HOPEN-2021.xlsx"' in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rangees = [[c.value for c in ligne] for ligne in ws.iter_rows()]
    entetes = rangees[0]
    n = len(LIGNES_SITUATION)
    assert entetes[:2] == ["Région", "Code"] and len(entetes) == 2 + 2 * n
    assert entetes[2] == "Enveloppe publiée au 31/12/2021"
    assert entetes[2 + n] == "Enveloppe publiée : mouvements de l'année 2021"
    regions = {r[1]: r for r in rangees[1:] if r[1]}
    total = next(r for r in rangees if r[0] == "Total des régions")
    assert len(regions) == Enveloppe.objects.filter(programme__code="HOPEN").count()
    sy = synthese(x.enveloppe("HOPEN", "84"), 2021)
    assert [_montant(v) for v in regions["84"][2:]] == [
        *(fin for _a, _l, fin, _v in sy.lignes),
        *(variation for _a, _l, _f, variation in sy.lignes),
    ]
    for i in range(2, len(entetes)):
        assert _montant(total[i]) == sum(_montant(r[i]) for r in regions.values()), entetes[i]
    assert ws.cell(row=2, column=3).number_format.startswith("#,##0.00")


def test_national_xlsx_of_hn_names_the_current_region_and_is_national_only(client, scenario):
    client.force_login(f.ars_lecteur("84"))
    url = reverse("enveloppes:synthese_nationale_xlsx", args=["HN", 2021])
    assert client.get(url).status_code == 403
    html = client.get(reverse("enveloppes:syntheses"), {"annee": 2021}).content.decode()
    assert "synthese-nationale" not in html and url not in html
    client.force_login(f.pilote_national())
    ws = load_workbook(io.BytesIO(client.get(url).content)).active
    rangees = [[c.value for c in ligne] for ligne in ws.iter_rows()]
    assert rangees[0][:3] == ["Région", "Code", "Région actuelle (ARS)"]
    [rhone_alpes] = [r for r in rangees if r[1] == "82"]
    assert rhone_alpes[2] == f.region("84").nom
    assert len(rangees) == 1 + Enveloppe.objects.filter(programme__code="HN").count() + 1
    assert (
        client.get(reverse("enveloppes:synthese_nationale_xlsx", args=["XX", 2021])).status_code
        == 404
    )
    assert (
        client.get(reverse("enveloppes:synthese_nationale_xlsx", args=["HN", 1999])).status_code
        == 404
    )


def test_national_synthesis_queries_do_not_grow_with_the_regions():
    hopen = Programme.objects.get(code="HOPEN")
    pilote = f.pilote_national()
    regions = [e.region for e in Enveloppe.objects.filter(programme=hopen)[:5]]
    Enveloppe.objects.filter(programme=hopen).exclude(region__in=regions[:2]).delete()

    def redeployer(n):
        """A ledger line on each of the n régions."""
        enveloppes = list(Enveloppe.objects.filter(programme=hopen).order_by("region__code"))
        assert len(enveloppes) == n
        for source, destination in itertools.pairwise(enveloppes):
            actions.redeployer(
                source=source,
                destination=destination,
                montant=1000,
                motif="Test.",
                acting_user=pilote,
                le=dt.date(2021, 5, 1),
            )

    redeployer(2)
    deux, _ = count_queries(xlsx_nationale, hopen, 2021)
    for region in regions[2:]:
        Enveloppe.objects.create(programme=hopen, region=region, montant_publie=1_000_000)
    redeployer(5)
    cinq, contenu = count_queries(xlsx_nationale, hopen, 2021)
    assert deux == cinq <= 3
    assert load_workbook(io.BytesIO(contenu)).active.max_row == 1 + 5 + 1
