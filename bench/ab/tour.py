"""One round of an A/B comparison, for one commit: run as a script with ``PYTHONPATH`` (and the
working directory) set to that commit's worktree, so that ``bench.mesurer`` and the application
are that commit's own (``bench/ab/comparer.py`` does it).

    PYTHONPATH=<worktree> DATABASE_URL=<its bench database> \\
        python bench/ab/tour.py --version a --tour 1 --sortie ab.jsonl [--sequence complete]

``--sequence pages`` (default): a fixed list of pages, the ones that drifted between the second
and third passes and controls. ``--sequence complete``: the commit's whole ``_scenarios``, in its
order, without the exports and the PDF production (seconds each). Each page: the commit's own
``Banc.page`` (5 warm-up, ``--requetes`` timed), the load average before it; one JSON line per
page appended to ``--sortie``.
"""

import argparse
import json
import os
import sys
import time

import bench.mesurer as m  # the commit's own (PYTHONPATH); sets DJANGO_SETTINGS_MODULE


def pages_fixes(vitrines):
    pdf, instruction, es = vitrines["pdf"], vitrines["instruction"], vitrines["es"]
    a, e, n = "ars_valideur", "es_gestionnaire", "dgos"
    annee = m._annee_synthese()
    return [
        ("Accueil ARS", a, "/"),
        ("Instruction (dossier déposé)", a, f"/dossiers/{instruction}/instruction/"),
        ("Instruction (dossier accepté, 7 domaines)", a, f"/dossiers/{pdf}/instruction/"),
        *(
            (f"Page du dossier « {s} » (ARS, dépôt)", a, f"/dossiers/{pdf}/pages/{s}/")
            for s in ("engagements", "prerequis-P1", "projet", "domaine-D2", "couts")
        ),
        ("Historique du dossier (ARS)", a, f"/dossiers/{pdf}/historique/"),
        ("Établissements (ARS)", a, "/etablissements/"),
        ("API dossiers (ARS) — 1re page", a, "/api/v1/dossiers/"),
        ("API forfait", n, "/api/v1/programmes/HOPEN/forfait/?domaine=D2&activite_combinee=15000"),
        ("Accueil national", n, "/"),
        ("API dossier — historique (ARS)", a, f"/api/v1/dossiers/{pdf}/historique/"),
        ("Page du dossier « engagements » (ES, saisie)", e, f"/dossiers/{es}/pages/engagements/"),
        ("API enveloppes (national, tous programmes)", n, "/api/v1/enveloppes/"),
        (f"Synthèses annuelles {annee} (national)", n, f"/enveloppes/syntheses/?annee={annee}"),
    ]


def prioriser_backend(connection):
    """PostgreSQL starts each backend in its own session, hence its own scheduling autogroup
    (Linux ``sched_autogroup``), where the niceness of the client does not reach: raise ours
    (root only; it ends with this process)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with open(f"/proc/{backend}/autogroup", "w") as f:
            f.write("-15")
        os.setpriority(os.PRIO_PROCESS, backend, -15)
    except OSError as exc:
        print(f"priorité du backend {backend} inchangée : {exc}", file=sys.stderr)


def aller_retour_sql(connection, n=200):
    """p50 of a ``SELECT 1`` round trip, in ms: the machine's own latency."""
    durees = []
    with connection.cursor() as cursor:
        for _ in range(n):
            debut = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            durees.append((time.perf_counter() - debut) * 1000)
    return round(sorted(durees)[n // 2], 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True)
    parser.add_argument("--tour", type=int, required=True)
    parser.add_argument("--sortie", required=True)
    parser.add_argument("--requetes", type=int, default=50)
    parser.add_argument("--sequence", choices=["pages", "complete"], default="pages")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from bench.generer import lire_marqueur

    vitrines = lire_marqueur().get("vitrines", {})
    banc = m.Banc(args.requetes, 5, sortie=sys.stderr)
    prioriser_backend(connection)
    charges = {}
    page = banc.page

    def page_notee(nom, *a, **kw):
        if "XLSX" in nom or "PDF" in nom:
            return None
        charges[nom] = [round(x, 2) for x in os.getloadavg()]
        return page(nom, *a, **kw)

    banc.page = page_notee
    sonde = aller_retour_sql(connection)
    if args.sequence == "complete":
        banc.production_pdf_synthese = lambda *a, **kw: None
        m._scenarios(banc, vitrines)
    else:
        for nom, utilisateur, url in pages_fixes(vitrines):
            banc.page(nom, utilisateur, url, m.LISTE, "page")
    lignes = [
        {"version": args.version, "tour": args.tour, "page": r.name, "charge": charges.get(r.name),
         "p50": r.p50_ms, "p95": r.p95_ms, "requetes": r.queries, "note": r.note}
        for r in banc.resultats
    ]  # fmt: skip
    lignes.append(
        {"version": args.version, "tour": args.tour, "page": "SELECT 1 (aller-retour, ms)",
         "charge": [round(x, 2) for x in os.getloadavg()], "p50": sonde, "requetes": 1}
    )  # fmt: skip
    with open(args.sortie, "a") as f:
        for ligne in lignes:
            f.write(json.dumps(ligne, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
