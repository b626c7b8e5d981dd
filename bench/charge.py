"""Load test (issue 17, item 10): concurrent users of the three kinds, through gunicorn, on the
bench's data set (``bench.generer``), with each page's p95 against the bench's budgets.

    DATABASE_URL=postgres://hn:hn@127.0.0.1:5432/hn_bench python -m bench.charge

Production-like server: gunicorn (``--workers`` × ``--threads``) on a free loopback port,
settings ``bench.settings`` (``DEBUG`` off, persistent connections, static files served by
whitenoise), ``MFA_OBLIGATOIRE=false`` (the simulated agents have no second factor: the load
measures the pages, not the enrolment). Each simulated user is a thread with its own HTTP
session (``requests``): it opens the login page (and its style sheet), posts its username and
password with the CSRF token, walks its journey once without pause (warm-up, one row of the
report), then, once every user is there, walks it in a loop
for ``--duree`` seconds (``CHARGE_DUREE``, 120 by default), pausing ``--pause`` seconds (drawn
uniformly) between two requests, like a person reading:

- ES gestionnaires: home, dossier list, the pages of a dossier being filled in (one of its
  started domaines' among them) and a save through ``PATCH /api/v1/dossiers/<numero>/`` (on
  the session, with the CSRF header);
- ARS valideurs (CMSI): home, dossier list, deposited dossiers, the instruction of one of them
  and its project page, the région's HOP'EN envelope, the dashboard;
- national pilotes (DGOS): home, national dashboard, national list, envelopes, annual syntheses.

The accounts are the data set's (one gestionnaire per établissement, the CMSI of every région,
the demo's national pilote), given a random password for the run and put back as they were
afterwards. Every answer other than the expected status (200, 302 for the login) is an error.
Per page: requests, errors, p50, p95, max, budget, verdict; written in the bench report
(``bench/results/latest.{json,md}``, section « Charge », ``bench.rapport.ecrire_charge``). Exit
status 1 when there is an error or a p95 over its budget.
"""

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from bench import ecarts
from bench.budgets import centile
from bench.parcours import Etape, preparer, repartir, restaurer_mots_de_passe
from bench.rapport import ecrire_charge
from bench.serveur import ecart_cpu, executable_gunicorn, serveur_gunicorn, temps_cpu

UTILISATEURS = 50
DUREE = 120
PAUSE = (2.0, 8.0)  # seconds between two requests of one user (mean 5 s)
MONTEE = 1.0  # users started per second (each login checks a password hash: slow on purpose)
DELAI = 30  # seconds before a request counts as failed
# The login phase (page, style sheet, password check) is before the measured period: reported,
# its errors counted, with no budget (the password hash is slow on purpose).
CONNEXION = "connexion"
ENVOI = "Connexion — envoi (mot de passe vérifié)"
# Then each user walks its journey once without pause (warm-up, one row, errors counted).
CHAUFFE = "Chauffe (chaque parcours une fois, sans pause)"


@dataclass
class Ligne:
    """The report's row of one page."""

    nom: str
    phase: str
    n: int
    erreurs: int
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    budget_ms: float | None
    exemples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool | None:
        """No error and the p95 within the budget; ``None`` for a page never requested."""
        if not self.n:
            return None
        dans_budget = self.budget_ms is None or self.p95_ms <= self.budget_ms
        return self.erreurs == 0 and dans_budget


# --- the simulated users -----------------------------------------------------------------------


class Mesures:
    """Durations and errors by page, from every user's thread."""

    def __init__(self):
        self._verrou = threading.Lock()
        self.durees = defaultdict(list)
        self.erreurs = defaultdict(int)
        self.exemples = defaultdict(list)
        self.pages = {}  # name -> (phase, budget), in first-seen order

    def declarer(self, nom, phase, budget):
        """A row of the report, in this order, before any request (rows of pages never reached
        show ``n`` = 0)."""
        with self._verrou:
            self.pages.setdefault(nom, (phase, budget))

    def noter(self, nom, phase, budget, duree_s, erreur=None):
        with self._verrou:
            self.pages.setdefault(nom, (phase, budget))
            self.durees[nom].append(duree_s * 1000)
            if erreur:
                self.erreurs[nom] += 1
                if len(self.exemples[nom]) < 3 and erreur not in self.exemples[nom]:
                    self.exemples[nom].append(erreur)

    def lignes(self) -> list[Ligne]:
        with self._verrou:
            return [
                Ligne(
                    nom,
                    phase,
                    len(self.durees[nom]),
                    self.erreurs[nom],
                    *_arrondis(self.durees[nom]),
                    budget,
                    list(self.exemples[nom]),
                )
                for nom, (phase, budget) in self.pages.items()
            ]


