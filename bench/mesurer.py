# Long: the measuring harness (Banc), its throughput runner and the list of scenarios read
# top to bottom as the one list of what the bench measures; the report is bench.rapport.
"""Measurements of the benchmark (issue 6) on the data set of ``bench.generer``.

    DATABASE_URL=postgres://hn:hn@127.0.0.1:5432/hn_bench python -m bench.mesurer

Settings ``bench.settings`` (``DEBUG`` off, persistent connections). Per-view figures go through
the Django test client in this process (the whole middleware stack, templates included, no
HTTP), logged in with ``force_login`` as the demo users of API.md: ``ars_valideur`` (ARS 84),
``es_gestionnaire`` (ES A) and ``dgos`` (national). Each scenario: warm-up requests, then
``--requetes`` (50) timed requests, p50/p95/max in ms and the SQL query count of a request
(``connection.execute_wrapper``). ``rows`` is the number of table rows (``<tr>``) the page
renders, or of items in an API page. Dashboards are also compared with the single SQL query
computing their figures (the ratio budget is 2).

Then the throughput of the ARS list through gunicorn on loopback with 10 concurrent clients (wrk
with the session cookie, 20 s after a 5 s warm-up; Python threads with ``requests`` when wrk is
not installed), and ``run_deadlines`` over the whole set, nothing due and with 10% of the
deposited dossiers due (restored afterwards): last, since that pass writes thousands of rows.
The audits' lines (issue 13: the draw of a whole year, the grid, the lists, the consolidated
tables) are ``bench.mesures_audits``; the calls for applications' (issue 14: the ARS list, its
XLSX, the regional and national programmations) ``bench.mesures_candidatures``; the background
export of every dossier (issue 16) ``bench.mesures_exports``; the pilotage dashboards' (issue 16:
national warm and cold, regional) and the published bilan's (national and regional PDF)
``bench.mesures_pilotage``; the GHT dossiers' (issue 15: the page of a 12-member GHT dossier,
its forfaits endpoint) ``bench.mesures_ght``.

Writes ``bench/results/latest.json`` and ``latest.md``, the previous run becoming
``previous.*``. The load average is recorded before each measure, and every p50 that moved by
more than 20 % against the previous run is flagged (``bench.ecarts``); two yardsticks of the
machine (a fixed Python computation, ``SELECT 1`` round trips) come first, to tell a slower
machine from slower code.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO, StringIO
from pathlib import Path

from bench import (
    ecarts,
    mesures_audits,
    mesures_candidatures,
    mesures_exports,
    mesures_ght,
    mesures_pilotage,
)
from bench.budgets import LISTE, PDF, RATIO_TABLEAU, TABLEAU, TACHE_DUS, TACHE_RIEN, centile
from bench.rapport import PAGE_VIDE, RESULTATS, ecrire, precedents
from bench.serveur import executable_gunicorn, serveur_gunicorn

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("BENCH_SETTINGS", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://hn:hn@127.0.0.1:5432/hn_bench")

RACINE = Path(__file__).resolve().parent.parent


ETALON_CPU = "Étalon : calcul Python fixe (somme de 100 000 carrés)"
ETALON_SQL = "Étalon : 100 allers-retours SELECT 1 vers PostgreSQL"

OUTIL_DEBIT = "wrk, 5 s de chauffe puis 20 s mesurées"

# Load average when the bench starts: other processes on the machine skew the figures.
CHARGE_AU_DEBUT = [round(x, 2) for x in os.getloadavg()]


@dataclass
class Resultat:
    name: str
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    queries: int | None
    budget_ms: float | None
    rows: int | None
    n: int = 0
    categorie: str = ""
    utilisateur: str = ""
    url: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)
    # Load average (1, 5, 15 min) just before the measure: the machine is shared.
    charge_avant: list | None = None

    @property
    def dans_budget(self) -> bool | None:
        if self.budget_ms is None or self.p95_ms is None:
            return None
        return self.p95_ms <= self.budget_ms

    @property
    def ratio_ok(self) -> bool | None:
        """The ratio net of the fixed cost of any page (``ratio_net``), when the baseline page
        was measured; else the raw ratio."""
        ratio = self.extra.get("ratio_net", self.extra.get("ratio_sql"))
        return None if ratio is None else ratio <= RATIO_TABLEAU

    @property
    def respecte(self) -> bool | None:
        verdicts = [v for v in (self.dans_budget, self.ratio_ok) if v is not None]
        return all(verdicts) if verdicts else None


def _stats(durees_s):
    ms = [d * 1000 for d in durees_s]
    return (
        round(centile(ms, 50), 1),
        round(centile(ms, 95), 1),
        round(max(ms), 1),
    )


class _Echec(Exception):
    """A scenario that cannot be measured; its message is the French note of the result."""


class Compteur:
    """SQL statements executed, through ``connection.execute_wrapper`` (no debug cursor)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _lignes(response) -> int:
    contenu = response.content
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(contenu)
        if isinstance(data, dict) and "results" in data:
            return len(data["results"])
        return len(data) if isinstance(data, list) else 1
    if response.get("Content-Type", "").startswith("application/pdf"):
        try:
            from pypdf import PdfReader
        except ImportError:
            return None
        return len(PdfReader(BytesIO(contenu)).pages)  # pages of the PDF
    return contenu.count(b"<tr")


