"""The annual synthesis [SPEC §5; 000 A4 §1, 003 A4 §3]: the envelope at 31/12 and the
year's movements, by établissement, statut and activité, the retained établissements and their
domaines, the CMSI's comment per dossier (edited by the ARS valideur, traced); its XLSX and PDF;
the national index; and the figures of the page, the API, the PDF and the XLSX agreeing to the
euro with a recomputation from the ledger by the pure rules."""

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from enveloppes import regles
from enveloppes.models import CommentaireSynthese
from enveloppes.tableaux import LIGNES_SITUATION, euros_entiers
from hn.journal.models import Evenement
from tests import factories as f
from tests.enveloppes import donnees as x
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

NB = "\u00a0"
URL = "/enveloppes/HOPEN/84/synthese/{annee}/"
LIBELLES = dict(LIGNES_SITUATION)


@pytest.fixture
def scenario():
    return x.scenario_hopen_84()


def fin(annee: int) -> dt.date:
    return dt.date(annee, 12, 31)


def recalcul(annee: int) -> tuple[regles.Situation, dict]:
    """The situation at 31/12 and the change over the year, recomputed from the ledger lines
    with the pure rules (not with the SQL aggregation the pages use)."""
    env = x.enveloppe()
    au = x.recalcul(env, fin(annee))
    avant = x.recalcul(env, fin(annee - 1))
    return au, {attr: getattr(au, attr) - getattr(avant, attr) for attr, _ in LIGNES_SITUATION}


def montant(texte: str) -> D:
    return D(re.sub(r"[\s\u00a0\u202f€]", "", texte).replace(",", "."))


def poster(client, user, annee, **data):
    client.force_login(user)
    return client.post(URL.format(annee=annee) + "commentaire/", data)


# --- the figures -------------------------------------------------------------------------------


def test_the_synthesis_gives_the_situation_at_31_12_and_the_years_movements(client, scenario):
    client.force_login(f.lecteur_national())
    html = client.get(URL.format(annee=2021)).content.decode()
    au, variation = recalcul(2021)
    for attr, _ in LIGNES_SITUATION:
        ligne = re.search(rf'<tr id="synthese-{attr}">(.*?)</tr>', html, re.S).group(1)
        cellules = [montant(c) for c in re.findall(r'hn-montant">([^<]*)<', ligne)]
        assert cellules == [getattr(au, attr), variation[attr]], attr
    # 2021 in words: ES B's D2 engaged (269 355) then released (239 355), amorçage 30 000
    # decided and paid; ES A's usage 12 345,67 paid; nothing repaid yet.
    assert (au.engage_amorcage, variation["engage_amorcage"]) == (D("80000.50"), D(30_000))
    assert (au.consomme_usage, variation["consomme_usage"]) == (D("12345.67"), D("12345.67"))
    assert (au.remboursement_du, au.repris) == (D(30_000), D(0))
    # A year's movements add up: 2020 + 2021 + 2022 = today.
    total = {attr: sum(recalcul(a)[1][attr] for a in (2020, 2021, 2022)) for attr in variation}
    maintenant = x.recalcul(x.enveloppe())
    assert all(
        total[a] == getattr(maintenant, a) - getattr(x.recalcul(x.enveloppe(), fin(2019)), a)
        for a in total
    )


def test_the_synthesis_lists_the_year_lines_and_the_dossiers_retained_by_31_12(client, scenario):
    client.force_login(f.ars_lecteur("84"))
    html = client.get(URL.format(annee=2020)).content.decode()
    # In 2020 only ES A was retained; its 4 lines of 2020 (2 engagements, amorçage decided
    # and paid).
    assert scenario["dossier_a"].numero in html
    assert scenario["dossier_b"].numero not in html
    assert "Lignes du grand livre datées de 2020 (4)" in html
    html = client.get(URL.format(annee=2022)).content.decode()
    assert "Lignes du grand livre datées de 2022 (2)" in html
    assert "Remboursement d&#x27;amorçage reçu" in html
    assert "Reprise des montants remboursés sur l&#x27;enveloppe" in html


