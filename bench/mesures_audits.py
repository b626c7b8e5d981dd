"""The audits' measures of the bench (issue 13 point 9), run by ``bench.mesurer`` after the
other pages, on the data set's audits (``audits.bench``, drawn by ``bench.generer``):

- the draw of every région of a year for both programmes (36 real ``audits.actions.tirer``
  calls, the current year: the largest population), ≤ 5 s in total, timed inside a
  transaction rolled back each time (nothing stays drawn);
- the control grid through the API (an audit of région 84 in progress, half filled),
  p95 ≤ 150 ms;
- the audit lists of the API (draws, audits, ARS and national), p95 ≤ 150 ms;
- the consolidated tables of API.md (``GET audits/synthese/``: national, one row per région,
  p95 ≤ 300 ms; the XLSX of the largest région ≤ 3 s): measured as soon as the route exists,
  reported « route absente » before.
"""

import time

from bench.budgets import LISTE, TABLEAU

TIRAGE_ANNEE = 5_000  # ms: every région of a year, both programmes [issue 13]
XLSX_REGION = 3_000  # ms: the consolidated XLSX of the largest région [issue 13]
PASSAGES_TIRAGE = 3
API = "/api/v1/audits/"


def _annees():
    from bench.generer import ANNEES_AUDITEES
    from hn.dates import aujourd_hui

    annee = aujourd_hui().year
    return annee, annee - max(ANNEES_AUDITEES)


def tirage_de_toutes_les_regions(banc, annee: int, passages: int = PASSAGES_TIRAGE):
    """The real draw of every région for ``annee``, rolled back after each pass."""
    from django.db import transaction

    from audits import bench as audits_bench
    from bench.mesurer import Compteur, Resultat, _stats

    nom = f"Tirage de toutes les régions, 2 programmes ({annee}, annulé après mesure)"
    banc.noter_charge()
    durees, requetes, tires = [], [], 0
    try:
        for _ in range(passages):
            compteur = Compteur()
            with transaction.atomic():
                with banc.connection.execute_wrapper(compteur):
                    debut = time.perf_counter()
                    tirages = audits_bench.tirer_annee(annee, graine=annee)
                    durees.append(time.perf_counter() - debut)
                tires = sum(len(t.tires) for t in tirages)
                population = sum(len(t.population) for t in tirages)
                transaction.set_rollback(True)
            requetes.append(compteur.n)
    except Exception as exc:  # reported with the other figures
        banc.ajouter(
            Resultat(nom, None, None, None, None, TIRAGE_ANNEE, None, categorie="tâche",
                     note=f"échec : {type(exc).__name__}: {exc}"[:300])
        )  # fmt: skip
        return
    banc.ajouter(
        Resultat(
            nom, *_stats(durees), max(requetes), TIRAGE_ANNEE, tires, len(durees), "tâche",
            note=f"{len(tirages)} tirages, population {population} dossiers, {tires} audits",
        )
    )  # fmt: skip


def scenarios(banc):
    """The audits' lines of the bench's table."""
    from django.db.models import Count

    from audits.enums import EtatAudit
    from audits.models import Audit

    annee, passee = _annees()
    banc.log("Audits :")
    tirage_de_toutes_les_regions(banc, annee)
    A, N = "ars_valideur", "dgos"
    en_cours = (
        Audit.objects.filter(tirage__region__code="84", etat=EtatAudit.EN_COURS)
        .annotate(n=Count("lignes"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if en_cours:
        banc.page("API grille de contrôle d'un audit en cours (ARS)", A,
                  f"{API}{en_cours}/grille/", LISTE, "api")  # fmt: skip
        banc.page("API audit — détail (ARS)", A, f"{API}{en_cours}/", LISTE, "api")
    banc.page("API tirages d'audit (ARS)", A, f"{API}tirages/", LISTE, "api")
    banc.page("API audits (ARS)", A, f"{API}?annee={passee}", LISTE, "api")
    banc.page("API tirages d'audit (national)", N, f"{API}tirages/", LISTE, "api")
    banc.page("API audits (national)", N, f"{API}?annee={passee}", LISTE, "api")
    # Consolidated tables (API.md "Audits"): measured once the route lands.
    banc.page(f"Tableau consolidé national des audits {passee} (API)", N,
              f"{API}synthese/?programme=HOPEN&annee={passee}", TABLEAU, "tableau")  # fmt: skip
    banc.page(f"Tableau consolidé national des audits {passee} (page)", N,
              f"/audits/synthese/HOPEN/{passee}/", TABLEAU, "tableau")  # fmt: skip
    region = _plus_grande_region(passee)
    banc.page(f"Tableau consolidé des audits {passee} — XLSX de la région {region}", N,
              f"{API}synthese/?programme=HOPEN&annee={passee}&region={region}&format=xlsx",
              XLSX_REGION, "export", requetes=10, echauffement=1)  # fmt: skip


def _plus_grande_region(annee) -> str:
    """The région with the most HOP'EN audits that year (84 when none)."""
    from django.db.models import Count

    from audits.models import Audit

    ligne = (
        Audit.objects.filter(tirage__annee=annee, tirage__programme__code="HOPEN")
        .values("tirage__region__code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return ligne["tirage__region__code"] if ligne else "84"
