"""The pilotage measures of the bench (issue 16 point 7), run by ``bench.mesurer`` after the
calls for applications:

- the dashboards (``pilotage.views``): the national one of each programme (``dgos``), p95
  ≤ 300 ms warm (figures and rendered body cached), ≤ 1.5 s cold (the cache emptied before
  each request: the figures computed, every chart and table rendered again); the regional one
  of the largest région (its CMSI, ARS 84) ≤ 200 ms warm, cold beside it against the national
  cold budget; one table as CSV (synchronous, ≤ 18 rows) against the warm budget. Every name
  starts with « Pilotage » (``--filtre Pilotage``);
- the published bilan as a PDF (``pilotage.bilan``, ``pilotage.document``), national (every
  région) ≤ 5 s figures and rendering included, and the largest région's beside it (same
  budget). Every name starts with « Bilan » (``--filtre Bilan``)."""

from bench.budgets import PILOTAGE_NATIONAL, PILOTAGE_NATIONAL_FROID, PILOTAGE_REGIONAL

BILAN_PDF = 5_000  # ms: the national bilan PDF at 10x [issue 16 point 7]


def _vider_cache():
    from django.core.cache import cache

    cache.clear()


def tableaux_de_bord(banc):
    """The dashboards' lines of the bench's table."""
    banc.log("Pilotage (tableaux de bord) :")
    N, A = "dgos", "ars_valideur"
    for programme in ("HOPEN", "HN"):
        url = f"/pilotage/{programme}/"
        banc.page(f"Pilotage national {programme}", N, url, PILOTAGE_NATIONAL, "tableau")
        banc.page(f"Pilotage national {programme} — cache vide", N, url,
                  PILOTAGE_NATIONAL_FROID, "tableau", avant=_vider_cache)  # fmt: skip
    url = "/pilotage/HOPEN/84/"
    banc.page("Pilotage régional HOPEN 84 (ARS)", A, url, PILOTAGE_REGIONAL, "tableau")
    banc.page("Pilotage régional HOPEN 84 (ARS) — cache vide", A, url, PILOTAGE_NATIONAL_FROID,
              "tableau", avant=_vider_cache)  # fmt: skip
    csv = "/pilotage/HOPEN/?format=csv&table=finances"
    banc.page("Pilotage national HOPEN — tableau « finances » en CSV", N, csv, PILOTAGE_NATIONAL,
              "export")  # fmt: skip


def scenarios(banc):
    """The dashboards' and the bilan's lines of the bench's table (as the DGOS)."""
    tableaux_de_bord(banc)
    banc.log("Bilan publié (PDF) :")
    for programme in ("HOPEN", "HN"):
        banc.page(f"Bilan national {programme} — PDF", "dgos", f"/pilotage/{programme}/bilan.pdf",
                  BILAN_PDF, "pdf", requetes=5, echauffement=1)  # fmt: skip
    banc.page("Bilan HOPEN 84 — PDF", "dgos", "/pilotage/HOPEN/84/bilan.pdf", BILAN_PDF, "pdf",
              requetes=5, echauffement=1)  # fmt: skip
    banc.page("Bilan — API national HOPEN", "dgos", "/api/v1/pilotage/bilan/?programme=HOPEN",
              BILAN_PDF, "api", requetes=5, echauffement=1)  # fmt: skip