def _arrondis(ms):
    if not ms:
        return None, None, None
    return round(centile(ms, 50), 1), round(centile(ms, 95), 1), round(max(ms), 1)


class Charge:
    """``comptes`` simulated at once against ``base`` (a running server) for ``duree`` seconds
    after all of them logged in with ``mot_de_passe``. :meth:`executer` returns the rows."""

    def __init__(
        self,
        base,
        comptes,
        mot_de_passe,
        *,
        duree=DUREE,
        pause=PAUSE,
        montee=MONTEE,
        delai=DELAI,
        graine=1,
        sonde_cpu=None,
    ):
        self.base = base.rstrip("/")
        self.comptes = comptes
        self.mot_de_passe = mot_de_passe
        self.duree = duree
        self.pause = pause
        self.montee = montee
        self.delai = delai
        self.graine = graine
        self.mesures = Mesures()
        self.fin = None  # monotonic time the measured period ends, once every user is in
        self.connectes = 0
        self.debut_mesure = None
        # ``sonde_cpu()``: the server's CPU seconds so far (``bench.serveur.temps_cpu``),
        # sampled at both ends of the measured period.
        self.sonde_cpu = sonde_cpu
        self.cpu = [None, None]
        self._verrou = threading.Lock()
        self._barriere = threading.Barrier(len(comptes) + 1, action=self._depart)
        for nom in ("Connexion — formulaire", "Feuille de style (whitenoise)", ENVOI, CHAUFFE):
            self.mesures.declarer(nom, "chauffe" if nom == CHAUFFE else CONNEXION, None)
        for compte in comptes:  # by kind of user, in journey order
            for etape in compte.parcours:
                self.mesures.declarer(etape.nom, "mesure", etape.budget)

    def _depart(self):
        with self._verrou:
            if self.fin is None:
                self.cpu[0] = self.sonde_cpu() if self.sonde_cpu else None
                self.debut_mesure = time.monotonic()
                self.fin = self.debut_mesure + self.duree

    def executer(self) -> list[Ligne]:
        fils = [
            threading.Thread(target=self._utilisateur, args=(i, c), daemon=True, name=c.username)
            for i, c in enumerate(self.comptes)
        ]
        for f in fils:
            f.start()
            time.sleep(1 / self.montee)
        self._attendre_les_autres()
        for f in fils:
            f.join(self.duree + 2 * self.delai + 60)
        self.cpu[1] = self.sonde_cpu() if self.sonde_cpu else None
        return self.mesures.lignes()

    def _attendre_les_autres(self):
        try:
            self._barriere.wait(timeout=max(300, 10 * len(self.comptes)))
        except threading.BrokenBarrierError:
            self._depart()  # logins too slow: measure with those who are in

    def _utilisateur(self, i, compte):
        import requests

        rng = random.Random(self.graine * 1000 + i)
        session = requests.Session()
        connecte = self._connecter(session, compte)
        if connecte:  # every page of the journey once (each server process warm), not measured
            for etape in compte.parcours:
                self._requete(session, replace(etape, nom=CHAUFFE, budget=None), "chauffe")
        self._attendre_les_autres()
        if not connecte:
            return
        self._dormir(rng.uniform(0, self.pause[1]))  # not all at the same instant
        while time.monotonic() < self.fin:
            for etape in compte.parcours:
                if time.monotonic() >= self.fin:
                    return
                self._requete(session, etape)
                self._dormir(rng.uniform(*self.pause))

    def _dormir(self, secondes):
        time.sleep(max(0.0, min(secondes, self.fin - time.monotonic())))

    def _requete(self, session, etape, phase="mesure", **kwargs) -> "object | None":
        """One request timed and checked; the response, or ``None`` on a network failure."""
        import requests

        if etape.methode != "GET" and "data" not in kwargs:
            kwargs["headers"] = {"X-CSRFToken": session.cookies.get("csrftoken", "")}
            kwargs["json"] = etape.corps
        debut = time.perf_counter()
        try:
            reponse = session.request(
                etape.methode,
                self.base + etape.url,
                timeout=self.delai,
                allow_redirects=False,
                **kwargs,
            )
            reponse.content  # noqa: B018 (the whole body, as a browser reads it)
        except requests.RequestException as exc:
            cause = str(exc).split(": ", 1)[-1][:120]
            erreur = f"{type(exc).__name__} sur {etape.methode} {etape.url} ({cause})"
            self.mesures.noter(etape.nom, phase, etape.budget, time.perf_counter() - debut, erreur)
            return None
        duree = time.perf_counter() - debut
        erreur = None
        if reponse.status_code != etape.attendu:
            erreur = f"{reponse.status_code} sur {etape.methode} {etape.url}"
        self.mesures.noter(etape.nom, phase, etape.budget, duree, erreur)
        return reponse

    def _connecter(self, session, compte) -> bool:
        """The login page, its style sheet, then the form posted with the CSRF token; ``True``
        once the server redirects away from the login page."""
        page = self._requete(
            session, Etape("Connexion — formulaire", "/connexion/", None), CONNEXION
        )
        if page is None or page.status_code != 200:
            return False
        feuille = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        if feuille:
            self._requete(
                session, Etape("Feuille de style (whitenoise)", feuille.group(1), None), CONNEXION
            )
        jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        donnees = {
            "csrfmiddlewaretoken": jeton.group(1) if jeton else "",
            "username": compte.username,
            "password": self.mot_de_passe,
            "next": "/",
        }
        envoi = Etape(ENVOI, "/connexion/", None, "POST", attendu=302)
        reponse = self._requete(session, envoi, CONNEXION, data=donnees)
        if reponse is None or reponse.status_code != 302:
            return False
        if "/connexion/" in reponse.headers.get("Location", ""):
            self.mesures.noter(
                envoi.nom, CONNEXION, None, 0, f"connexion refusée : {compte.username}"
            )
            return False
        with self._verrou:
            self.connectes += 1
        return True