def test_only_past_and_current_years_have_a_synthesis(client, scenario):
    client.force_login(f.pilote_national())
    with x.a_midi(dt.date(2023, 1, 10)):
        assert client.get(URL.format(annee=2011)).status_code == 404
        assert client.get(URL.format(annee=2024)).status_code == 404
        courante = client.get(URL.format(annee=2023)).content.decode()
        passee = client.get(URL.format(annee=2022)).content.decode()
    assert "la situation est provisoire" in courante
    assert "la situation est provisoire" not in passee


def test_the_synthesis_runs_a_fixed_number_of_queries(client):
    client.force_login(f.ars_valideur("84"))
    x.retenu(x.etablissement(), selectionnes=("D2",))
    un, response = count_queries(client.get, URL.format(annee=2020))
    assert response.status_code == 200
    for _ in range(3):
        dossier = x.retenu(x.etablissement(mco=False, ssr=True), selectionnes=("D1", "D4"))
        poster(client, x.d.valideur_de(dossier), 2020, dossier=dossier.numero, texte="Suivi.")
    client.force_login(f.ars_valideur("84"))
    plusieurs, response = count_queries(client.get, URL.format(annee=2020))
    assert response.content.decode().count('class="hn-commentaire') == 4
    assert plusieurs == un


# --- the CMSI's comments -------------------------------------------------------------------------


def test_the_cmsi_comments_a_dossier_and_the_change_is_traced(client, scenario):
    valideur, numero = scenario["valideur"], scenario["dossier_a"].numero
    response = poster(client, valideur, 2021, dossier=numero, texte="  Projet en bonne voie.  ")
    assert response.status_code == 302
    assert response.url == f"{URL.format(annee=2021)}#dossier-{numero}"
    html = client.get(response.url).content.decode()
    assert f"Commentaire du dossier {numero} enregistré." in html
    assert "Projet en bonne voie.</textarea>" in html
    assert "1 dossier commenté sur 2." in html
    commentaire = CommentaireSynthese.objects.get()
    assert (commentaire.enveloppe, commentaire.annee, commentaire.auteur) == (
        x.enveloppe(),
        2021,
        valideur,
    )
    trace = Evenement.objects.get(action="enveloppe_commentaire_synthese")
    assert (trace.acteur, trace.objet_id, trace.region, trace.etablissement) == (
        valideur,
        str(scenario["dossier_a"].pk),
        x.enveloppe().region,
        None,
    )
    assert (trace.avant, trace.apres["texte"], trace.apres["annee"]) == (
        {"texte": ""},
        "Projet en bonne voie.",
        2021,
    )
    # Edited, then cleared: one row per (dossier, year), every change traced.
    poster(client, valideur, 2021, dossier=numero, texte="Retard sur le D3.")
    assert CommentaireSynthese.objects.get().texte == "Retard sur le D3."
    response = poster(client, valideur, 2021, dossier=numero, texte="")
    assert "Commentaire du dossier" in client.get(response.url).content.decode()
    assert not CommentaireSynthese.objects.exists()
    assert [
        e.apres["texte"]
        for e in Evenement.objects.filter(action="enveloppe_commentaire_synthese").order_by("pk")
    ] == ["Projet en bonne voie.", "Retard sur le D3.", ""]
    # Each year has its own comment.
    poster(client, valideur, 2020, dossier=numero, texte="Lancement.")
    poster(client, valideur, 2021, dossier=numero, texte="Suite.")
    assert sorted(CommentaireSynthese.objects.values_list("annee", "texte")) == [
        (2020, "Lancement."),
        (2021, "Suite."),
    ]


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        (
            {"texte": "Sans dossier."},
            "Le dossier (non indiqué) ne figure pas dans la synthèse 2020",
        ),
        ({"dossier": "84-00000000-999", "texte": "x"}, "Le dossier 84-00000000-999 ne figure pas"),
        ({"dossier": "B", "texte": "Pas encore retenu."}, "ne figure pas dans la synthèse 2020"),
        (
            {"dossier": "A", "texte": ""},
            "Saisissez le commentaire du CMSI avant de l&#x27;enregistrer.",
        ),
        (
            {"dossier": "A", "texte": "x" * 5001},
            f"Le commentaire ne peut dépasser 5{NB}000 caractères",
        ),
    ],
    ids=["sans dossier", "inconnu", "hors synthese", "vide", "trop long"],
)
def test_refused_comments_change_nothing_and_say_why_in_french(client, scenario, donnees, message):
    numeros = {"A": scenario["dossier_a"].numero, "B": scenario["dossier_b"].numero}
    if "dossier" in donnees:
        donnees = {**donnees, "dossier": numeros.get(donnees["dossier"], donnees["dossier"])}
    response = poster(client, scenario["valideur"], 2020, **donnees)
    assert response.status_code == 302
    assert message in client.get(response.url).content.decode()
    assert not CommentaireSynthese.objects.exists()
    assert not Evenement.objects.filter(action="enveloppe_commentaire_synthese").exists()


