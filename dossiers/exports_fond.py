"""The dossier list's file as a background export (issue 16, ``hn.taches.exports``): the same
queryset as the page and its synchronous file (:func:`dossiers.exports.dossiers_filtres`), the
same columns and cells (:func:`dossiers.exports.fichier_dossiers`), streamed row by row from the
database into a temporary file (CSV, or XLSX in openpyxl's write-only mode).

``SEUIL``: measured on the 10x data set (66,057 dossiers, national list): the synchronous
XLSX takes 0.22 ms a row (14.5 s in all), the CSV 0.05 ms (3.5 s); below 5,000 rows (a
région's list at 10x) either file answers in well under 2 s, above it the list's buttons start
a background export (the CSV of every dossier: 3.9 s in the task, budget 10 s)."""

from types import SimpleNamespace

from django.utils import timezone

from dossiers.exports import ENTETES_DOSSIERS, dossiers_filtres, lignes_dossiers
from hn.exports import ecrire_csv, ecrire_xlsx
from hn.taches.exports import fichier_temporaire, producteur, querydict

SEUIL = 5_000


def _requete(user, params):
    """What ``dossiers_filtres`` reads of a request: the user and the list's filters."""
    return SimpleNamespace(user=user, GET=querydict(params), method="GET")


def compter(user, params) -> int:
    return dossiers_filtres(_requete(user, params))[0].count()


@producteur("dossiers", "Liste des dossiers", compter=compter, seuil=SEUIL)
def exporter_dossiers(user, params, avancer):
    qs = dossiers_filtres(_requete(user, params))[0]
    format_ = (params.get("format") or ["csv"])[0]
    total = qs.count()
    avancer(0, total, forcer=True)
    sortie = fichier_temporaire()
    progres = lambda n: avancer(n, max(n, total))  # noqa: E731
    if format_ == "xlsx":
        ecrire_xlsx(
            sortie,
            "Dossiers",
            ENTETES_DOSSIERS,
            lignes_dossiers(qs, flux=True),
            total=total,
            avancer=progres,
        )
    else:
        format_ = "csv"
        ecrire_csv(sortie, ENTETES_DOSSIERS, lignes_dossiers(qs, flux=True), progres)
    sortie.seek(0)
    return f"dossiers-{timezone.localdate():%Y%m%d}.{format_}", sortie