def verdict(lignes: list[Ligne]) -> bool:
    """No error anywhere, every p95 within its budget, and something was measured."""
    mesurees = [ligne for ligne in lignes if ligne.phase == "mesure" and ligne.n]
    return bool(mesurees) and all(ligne.ok is not False for ligne in lignes)


# --- command line ------------------------------------------------------------------------------


def _afficher(lignes: list[Ligne], sortie=sys.stdout):
    print(f"{'page':<58} {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'budget':>7}", file=sortie)
    for ligne in lignes:
        etat = {True: "", None: "", False: "ERREURS" if ligne.erreurs else "HORS BUDGET"}[ligne.ok]
        budget = "—" if ligne.budget_ms is None else f"{ligne.budget_ms:g}"
        print(
            f"{ligne.nom[:58]:<58} {ligne.n:>5} {ligne.erreurs:>4} {ligne.p50_ms or 0:>7.1f} "
            f"{ligne.p95_ms or 0:>7.1f} {budget:>7} {etat}",
            file=sortie,
        )
        for exemple in ligne.exemples:
            print(f"    {exemple}", file=sortie)


def _arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.charge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--utilisateurs", type=int, default=UTILISATEURS)
    duree = float(os.environ.get("CHARGE_DUREE") or DUREE)
    parser.add_argument("--duree", type=float, default=duree, help="secondes (CHARGE_DUREE)")
    parser.add_argument("--pause", type=float, nargs=2, default=PAUSE, metavar=("MIN", "MAX"))
    parser.add_argument("--montee", type=float, default=MONTEE, help="utilisateurs lancés par s")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2, help="fils par worker gunicorn")
    parser.add_argument("--timeout", type=int, default=60, help="--timeout de gunicorn (s)")
    # Longer than the longest pause: with gunicorn's default (2 s) a user's request can be sent
    # on the connection the server is closing (reset by peer), which a browser silently retries.
    parser.add_argument("--keep-alive", type=int, default=75, help="--keep-alive de gunicorn (s)")
    return parser.parse_args(argv)