def test_only_the_cmsi_of_the_region_comments(client, scenario):
    numero = scenario["dossier_a"].numero
    for user, code in [
        (f.ars_lecteur("84"), 403),
        (f.ars_auditeur("84"), 403),
        (f.pilote_national(), 403),
        (f.ars_valideur("11"), 404),
        (f.es_gestionnaire(scenario["a"]), 404),
    ]:
        response = poster(client, user, 2021, dossier=numero, texte="Intrus.")
        assert response.status_code == code, user
    assert "Seul le valideur (CMSI) de l&#x27;ARS peut commenter la synthèse annuelle." in (
        poster(client, f.ars_lecteur("84"), 2021, dossier=numero, texte="x").content.decode()
    )
    assert not CommentaireSynthese.objects.exists()
    # The readers see the comment, without the form.
    poster(client, scenario["valideur"], 2021, dossier=numero, texte="Vu en revue de projet.")
    client.force_login(f.lecteur_national())
    html = client.get(URL.format(annee=2021)).content.decode()
    assert "Vu en revue de projet." in html
    assert "<textarea" not in html


def test_the_etablissement_never_reads_the_comment_through_the_journal(client, scenario):
    poster(
        client, scenario["valideur"], 2021, dossier=scenario["dossier_a"].numero, texte="Réservé."
    )
    es = f.es_gestionnaire(scenario["a"])
    assert (
        not Evenement.objects.visibles_par(es)
        .filter(action="enveloppe_commentaire_synthese")
        .exists()
    )
    assert (
        Evenement.objects.visibles_par(f.ars_lecteur("84"))
        .filter(action="enveloppe_commentaire_synthese")
        .exists()
    )


# --- exports -------------------------------------------------------------------------------------


def telecharger(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def feuilles(response) -> dict:
    return load_workbook(io.BytesIO(response.content))


def test_the_xlsx_has_one_sheet_per_section_with_numbers_in_euros(client, scenario):
    numero = scenario["dossier_a"].numero
    poster(client, scenario["valideur"], 2021, dossier=numero, texte="Bonne dynamique.")
    response = telecharger(client, f.pilote_national(), URL.format(annee=2021) + "xlsx/")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="synthese-HOPEN-84-2021.xlsx"' in response["Content-Disposition"]
    classeur = feuilles(response)
    assert classeur.sheetnames == x.FEUILLES
    synthese = classeur["Synthèse"]
    lignes = {r[0].value: r for r in synthese.iter_rows() if r[0].value in LIBELLES.values()}
    cellule = lignes["Engagé — amorçage"][1]
    assert isinstance(cellule.value, int | float)
    assert "€" in cellule.number_format
    statuts = {r[0]: r[1:] for r in classeur["Par statut"].iter_rows(min_row=2, values_only=True)}
    assert set(statuts) == {"Public", "Privé à but lucratif", "Total"}
    assert statuts["Total"][2] == pytest.approx(float(x.recalcul(x.enveloppe(), fin(2021)).engage))
    retenus = list(classeur["Retenus"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3]) for r in retenus] == [
        (numero, "D2"),
        (numero, "D3"),
        (scenario["dossier_b"].numero, "D2"),
    ]
    assert retenus[0][6] == dt.datetime(2022, 6, 30)  # date cible, a date cell
    commentaires = list(classeur["Commentaires CMSI"].iter_rows(min_row=2, values_only=True))
    assert commentaires[0][:4] == (numero, scenario["a"].finess, "CH Alpha", "Bonne dynamique.")
    assert commentaires[1][3] is None  # no comment: an empty cell
    mouvements = list(classeur["Mouvements de l'année"].iter_rows(min_row=2, values_only=True))
    assert len(mouvements) == 7
    assert {m[0].year for m in mouvements} == {2021}