class Banc:
    def __init__(self, requetes: int, echauffement: int, sortie=sys.stdout):
        from django.db import connection
        from django.test import Client

        from hn.comptes.models import User

        self.requetes = requetes
        self.echauffement = echauffement
        self.sortie = sortie
        self.resultats: list[Resultat] = []
        # The previous run's results (``latest.json`` until this run writes its own), to flag
        # each p50 moving by more than ``ecarts.SEUIL`` as soon as it is measured.
        self.precedents = precedents()
        self.charge = None  # load average before the measure in progress (``noter_charge``)
        self.connection = connection
        self.clients = {}
        for username in ("ars_valideur", "es_gestionnaire", "dgos"):
            user = User.objects.filter(username=username).first()
            if user is None:
                raise SystemExit(
                    f"Compte de démonstration absent : {username}. Lancez python -m bench.generer."
                )
            client = Client()
            client.force_login(user)
            self.clients[username] = client

    def log(self, message=""):
        print(message, file=self.sortie, flush=True)

    def noter_charge(self):
        """The load average now, as the one before the next measures recorded (``ajouter``)."""
        self.charge = ecarts.charge()
        return self.charge

    def ajouter(self, resultat: Resultat):
        if resultat.charge_avant is None:
            resultat.charge_avant = self.charge
        self.resultats.append(resultat)
        etat = {True: "ok", False: "HORS BUDGET", None: ""}[resultat.respecte]
        if resultat.p95_ms is None:
            self.log(f"  {resultat.name:<58} {resultat.note}")
            return
        ratio = resultat.extra.get("ratio_sql")
        requetes = "-" if resultat.queries is None else resultat.queries
        lignes = "-" if resultat.rows is None else resultat.rows
        ecart = ecarts.ecart(resultat.p50_ms, self.precedents.get(resultat.name, {}).get("p50_ms"))
        charge = resultat.charge_avant
        self.log(
            f"  {resultat.name:<58} p50 {resultat.p50_ms:>8.1f}  p95 {resultat.p95_ms:>8.1f}  "
            f"max {resultat.max_ms:>8.1f} ms  {requetes:>4} req  {lignes:>5} lignes"
            + (f"  ratio SQL {ratio:.1f}" if ratio is not None else "")
            + (f"  charge {charge[0]:.2f}" if charge else "")
            + (f"  p50 {ecarts.en_pourcent(ecart)} ⚠" if ecarts.signale(ecart) else "")
            + f"  {etat}"
        )

    # --- pages and API through the test client ----------------------------------------------

    def page(
        self, nom, username, url, budget, categorie, *, requetes=None, sql=None, echauffement=None,
        attendu=200, avant=None,
    ):  # fmt: skip
        """One scenario; a failure (an error page, an exception) is recorded, not raised.
        ``avant`` runs before each timed request, outside the timing (e.g. emptying a cache);
        ``attendu`` is the expected status."""
        charge = self.noter_charge()
        try:
            resultat = self._mesurer_page(
                nom, username, url, budget, categorie, requetes, sql, echauffement, attendu, avant
            )
        except Exception as exc:
            note = str(exc) if isinstance(exc, _Echec) else f"échec : {type(exc).__name__}: {exc}"
            resultat = Resultat(
                nom, None, None, None, None, budget, None, 0, categorie, username, url,
                note=note[:300],
            )  # fmt: skip
        resultat.charge_avant = charge
        self.ajouter(resultat)
        return resultat

    def _mesurer_page(
        self, nom, username, url, budget, categorie, requetes, sql, echauffement, attendu, avant
    ):
        client = self.clients[username]
        n = requetes or self.requetes
        for _ in range(max(1, self.echauffement if echauffement is None else echauffement)):
            response = client.get(url)
        if response.status_code != attendu:
            note = f"réponse {response.status_code} : mesure impossible"
            if response.status_code == 404:
                note += " (route absente)"
            raise _Echec(note)
        durees, requetes_sql = [], []
        for _ in range(n):
            if avant:
                avant()
            compteur = Compteur()
            with self.connection.execute_wrapper(compteur):
                debut = time.perf_counter()
                response = client.get(url)
                durees.append(time.perf_counter() - debut)
            requetes_sql.append(compteur.n)
            if response.status_code != attendu:
                raise _Echec(f"réponse {response.status_code} pendant la mesure")
        p50, p95, maxi = _stats(durees)
        resultat = Resultat(
            nom, p50, p95, maxi, max(requetes_sql), budget, _lignes(response), n, categorie,
            username, url,
        )  # fmt: skip
        if min(requetes_sql) != max(requetes_sql):
            resultat.note = f"requêtes SQL de {min(requetes_sql)} à {max(requetes_sql)}"
        if sql:
            sql_p50, sql_p95, _ = self.requete_sql(sql, n)
            resultat.extra.update(
                sql_p50_ms=sql_p50,
                sql_p95_ms=sql_p95,
                ratio_sql=round(p50 / sql_p50, 1) if sql_p50 else None,
            )
        return resultat

    def etalons(self, n=50):
        """Two yardsticks of the machine itself, that no application change moves: a fixed
        pure-Python computation and the round trip of ``SELECT 1`` to PostgreSQL. When they move
        with the pages, the machine changed (another host, its neighbours), not the code."""
        self.noter_charge()
        durees = []
        for _ in range(n):
            debut = time.perf_counter()
            sum(i * i for i in range(100_000))
            durees.append(time.perf_counter() - debut)
        self.ajouter(Resultat(ETALON_CPU, *_stats(durees), 0, None, None, n, "étalon"))
        self.noter_charge()
        with self.connection.cursor() as cursor:
            durees = []
            for _ in range(n):
                debut = time.perf_counter()
                for _ in range(100):
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
                durees.append(time.perf_counter() - debut)
        self.ajouter(Resultat(ETALON_SQL, *_stats(durees), 100, None, None, n, "étalon"))

    def requete_sql(self, sql, n):
        """The dashboard's figures computed by one SQL statement, timed as the page is."""
        with self.connection.cursor() as cursor:
            for _ in range(self.echauffement):
                cursor.execute(sql)
                cursor.fetchall()
            durees = []
            for _ in range(n):
                debut = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                durees.append(time.perf_counter() - debut)
        return _stats(durees)

    # --- tasks -----------------------------------------------------------------------------

    def production_pdf_synthese(self, programme, region, annee):
        """The annual synthesis PDF rendered from scratch by the body of the task
        ``enveloppes.synthese_pdf`` (its stored copy deleted first), once."""
        from django.core.files.storage import default_storage

        from enveloppes import documents
        from enveloppes.models import Enveloppe
        from enveloppes.tableaux import synthese

        nom = f"Synthèse annuelle {annee} — PDF, production (tâche, {programme} {region})"
        self.noter_charge()
        try:
            enveloppe = Enveloppe.objects.select_related("programme", "region").get(
                programme__code=programme, region__code=region
            )
            doc = documents.document(synthese(enveloppe, annee))
            default_storage.delete(doc.cle)
            compteur = Compteur()
            with self.connection.execute_wrapper(compteur):
                debut = time.perf_counter()
                cle = documents.produire(enveloppe, annee)
                duree = time.perf_counter() - debut
            taille = default_storage.size(cle)
        except Exception as exc:  # reported with the other figures
            self.ajouter(
                Resultat(
                    nom, None, None, None, None, TACHE_DUS, None, categorie="tâche",
                    note=f"échec : {type(exc).__name__}: {exc}"[:300],
                )
            )  # fmt: skip
            return
        retenus = len(doc.synthese.tableau.retenus)
        self.ajouter(
            Resultat(
                nom, *_stats([duree]), compteur.n, TACHE_DUS, retenus, 1, "tâche",
                note=f"{retenus} établissements, {len(doc.synthese.mouvements)} lignes de "
                f"l'année, PDF de {taille / 1e6:.1f} Mo",
            )
        )  # fmt: skip

    def run_deadlines(self, repetitions: int, part_dus: float):
        # Long: two passes (nothing due, then a share made due and restored), each timed and
        # checked against its budget, kept together so the restore can never be skipped.
        from django.core.management import call_command, get_commands

        from bench.generer import marquer_dus, restaurer_dus

        if "run_deadlines" not in get_commands():
            self.ajouter(
                Resultat(
                    "run_deadlines",
                    None, None, None, None, TACHE_RIEN, None,
                    categorie="tâche",
                    note="commande run_deadlines absente : mesure sautée",
                )
            )  # fmt: skip
            return

        def passage():
            out, err = StringIO(), StringIO()
            compteur = Compteur()
            with self.connection.execute_wrapper(compteur):
                debut = time.perf_counter()
                call_command("run_deadlines", stdout=out, stderr=err)
                duree = time.perf_counter() - debut
            # What the sweep did: its summary lines that do not start with nothing ("0 ...").
            faits = [
                ligne.strip()
                for ligne in out.getvalue().splitlines()
                if ":" in ligne and not ligne.split(":", 1)[1].strip().startswith("0 ")
            ]
            return duree, compteur.n, " ; ".join(faits) or "rien à faire", err.getvalue().strip()

        self.noter_charge()
        try:
            premier = passage()
        except Exception as exc:  # the command is being written: report, do not stop the bench
            self.ajouter(
                Resultat(
                    "run_deadlines",
                    None, None, None, None, TACHE_RIEN, None,
                    categorie="tâche",
                    note=f"échec de run_deadlines : {type(exc).__name__}: {exc}"[:300],
                )
            )  # fmt: skip
            return
        self.ajouter(
            Resultat(
                "run_deadlines — premier passage (rattrapage depuis le passage précédent)",
                *_stats([premier[0]]),
                premier[1],
                None,
                None,
                1,
                "tâche",
                note=premier[2][:500],
            )
        )
        self.noter_charge()
        passages = [passage() for _ in range(repetitions)]
        self.ajouter(
            Resultat(
                "run_deadlines — rien d'échu",
                *_stats([p[0] for p in passages]),
                max(p[1] for p in passages),
                TACHE_RIEN,
                None,
                repetitions,
                "tâche",
                note=passages[-1][2][:500],
            )
        )
        if not part_dus:
            return
        from dossiers.models import Dossier

        durees, requetes, resumes, traites = [], [], [], []
        self.noter_charge()
        for i in range(max(1, repetitions // 3)):
            originaux = marquer_dus(part_dus, graine=int(time.time()) + i)
            try:
                duree, nb, resume, _err = passage()
                traites.append(
                    Dossier.objects.filter(
                        pk__in=[o[0] for o in originaux], etat="refuse_implicite"
                    ).count()
                )
            finally:
                restaurer_dus(originaux)
            durees.append(duree)
            requetes.append(nb)
            resumes.append(resume)
        self.ajouter(
            Resultat(
                f"run_deadlines — {part_dus:.0%} des déposés échus",
                *_stats(durees),
                max(requetes),
                TACHE_DUS,
                traites[-1],
                len(durees),
                "tâche",
                note=f"{len(originaux)} dossiers échus ; {resumes[-1]}"[:500],
            )
        )

    # --- throughput through gunicorn --------------------------------------------------------

    def debit(self, url, username, clients, requetes_par_client, workers, threads=1, duree_s=20):
        """The page under ``clients`` concurrent connections through gunicorn. The load comes
        from wrk (C, one thread, a negligible share of the 2 cores) when it is installed, else
        from Python threads (which take CPU from the server: slower figures)."""
        from django.conf import settings

        self.noter_charge()
        gunicorn = executable_gunicorn()
        if not gunicorn.exists():
            self.ajouter(
                Resultat(
                    "Débit liste ARS", None, None, None, None, LISTE, None,
                    categorie="débit", note="gunicorn absent : mesure sautée",
                )
            )  # fmt: skip
            return
        nom_cookie = settings.SESSION_COOKIE_NAME
        cookie = {nom_cookie: self.clients[username].cookies[nom_cookie].value}
        wrk = shutil.which("wrk")
        with serveur_gunicorn(gunicorn, workers, threads) as base:
            if wrk:
                mesure = _debit_wrk(wrk, base + url, cookie, clients, duree_s)
            else:
                mesure = _debit_threads(base + url, cookie, clients, requetes_par_client)
        n, total, p50, p95, maxi, outil = mesure
        self.ajouter(
            Resultat(
                f"Débit liste ARS — {clients} clients, gunicorn {workers} workers"
                + (f" × {threads} fils" if threads > 1 else ""),
                p50,
                p95,
                maxi,
                None,
                LISTE,
                None,
                n,
                "débit",
                username,
                url,
                note=f"{n / total:.1f} requêtes/s ({outil})",
                extra={"requetes_par_s": round(n / total, 1), "outil": outil},
            )
        )


def _debit_wrk(wrk, url, cookie, clients, duree_s):
    """wrk: ``clients`` keep-alive connections for ``duree_s`` seconds after a 5 s warm-up."""
    env = {**os.environ, "BANC_COOKIE": "; ".join(f"{k}={v}" for k, v in cookie.items())}
    script = Path(__file__).with_name("wrk_centiles.lua")

    def lancer(secondes):
        commande = [wrk, "-t1", f"-c{clients}", f"-d{secondes}s", "--timeout", "30s"]
        commande += ["-s", str(script), url]
        sortie = subprocess.run(commande, env=env, capture_output=True, text=True, check=True)
        ligne = next(lig for lig in sortie.stdout.splitlines() if lig.startswith("BANC "))
        valeurs = dict(champ.split("=") for champ in ligne.split()[1:])
        return {k: int(v) for k, v in valeurs.items()}

    lancer(5)  # every gunicorn worker warm
    r = lancer(duree_s)
    if r["non_2xx"] or r["erreurs"]:
        raise RuntimeError(f"{url} : {r['non_2xx']} réponses non 2xx, {r['erreurs']} erreurs")
    return (
        r["requetes"],
        r["duree_us"] / 1e6,
        r["p50_us"] / 1000,
        r["p95_us"] / 1000,
        r["max_us"] / 1000,
        "wrk",
    )


def _debit_threads(url, cookie, clients, requetes_par_client):
    import requests

    local = threading.local()

    def une(_):
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.cookies.update(cookie)
        debut = time.perf_counter()
        r = local.s.get(url, timeout=30)
        duree = time.perf_counter() - debut
        if r.status_code != 200:
            raise RuntimeError(f"{url} : réponse {r.status_code}")
        return duree

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(une, range(clients * 3)))  # warm every worker
        debut = time.perf_counter()
        durees = list(pool.map(une, range(clients * requetes_par_client)))
        total = time.perf_counter() - debut
    return (len(durees), total, *_stats(durees), "fils Python requests")


# --- the best SQL statement of each dashboard ------------------------------------------------

SQL_TABLEAU_DOSSIERS = """
WITH visibles AS NOT MATERIALIZED (
    SELECT d.id, d.numero, d.nom, d.etat, d.region_id, d.echeance_decision, d.prochain_rapport_le
    FROM dossiers_dossier d
    WHERE {perimetre}
), etats AS (
    SELECT r.nom AS region, v.etat, count(*) AS n
    FROM visibles v JOIN referentiel_region r ON r.id = v.region_id
    GROUP BY r.nom, v.etat
), a_decider AS (
    SELECT numero, nom, echeance_decision FROM visibles WHERE etat = 'depose'
    ORDER BY echeance_decision, id LIMIT 5
), a_financer AS (
    SELECT numero, nom FROM visibles v WHERE etat = 'accepte' AND EXISTS (
        SELECT 1 FROM dossiers_domainedossier dd
        WHERE dd.dossier_id = v.id AND dd.suivi = 'cibles_atteintes')
    ORDER BY id LIMIT 10
), rapports_en_retard AS (
    SELECT numero, nom, prochain_rapport_le FROM visibles v
    WHERE etat = 'accepte' AND prochain_rapport_le < CURRENT_DATE AND EXISTS (
        SELECT 1 FROM dossiers_domainedossier dd
        WHERE dd.dossier_id = v.id AND dd.suivi IN ('selectionne', 'cibles_atteintes'))
    ORDER BY prochain_rapport_le, id LIMIT 10
), demandes AS (
    SELECT count(*) FILTER (WHERE dm.echeance < CURRENT_DATE) AS en_retard, count(*) AS total
    FROM dossiers_demandeinitialisation dm {jointure_demandes}
    WHERE dm.initialisee_le IS NULL AND dm.annulee_le IS NULL AND {perimetre_demandes}
)
SELECT (SELECT json_agg(etats) FROM etats), (SELECT json_agg(a_decider) FROM a_decider),
       (SELECT json_agg(a_financer) FROM a_financer),
       (SELECT json_agg(rapports_en_retard) FROM rapports_en_retard),
       (SELECT row_to_json(demandes) FROM demandes)
"""

# The ARS scope: the dossier's own région (Dossier.region, no join); the requests' through their
# établissement.
JOINTURE_ARS = {
    "jointure_demandes": "JOIN referentiel_etablissement e ON e.id = dm.etablissement_id"
}
SANS_JOINTURE = {"jointure_demandes": ""}

SQL_ENVELOPPES = """
WITH grand_livre AS (
    SELECT enveloppe_id,
        sum(CASE WHEN nature IN ('engagement', 'engagement_complementaire') THEN montant
                 WHEN nature IN ('liberation', 'remboursement_amorcage_recu',
                                 'remboursement_usage_recu') THEN -montant ELSE 0 END) AS engage,
        sum(CASE WHEN nature = 'amorcage_decide' THEN montant
                 WHEN nature IN ('amorcage_annule', 'remboursement_amorcage_recu')
                 THEN -montant ELSE 0 END) AS amorcage,
        sum(CASE WHEN nature IN ('amorcage_verse', 'usage_verse') THEN montant
                 WHEN nature IN ('remboursement_amorcage_recu', 'remboursement_usage_recu')
                 THEN -montant ELSE 0 END) AS consomme,
        sum(CASE WHEN nature = 'redeploiement_entrant' THEN montant
                 WHEN nature = 'redeploiement_sortant' THEN -montant ELSE 0 END) AS redeploye,
        sum(CASE WHEN nature = 'reprise' THEN montant ELSE 0 END) AS repris
    FROM enveloppes_mouvementenveloppe GROUP BY enveloppe_id
)
SELECT p.code, r.code, r.nom, ra.nom, e.montant_publie, e.montant_publie * p.part_amorcage,
       g.engage, g.amorcage, g.consomme,
       e.montant_publie + coalesce(g.redeploye, 0) - coalesce(g.repris, 0)
           - coalesce(g.engage, 0) AS disponible,
       sum(e.montant_publie) OVER (PARTITION BY p.id),
       sum(e.montant_publie * p.part_amorcage) OVER (PARTITION BY p.id)
FROM enveloppes_enveloppe e
JOIN referentiel_programme p ON p.id = e.programme_id
JOIN referentiel_region r ON r.id = e.region_id
LEFT JOIN referentiel_region ra ON ra.id = r.region_actuelle_id
LEFT JOIN grand_livre g ON g.enveloppe_id = e.id
{perimetre}
ORDER BY p.ordre, r.nom
"""


def _vider_cache():
    """The dashboards' cache emptied: what the first display after a change costs."""
    from django.core.cache import cache

    cache.clear()


# Measured requests of the annual synthesis exports (whole documents: seconds each at scale),
# after one warm-up request. No budget in the issue: the PDF budget (1.5 s) is applied to the
# downloads, the task budget (60 s) to the PDF's production in the background.
EXPORTS = 10
EXPORTS_PDF = 20


def _annee_synthese() -> int:
    """The last full year of the generated ledger (the synthesis is at 31/12)."""
    from hn.dates import aujourd_hui

    return aujourd_hui().year - 1


def _scenarios(banc: Banc, vitrines: dict):
    # Long: one line per measured page or call, in the order they run (the bench's table).
    from dossiers.models import Dossier
    from hn.comptes.models import User
    from hn.referentiel.models import Region

    region = Region.objects.actuelles().get(code="84")
    ars = User.objects.get(username="ars_valideur")
    total_ars = Dossier.objects.visibles_par(ars).count()
    total = Dossier.objects.count()
    derniere_ars = (total_ars + 24) // 25
    derniere_api_ars = (total_ars + 49) // 50
    derniere_api = (total + 49) // 50
    perimetre_ars = {
        "perimetre": f"d.region_id = {region.pk}",
        "perimetre_demandes": f"e.region_id = {region.pk}",
    }
    perimetre_env_ars = f"WHERE r.id = {region.pk} OR r.region_actuelle_id = {region.pk}"
    pdf, instruction, es = vitrines.get("pdf"), vitrines.get("instruction"), vitrines.get("es")

    banc.log(f"ARS 84 (ars_valideur) : {total_ars} dossiers visibles")
    A = "ars_valideur"
    banc.page(PAGE_VIDE["ars_valideur"], A, "/nexiste-pas/", LISTE, "vide", attendu=404)
    sql_ars = SQL_TABLEAU_DOSSIERS.format(**perimetre_ars, **JOINTURE_ARS)
    banc.page("Tableau de bord ARS", A, "/dossiers/tableau-de-bord/", TABLEAU, "tableau",
              sql=sql_ars)  # fmt: skip
    banc.page("Tableau de bord ARS — cache vide (premier affichage après un changement)", A,
              "/dossiers/tableau-de-bord/", TABLEAU, "tableau", avant=_vider_cache)  # fmt: skip
    banc.page("Liste ARS — 1re page (avec le tableau de bord)", A, "/dossiers/", LISTE, "liste")
    banc.page(f"Liste ARS — page profonde ({derniere_ars})", A,
              f"/dossiers/?page={derniere_ars}", LISTE, "liste")  # fmt: skip
    banc.page("Liste ARS — filtrée (HOPEN, déposés)", A,
              "/dossiers/?programme=HOPEN&etat=depose", LISTE, "liste")  # fmt: skip
    banc.page("Liste ARS — triée par échéance", A, "/dossiers/?tri=echeance", LISTE, "liste")
    banc.page("Liste ARS — recherche « Lyon »", A, "/dossiers/?q=Lyon", LISTE, "liste")
    banc.page("Accueil ARS", A, "/", LISTE, "page")
    if instruction:
        banc.page("Instruction (dossier déposé)", A, f"/dossiers/{instruction}/instruction/",
                  LISTE, "page")  # fmt: skip
    if pdf:
        banc.page("Instruction (dossier accepté, 7 domaines)", A,
                  f"/dossiers/{pdf}/instruction/", LISTE, "page")  # fmt: skip
        for slug in ("engagements", "prerequis-P1", "projet", "domaine-D2", "couts"):
            banc.page(f"Page du dossier « {slug} » (ARS, dépôt)", A,
                      f"/dossiers/{pdf}/pages/{slug}/", LISTE, "page")  # fmt: skip
        banc.page("Historique du dossier (ARS)", A, f"/dossiers/{pdf}/historique/", LISTE, "page")
    banc.page("Établissements (ARS)", A, "/etablissements/", LISTE, "liste")
    banc.page("Enveloppes (ARS)", A, "/enveloppes/", TABLEAU, "tableau",
              sql=SQL_ENVELOPPES.format(perimetre=perimetre_env_ars))  # fmt: skip
    banc.page("API dossiers (ARS) — 1re page", A, "/api/v1/dossiers/", LISTE, "api")
    banc.page(f"API dossiers (ARS) — page {derniere_api_ars}", A,
              f"/api/v1/dossiers/?page={derniere_api_ars}", LISTE, "api")  # fmt: skip
    banc.page("API dossiers (ARS) — filtre état", A, "/api/v1/dossiers/?etat=depose", LISTE, "api")
    banc.page("API demandes (ARS)", A, "/api/v1/demandes/", LISTE, "api")
    banc.page("API établissements (ARS)", A, "/api/v1/etablissements/", LISTE, "api")
    if pdf:
        banc.page("API dossier — détail (ARS)", A, f"/api/v1/dossiers/{pdf}/", LISTE, "api")
        banc.page("API dossier — historique (ARS)", A, f"/api/v1/dossiers/{pdf}/historique/",
                  LISTE, "api")  # fmt: skip
    banc.page("API enveloppes (ARS)", A, "/api/v1/enveloppes/?programme=HOPEN&region=84",
              LISTE, "api")  # fmt: skip
    # Money and follow-up: one envelope, its annual synthesis and exports, a dossier's follow-up.
    annee = _annee_synthese()
    synthese = f"/enveloppes/HOPEN/84/synthese/{annee}/"
    banc.page("Enveloppe HOPEN 84 (ARS)", A, "/enveloppes/HOPEN/84/", TABLEAU, "tableau")
    banc.page(f"Synthèse annuelle {annee} HOPEN 84 (ARS)", A, synthese, TABLEAU, "tableau")
    banc.page(f"Synthèse annuelle {annee} — XLSX (ARS)", A, synthese + "xlsx/", PDF,
              "export", requetes=EXPORTS, echauffement=1)  # fmt: skip
    banc.production_pdf_synthese("HOPEN", "84", annee)
    banc.page(f"Synthèse annuelle {annee} — PDF produit, téléchargement (ARS)", A,
              synthese + "pdf/", PDF, "pdf", requetes=EXPORTS_PDF, echauffement=1)  # fmt: skip
    if pdf:
        banc.page("Suivi du dossier accepté (ARS)", A, f"/dossiers/{pdf}/suivi/", LISTE, "page")
        banc.page("API suivi du dossier (ARS)", A, f"/api/v1/dossiers/{pdf}/suivi/", LISTE, "api")

    E = "es_gestionnaire"
    banc.page("Accueil ES", E, "/", LISTE, "page")
    banc.page("Liste ES", E, "/dossiers/", LISTE, "liste")
    if es:
        for slug in ("engagements", "prerequis-P1", "projet", "domaine-D2", "couts"):
            banc.page(f"Page du dossier « {slug} » (ES, saisie)", E,
                      f"/dossiers/{es}/pages/{slug}/", LISTE, "page")  # fmt: skip

    N = "dgos"
    national = SQL_TABLEAU_DOSSIERS.format(
        perimetre="TRUE", perimetre_demandes="TRUE", **SANS_JOINTURE
    )
    banc.page(PAGE_VIDE["dgos"], N, "/nexiste-pas/", LISTE, "vide", attendu=404)
    banc.page("Tableau de bord national", N, "/dossiers/tableau-de-bord/", TABLEAU, "tableau",
              sql=national)  # fmt: skip
    banc.page("Tableau de bord national — cache vide (premier affichage après un changement)", N,
              "/dossiers/tableau-de-bord/", TABLEAU, "tableau", avant=_vider_cache)  # fmt: skip
    banc.page("Liste nationale — 1re page (avec le tableau de bord)", N, "/dossiers/", LISTE,
              "liste")  # fmt: skip
    banc.page("Accueil national", N, "/", LISTE, "page")
    banc.page("Enveloppes (national)", N, "/enveloppes/", TABLEAU, "tableau",
              sql=SQL_ENVELOPPES.format(perimetre=""))  # fmt: skip
    banc.page("Établissements (national)", N, "/etablissements/", LISTE, "liste")
    banc.page("API dossiers (national) — 1re page", N, "/api/v1/dossiers/", LISTE, "api")
    banc.page(f"API dossiers (national) — page {derniere_api}", N,
              f"/api/v1/dossiers/?page={derniere_api}", LISTE, "api")  # fmt: skip
    banc.page("API établissements (national)", N, "/api/v1/etablissements/", LISTE, "api")
    banc.page("API programmes", N, "/api/v1/programmes/", LISTE, "api")
    banc.page("API domaines HOPEN", N, "/api/v1/programmes/HOPEN/domaines/", LISTE, "api")
    banc.page("API forfait", N,
              "/api/v1/programmes/HOPEN/forfait/?domaine=D2&activite_combinee=15000",
              LISTE, "api")  # fmt: skip
    banc.page("API enveloppes (national)", N, "/api/v1/enveloppes/?programme=HOPEN", LISTE, "api")
    banc.page("API enveloppes (national, tous programmes)", N, "/api/v1/enveloppes/", LISTE,
              "api")  # fmt: skip
    banc.page(f"Synthèses annuelles {annee} (national)", N, f"/enveloppes/syntheses/?annee={annee}",
              TABLEAU, "tableau")  # fmt: skip
    if pdf:
        banc.page("PDF du dossier complet (API, ARS)", A, f"/api/v1/dossiers/{pdf}/pdf/", PDF,
                  "pdf")  # fmt: skip


# --- output ----------------------------------------------------------------------------------


def _contexte(marqueur, args) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "mesure_le": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cœurs, Python {platform.python_version()}, "
        f"PostgreSQL {version} sur le même hôte",
        "charge_au_debut": CHARGE_AU_DEBUT,
        "charge_a_la_fin": [round(x, 2) for x in os.getloadavg()],
        "methode": (
            f"Pages et API : client de test Django dans le processus (pile WSGI et middlewares, "
            f"sans HTTP), {args.echauffement} requêtes de chauffe puis {args.requetes} mesurées ; "
            f"débit : gunicorn sur 127.0.0.1 et {args.clients} connexions concurrentes "
            f"({OUTIL_DEBIT if shutil.which('wrk') else 'fils Python requests'})."
        ),
        "jeu": {
            "genere_le": marqueur["genere_le"],
            "duree_s": marqueur.get("duree_totale_s", marqueur["duree_s"]),
            "tailles": marqueur["tailles"],
        },
    }