def _contexte(args, repartition, charge, marqueur, avant) -> dict:
    from django.db import connection

    total = sum(ligne.n for ligne in charge.mesures.lignes() if ligne.phase == "mesure")
    debut, fin = charge.cpu
    cpu, cpu_pg = ecart_cpu(debut, fin, "gunicorn"), ecart_cpu(debut, fin, "pg:")
    return {
        "mesure_le": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cœurs",
        "base": connection.settings_dict["NAME"],
        "jeu_genere_le": marqueur["genere_le"],
        "utilisateurs": repartition,
        "connectes": charge.connectes,
        "duree_s": args.duree,
        "pause_s": list(args.pause),
        "gunicorn": f"{args.workers} workers × {args.threads} fils, --timeout {args.timeout}, "
        f"--keep-alive {args.keep_alive}",
        "requetes": total,
        "requetes_par_s": round(total / args.duree, 1) if args.duree else None,
        # CPU of gunicorn (master and workers) and of the database's PostgreSQL backends over
        # the measured period, per request: what the pages cost whatever the contention.
        "cpu_serveur_s": cpu,
        "cpu_ms_par_requete": round(cpu * 1000 / total, 1) if cpu is not None and total else None,
        "cpu_postgres_s": cpu_pg,
        "cpu_postgres_ms_par_requete": (
            round(cpu_pg * 1000 / total, 1) if cpu_pg is not None and total else None
        ),
        "reglages": "bench.settings (DEBUG désactivé, whitenoise), MFA_OBLIGATOIRE=false",
        "charge_avant": avant,
        "charge_apres": ecarts.charge(),
    }


def _backends() -> list[int]:
    """Process ids of the PostgreSQL backends connected to the bench database (the server's),
    through a short connection of this thread."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]
    finally:
        connection.close()


def _servir_et_charger(args, comptes, mot_de_passe) -> tuple[Charge, list[Ligne], str]:
    """gunicorn started, the users simulated, gunicorn stopped; returns the run, its rows and
    the server's error log."""
    options = ["--timeout", str(args.timeout), "--keep-alive", str(args.keep_alive)]
    with tempfile.TemporaryFile() as journal:
        with serveur_gunicorn(
            executable_gunicorn(), args.workers, args.threads, journal=journal, options=options
        ) as base:
            charge = Charge(base, comptes, mot_de_passe, duree=args.duree,
                            pause=tuple(args.pause), montee=args.montee,
                            sonde_cpu=lambda: temps_cpu(base.pid, _backends()))  # fmt: skip
            lignes = charge.executer()
        journal.seek(0)
        return charge, lignes, journal.read().decode(errors="replace")


def main(argv=None) -> int:
    args = _arguments(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("BENCH_SETTINGS", "bench.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://hn:hn@127.0.0.1:5432/hn_bench")
    os.environ["MFA_OBLIGATOIRE"] = "false"  # inherited by gunicorn
    import django

    django.setup()
    from django.db import connection

    from bench.generer import lire_marqueur

    marqueur = lire_marqueur()
    if marqueur is None:
        print("Aucun jeu de données : lancez d'abord python -m bench.generer.", file=sys.stderr)
        return 2
    repartition = repartir(args.utilisateurs)
    comptes, mot_de_passe, originaux = preparer(repartition)
    connection.close()
    avant = ecarts.charge()
    print(
        f"Charge : {repartition}, {args.duree:g} s mesurées, gunicorn {args.workers} × "
        f"{args.threads} fils, pauses {args.pause[0]:g}–{args.pause[1]:g} s."
    )
    try:
        charge, lignes, journal = _servir_et_charger(args, comptes, mot_de_passe)
    finally:
        restaurer_mots_de_passe(originaux)
    ok = verdict(lignes)
    contexte = _contexte(args, repartition, charge, marqueur, avant)
    contexte["journal_serveur"] = {
        "erreurs_500": journal.count("Internal Server Error"),
        "workers_expires": journal.count("WORKER TIMEOUT"),
    }
    _afficher(lignes)
    if journal.strip() and not ok:
        print(f"Journal de gunicorn (fin) :\n{journal[-3000:]}")
    chemin = ecrire_charge([{**asdict(ligne), "ok": ligne.ok} for ligne in lignes], contexte, ok)
    resultat = "réussi" if ok else "ÉCHEC : erreurs ou p95 hors budget"
    print(
        f"{contexte['requetes']} requêtes en {args.duree:g} s ({contexte['requetes_par_s']}/s) ; "
        f"{resultat}. Rapport : {chemin}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
