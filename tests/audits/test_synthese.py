"""The consolidated tables of the audits (SPEC §8, API.md "Audits"): per région and year (page,
PDF, XLSX, API) with the figures recomputed here from the draw, the audits and the ledger; the
ARS valideur's dated transmissions; the national page with every région side by side and the
closures for false declaration; query counts independent of the number of audits and régions."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.models import Audit, Designation, Tirage, TransmissionSynthese
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.dates import PARIS
from hn.formats import euros
from tests import dossiers_factories as d
from tests import factories as f
from tests.audits import aides as au
from tests.audits.aides import contradictoire, transition
from tests.indicateurs import aides as a
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PAGE = "/audits/synthese/HOPEN/2022/84/"
NATIONALE = "/audits/synthese/HOPEN/2022/"
API = f"{au.API}synthese/?programme=HOPEN&annee=2022"


def clos_pour_fausse_declaration(client, monde):
    contradictoire(client, monde)
    r = transition(
        client,
        monde,
        "decider",
        {"decision": "cloturer", "commentaire": "Déclarations fausses."},
        monde["valideur"],
    )
    assert r.status_code == 200, r.json()


def du_recalcule(dossier) -> int:
    """The repayment due, summed here line by line from the ledger."""
    lignes = MouvementEnveloppe.objects.filter(dossier=dossier)
    dues = (Nature.REMBOURSEMENT_AMORCAGE_DU, Nature.REMBOURSEMENT_USAGE_DU)
    return int(sum((m.montant for m in lignes if m.nature in dues), Decimal(0)))


def test_the_region_table_recomputed(client, monde):
    clos_pour_fausse_declaration(client, monde)
    dossier = monde["dossier"]
    du = du_recalcule(dossier)
    assert du == 50_000  # the paid amorçage of D2
    tirage = Tirage.objects.get(region__code="84", annee=2022)
    data = au.lire(client, f"{API}&region=84", monde["valideur"]).json()
    assert data["population"] == len(tirage.population) == 1
    assert data["echantillon"] == len(tirage.tires) == 1
    assert (data["termines"], data["non_conformes"], data["a_rembourser"]) == (1, 1, du)
    assert data["transmise_le"] is None
    [ligne] = data["audits"]
    assert ligne["dossier"] == dossier.numero
    assert ligne["auditeurs"] == ["auditrice"]
    assert (ligne["conclusion"], ligne["decision"], ligne["a_rembourser"]) == (
        "non_conforme",
        "cloturer",
        du,
    )
    assert ligne["conclu_le"] == "2023-01-31"
    # The ARS without ``region``: its own région.
    assert au.lire(client, API, monde["valideur"]).json() == data
    page = au.lire(client, PAGE, monde["valideur"]).content.decode()
    assert dossier.numero in page and euros(du) in page and "Dossier clos pour fausse" in page


def test_the_xlsx_and_the_pdf_of_the_region(client, monde):
    clos_pour_fausse_declaration(client, monde)
    r = au.lire(client, f"{PAGE}?format=xlsx", monde["valideur"])
    assert r.status_code == 200
    feuille = load_workbook(io.BytesIO(r.content)).active
    entetes, ligne = list(feuille.iter_rows(values_only=True))
    assert entetes[1] == "Dossier" and entetes[-1] == "À rembourser (€)"
    assert (ligne[1], ligne[8], ligne[-1]) == (monde["dossier"].numero, "Non conforme", 50_000)
    api = au.lire(client, f"{API}&region=84&format=xlsx", monde["valideur"])
    assert api.status_code == 200
    assert list(load_workbook(io.BytesIO(api.content)).active.iter_rows(values_only=True))[1] == (
        ligne
    )
    pdf = au.lire(client, f"{PAGE}pdf/", monde["valideur"])
    assert pdf["Content-Type"] == "application/pdf"
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Tableau consolidé des audits HOPEN 2022" in texte
    assert monde["dossier"].numero in texte


def test_the_cmsi_transmits_the_table_dated_each_time(client, monde):
    valideur = monde["valideur"]
    client.force_login(valideur)
    with a.le(2023, 2, 1, 9):
        assert client.post(f"{PAGE}transmettre/").status_code == 302
    with a.le(2023, 3, 15, 16):
        assert client.post(f"{PAGE}transmettre/").status_code == 302
    dates = [
        timezone.localtime(t.transmise_le, PARIS)
        for t in TransmissionSynthese.objects.order_by("transmise_le")
    ]
    assert [(x.date(), x.hour) for x in dates] == [
        (dt.date(2023, 2, 1), 9),
        (dt.date(2023, 3, 15), 16),
    ]
    assert all(t.par == valideur for t in TransmissionSynthese.objects.all())
    assert "le 15/03/2023 à 16:00" in client.get(PAGE).content.decode()
    regions = au.lire(client, API, f.pilote_national()).json()["regions"]
    [r84] = [r for r in regions if r["region"] == "84"]
    assert r84["transmise_le"].startswith("2023-03-15")


def test_only_the_cmsi_transmits_and_only_a_drawn_year(client, monde):
    for qui in (f.ars_lecteur("84"), monde["auditrice"], f.pilote_national()):
        assert au.lire(client, PAGE, qui).status_code == 200
        assert client.post(f"{PAGE}transmettre/").status_code == 403
    client.force_login(monde["valideur"])
    r = client.post("/audits/synthese/HOPEN/2021/84/transmettre/", follow=True)
    assert "Aucun tirage HOPEN 2021" in r.content.decode()
    assert not TransmissionSynthese.objects.exists()


def test_who_reads_the_tables(client, monde):
    assert au.lire(client, PAGE, monde["gestionnaire"]).status_code == 403
    assert au.lire(client, "/audits/synthese/HOPEN/2022/11/", monde["valideur"]).status_code == 404
    assert au.lire(client, NATIONALE, monde["valideur"]).status_code == 403
    assert au.lire(client, f"{API}&region=11", monde["valideur"]).status_code == 404
    assert au.lire(client, API, monde["gestionnaire"]).status_code == 403
    assert au.lire(client, "/audits/synthese/HOPEN/1999/84/", monde["valideur"]).status_code == 404
    assert au.lire(client, f"{au.API}synthese/?programme=HOPEN", monde["valideur"]).status_code == (
        400
    )


def test_the_national_rows_and_alerts(client, monde):
    clos_pour_fausse_declaration(client, monde)
    autre = au.accepte((2022, 3, 1), region="11")
    au.audit_de(autre)  # drawn in Île-de-France, not audited yet
    pilote = f.pilote_national()
    data = au.lire(client, API, pilote).json()
    par_region = {r["region"]: r for r in data["regions"]}
    assert (par_region["84"]["tires"], par_region["84"]["termines"]) == (1, 1)
    assert (par_region["84"]["non_conformes"], par_region["84"]["a_rembourser"]) == (1, 50_000)
    assert (par_region["11"]["tires"], par_region["11"]["termines"]) == (1, 0)
    assert sum(r["tires"] for r in data["regions"]) == Audit.objects.count() == 2
    assert [x["dossier"] for x in data["alertes"]] == [monde["dossier"].numero]
    page = au.lire(client, NATIONALE, pilote).content.decode()
    assert "1 dossier clos pour fausse déclaration" in page
    classeur = load_workbook(io.BytesIO(au.lire(client, f"{NATIONALE}?format=xlsx").content))
    lignes = list(classeur.active.iter_rows(values_only=True))[1:]
    assert {x[1]: (x[2], x[3], x[4], x[6]) for x in lignes if x[2]} == {
        "84": (1, 1, 1, 50_000),
        "11": (1, 0, 0, 0),
    }


def ajouter_audits(n, region="84"):
    """``n`` audits more in the région's 2022 draw (created there if needed), each with an
    auditor, one closed for false declaration."""
    valideur = f.ars_valideur(region)
    tirage, _ = Tirage.objects.get_or_create(
        programme=d.programme(),
        region=f.region(region),
        annee=2022,
        defaults={
            "graine": 1,
            "population": [],
            "tires": [],
            "tire_le": timezone.now(),
            "tire_par": valideur,
        },
    )
    auditeur = f.ars_auditeur(region)
    for i in range(n):
        dossier = d.en_saisie(a.etablissement(region), valideur=valideur)
        audit = Audit.objects.create(
            tirage=tirage,
            dossier=dossier,
            rang=100 + i,
            etat="termine",
            conclusion="non_conforme",
            decision="cloturer" if i == 0 else "",
        )
        Designation.objects.create(audit=audit, auditeur=auditeur, designe_par=valideur)


def test_query_counts_do_not_grow_with_the_audits_or_the_regions(client, monde):
    valideur, pilote = monde["valideur"], f.pilote_national()

    def compter():
        client.force_login(valideur)
        region = [count_queries(client.get, u)[0] for u in (PAGE, f"{PAGE}?format=xlsx", API)]
        client.force_login(pilote)
        national = [count_queries(client.get, u)[0] for u in (NATIONALE, API)]
        return region, national

    ajouter_audits(1)
    ajouter_audits(1, region="11")
    avant = compter()
    ajouter_audits(4)
    for region in ("11", "53", "75"):
        ajouter_audits(2, region=region)
    assert Audit.objects.filter(tirage__region__code="84").count() == 6
    assert compter() == avant