def test_the_pdf_is_the_synthesis_with_the_comments(client, scenario):
    numero = scenario["dossier_a"].numero
    poster(client, scenario["valideur"], 2021, dossier=numero, texte="Revue semestrielle tenue.")
    response = telecharger(client, f.ars_lecteur("84"), URL.format(annee=2021) + "pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="synthese-HOPEN-84-2021.pdf"' in response["Content-Disposition"]
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Synthèse annuelle 2021" in texte
    assert "Enveloppe HOPEN — Auvergne-Rhône-Alpes (84)" in texte
    assert "Revue semestrielle tenue." in texte
    assert "CH Alpha" in texte and "Clinique Bêta" in texte
    assert "Par statut juridique" in texte and "Par activité" in texte


def test_the_national_level_sees_every_regions_synthesis(client, scenario):
    poster(client, scenario["valideur"], 2021, dossier=scenario["dossier_a"].numero, texte="Ok.")
    client.force_login(f.lecteur_national())
    html = client.get("/enveloppes/syntheses/?annee=2021").content.decode()
    assert "<h1>Synthèses annuelles 2021</h1>" in html
    assert html.count('href="/enveloppes/') >= 44 * 3
    ligne = re.search(r'href="/enveloppes/HOPEN/84/synthese/2021/".*?</tr>', html, re.S).group(0)
    assert re.findall(r'hn-montant">(\d+)<', ligne) == ["2", "1"]
    assert 'href="/enveloppes/HOPEN/84/synthese/2021/pdf/"' in ligne
    assert 'href="/enveloppes/HOPEN/84/synthese/2021/xlsx/"' in ligne
    assert 'href="/enveloppes/HN/93/synthese/2021/xlsx/"' in html
    # The national level downloads another région's synthesis.
    telecharger(client, f.lecteur_national(), "/enveloppes/HN/93/synthese/2021/xlsx/")
    # An ARS: its own envelopes only (HN Auvergne, Rhône-Alpes; HOP'EN 84).
    client.force_login(f.ars_lecteur("84"))
    html = client.get("/enveloppes/syntheses/?annee=2021").content.decode()
    assert sorted(set(re.findall(r'href="/enveloppes/(\w+/\d+)/synthese/2021/"', html))) == [
        "HN/82",
        "HN/83",
        "HOPEN/84",
    ]


def test_the_index_of_syntheses_is_refused_to_the_etablissements(client):
    client.force_login(f.es_gestionnaire())
    response = client.get("/enveloppes/syntheses/")
    assert response.status_code == 403
    assert (
        "Les enveloppes sont réservées aux ARS et au niveau national." in response.content.decode()
    )


# --- the figures agree everywhere -------------------------------------------------------------


def test_page_api_pdf_and_xlsx_agree_to_the_euro_with_the_ledger(client, scenario):
    """Every amount of the 2021 synthesis, as read by a person (HTML, PDF), a spreadsheet
    (XLSX) and a program (API), against the pure rules applied to the ledger lines."""
    poster(client, scenario["valideur"], 2021, dossier=scenario["dossier_a"].numero, texte="Ok.")
    user = f.pilote_national()
    attendu, variation = recalcul(2021)
    url = URL.format(annee=2021)
    html = telecharger(client, user, url).content.decode()
    classeur = feuilles(telecharger(client, user, url + "xlsx/"))
    pdf = PdfReader(io.BytesIO(telecharger(client, user, url + "pdf/").content))
    texte_pdf = re.sub(r"[\u00a0\u202f]", " ", " ".join(p.extract_text() for p in pdf.pages))
    api = telecharger(client, user, "/api/v1" + url).json()
    ligne_api = telecharger(client, user, "/api/v1/enveloppes/?programme=HOPEN&region=84").json()
    xlsx = {
        r[0].value: (r[1].value, r[2].value)
        for r in classeur["Synthèse"].iter_rows()
        if r[0].value in LIBELLES.values()
    }
    for attr, libelle in LIGNES_SITUATION:
        exact, annee = getattr(attendu, attr), variation[attr]
        # HTML: to the cent.
        ligne = re.search(rf'<tr id="synthese-{attr}">(.*?)</tr>', html, re.S).group(1)
        assert [montant(c) for c in re.findall(r'hn-montant">([^<]*)<', ligne)] == [exact, annee]
        # XLSX: numbers, to the cent.
        assert [D(str(v)).quantize(D("0.01")) for v in xlsx[libelle]] == [exact, annee], attr
        # PDF: the printed row.
        trouve = re.search(
            re.escape(libelle) + r"\s+(-?[\d ]+,\d\d) €\s+(-?[\d ]+,\d\d) €", texte_pdf
        )
        assert trouve, libelle
        assert [montant(trouve.group(1)), montant(trouve.group(2))] == [exact, annee], attr
        # API: whole euros, half up.
        assert api["situation"][attr] == euros_entiers(exact), attr
        assert api["mouvements_annee"][attr] == euros_entiers(annee), attr
    # API.md's row (today's figures) against the ledger of today.
    maintenant = x.recalcul(x.enveloppe())
    assert ligne_api == [
        {
            "programme": "HOPEN",
            "region": "84",
            "total": 49_777_000,
            "plafond_amorcage": euros_entiers(maintenant.plafond_amorcage),
            "engage_amorcage": euros_entiers(maintenant.engage_amorcage),
            "engage_usage": euros_entiers(maintenant.engage_usage),
            "consomme_amorcage": euros_entiers(maintenant.consomme_amorcage),
            "consomme_usage": euros_entiers(maintenant.consomme_usage),
            "disponible": euros_entiers(maintenant.disponible),
        }
    ]
    # Breakdowns: by établissement in the four outputs.
    par_etab = regles.par_etablissement(
        [m for m in x.env_mouvements(x.enveloppe()) if m.date <= fin(2021)]
    )
    feuille = {
        r[0]: r[3:] for r in classeur["Par établissement"].iter_rows(min_row=2, values_only=True)
    }
    api_etab = {e["finess"]: e for e in api["par_etablissement"]}
    for etab in (scenario["a"], scenario["b"]):
        c = par_etab[etab.pk]
        attendus = [
            c.engage_amorcage,
            c.engage_usage,
            c.engage,
            c.consomme_amorcage,
            c.consomme_usage,
            c.consomme,
        ]
        assert [D(str(v)).quantize(D("0.01")) for v in feuille[etab.finess]] == attendus
        assert [
            api_etab[etab.finess][k] for k in ("engage_amorcage", "engage_usage", "engage")
        ] == [euros_entiers(v) for v in attendus[:3]]
        ligne_html = re.search(
            rf"{re.escape(etab.raison_sociale)}<br><span class=\"fr-text--xs\">FINESS "
            rf"{etab.finess}.*?</tr>",
            html,
            re.S,
        ).group(0)
        assert [montant(m) for m in re.findall(r'hn-montant">([^<]*)<', ligne_html)] == attendus
        assert (
            f"{etab.raison_sociale} ({etab.finess}) "
            + " ".join(regles.euros(v).replace(NB, " ") for v in attendus)
        ) in texte_pdf


def test_the_page_shows_etablissements_by_pages_and_the_exports_hold_them_all(
    client, scenario, monkeypatch
):
    from enveloppes import views

    monkeypatch.setattr(views, "ETABLISSEMENTS_PAR_PAGE", 1)
    user = scenario["valideur"]
    url = URL.format(annee=2021)
    pages = [telecharger(client, user, f"{url}?page={n}").content.decode() for n in (1, 2)]
    numeros = (scenario["dossier_a"].numero, scenario["dossier_b"].numero)
    for html, present, absent in ((pages[0], *numeros), (pages[1], *reversed(numeros))):
        assert f'id="dossier-{present}"' in html and f'id="dossier-{absent}"' not in html
        mouvements = re.search(r'<section[^>]*id="mouvements".*?</section>', html, re.S).group(0)
        assert present in mouvements and absent not in mouvements
    assert "Page 2 / 2" in pages[1]
    # A comment posted from page 2 comes back to page 2.
    response = poster(
        client, user, 2021, dossier=scenario["dossier_b"].numero, texte="Suivi.", page="2"
    )
    assert response["Location"] == f"{url}?page=2#dossier-{scenario['dossier_b'].numero}"
    # The exports are whole.
    classeur = feuilles(telecharger(client, user, url + "xlsx/"))
    etablissements = [
        r[0] for r in classeur["Par établissement"].iter_rows(min_row=2, values_only=True)
    ]
    assert len([e for e in etablissements if e]) >= 2