def _mesures_des_apps(banc, filtre: str | None, vitrines: dict) -> None:
    """The measures each app's issue added: audits (13), calls (14), GHT dossiers (15),
    pilotage and background exports (16)."""
    mesures_ght.scenarios(banc, vitrines)
    mesures_audits.scenarios(banc)
    mesures_candidatures.scenarios(banc)
    if not filtre or filtre in mesures_exports.NOM:
        mesures_exports.scenarios(banc)
    mesures_pilotage.scenarios(banc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mesurer", description=__doc__)
    parser.add_argument("--requetes", type=int, default=50)
    parser.add_argument("--echauffement", type=int, default=5)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requetes-par-client", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1, help="fils par worker gunicorn")
    parser.add_argument("--passages", type=int, default=3, help="passages de run_deadlines")
    parser.add_argument("--dus", type=float, default=0.10)
    parser.add_argument("--sans-debit", action="store_true")
    parser.add_argument("--sans-taches", action="store_true")
    parser.add_argument("--filtre", default="", help="ne mesure que les pages dont le nom contient")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command

    from bench.generer import lire_marqueur, rafraichir_echeances, tailles_du_jeu

    call_command("migrate", verbosity=0, interactive=False)
    marqueur = lire_marqueur()
    if marqueur is None:
        print("Aucun jeu de données : lancez d'abord python -m bench.generer.", file=sys.stderr)
        return 2
    n = rafraichir_echeances()
    if n:
        print(f"{n} dossiers déposés échus depuis la génération ont été redatés.")
    banc = Banc(args.requetes, args.echauffement)
    debut = time.perf_counter()
    if args.filtre:
        page = banc.page
        banc.page = lambda nom, *a, **kw: page(nom, *a, **kw) if args.filtre in nom else None
    banc.log("Étalons de la machine :")
    banc.etalons()
    banc.log(f"Pages et API ({args.requetes} requêtes chacune) :")
    _scenarios(banc, marqueur.get("vitrines", {}))
    _mesures_des_apps(banc, args.filtre, marqueur.get("vitrines", {}))
    # Throughput before the tasks: the 10 % due pass writes thousands of rows, whose
    # checkpoint and autovacuum would run during the load.
    if not args.sans_debit:
        banc.log("Débit :")
        try:
            banc.debit("/dossiers/", "ars_valideur", args.clients, args.requetes_par_client,
                       args.workers, args.threads)  # fmt: skip
        except Exception as exc:  # report it with the other figures
            banc.ajouter(
                Resultat(
                    "Débit liste ARS", None, None, None, None, LISTE, None, categorie="débit",
                    note=f"échec : {type(exc).__name__}: {exc}"[:300],
                )
            )  # fmt: skip
    if not args.sans_taches:
        banc.log("Tâches :")
        try:
            banc.run_deadlines(args.passages, args.dus)
        except Exception as exc:  # report it with the other figures
            banc.ajouter(
                Resultat(
                    "run_deadlines", None, None, None, None, TACHE_RIEN, None, categorie="tâche",
                    note=f"échec : {type(exc).__name__}: {exc}"[:300],
                )
            )  # fmt: skip
    datasets = tailles_du_jeu()
    trouves = ecrire(banc, datasets, _contexte(marqueur, args), ratio_tableau=RATIO_TABLEAU)
    rates = [r.name for r in banc.resultats if r.respecte is False]
    banc.log(f"Durée des mesures : {time.perf_counter() - debut:.0f} s")
    banc.log(f"Hors budget ({len(rates)}) : " + ("; ".join(rates) if rates else "aucun"))
    if banc.precedents:
        for ligne in ecarts.resume(trouves):
            banc.log(ligne)
    else:
        banc.log("Pas d'exécution précédente : aucun écart de p50 à signaler.")
    banc.log(f"Résultats : {RESULTATS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
