"""The pilotage measures of the bench (issue 16 point 7), run by ``bench.mesurer`` after the
calls for applications: the published bilan as a PDF (``pilotage.bilan``, ``pilotage.document``),
national (every région) ≤ 5 s figures and rendering included, and the largest région's beside
it (same budget). Every name starts with « Bilan » (``--filtre Bilan``)."""

BILAN_PDF = 5_000  # ms: the national bilan PDF at 10x [issue 16 point 7]


def scenarios(banc):
    """The bilan's lines of the bench's table (as the DGOS)."""
    banc.log("Bilan publié (PDF) :")
    for programme in ("HOPEN", "HN"):
        banc.page(f"Bilan national {programme} — PDF", "dgos", f"/pilotage/{programme}/bilan.pdf",
                  BILAN_PDF, "pdf", requetes=5, echauffement=1)  # fmt: skip
    banc.page("Bilan HOPEN 84 — PDF", "dgos", "/pilotage/HOPEN/84/bilan.pdf", BILAN_PDF, "pdf",
              requetes=5, echauffement=1)  # fmt: skip
    banc.page("Bilan — API national HOPEN", "dgos", "/api/v1/pilotage/bilan/?programme=HOPEN",
              BILAN_PDF, "api", requetes=5, echauffement=1)  # fmt: skip
