"""The bench's budgets (issue 6), in ms: shared by the per-view measures (``bench.mesurer``) and
the load test (``bench.charge``)."""

LISTE = 150  # list and detail pages, API calls
TABLEAU = 300  # dashboards and the envelope page
PDF = 1_500
TACHE_RIEN = 10_000  # run_deadlines, nothing due
TACHE_DUS = 60_000  # run_deadlines, 10% due
RATIO_TABLEAU = 2.0  # dashboard ≤ 2x its best SQL query


def centile(valeurs, p):
    """The ``p``-th percentile of ``valeurs``, linearly interpolated (``None`` when empty)."""
    ordonnees = sorted(valeurs)
    if not ordonnees:
        return None
    k = (len(ordonnees) - 1) * p / 100
    bas, haut = int(k), min(int(k) + 1, len(ordonnees) - 1)
    return ordonnees[bas] + (ordonnees[haut] - ordonnees[bas]) * (k - bas)


EXPORT_FOND = 10_000  # a background export of every dossier (CSV, 66,000 at 10x) [issue 16]
# The pilotage dashboards (issue 16 point 7), at 10x volume.
PILOTAGE_NATIONAL = 300  # warm (the figures cached)
PILOTAGE_NATIONAL_FROID = 1_500  # cold (the cache emptied: the figures computed)
PILOTAGE_REGIONAL = 200
# GHT dossiers (issue 15): the forfaits endpoint of a 12-member GHT dossier.
FORFAITS_GHT = 100
