"""The dossier list's file as a background export (issue 16, ``hn.taches.exports``): the same
queryset as the page and its synchronous file (:func:`dossiers.exports.dossiers_filtres`), the
same columns and cells (:func:`dossiers.exports.fichier_dossiers`), streamed row by row from the
database into a temporary file (CSV, or XLSX in openpyxl's write-only mode).

``SEUIL``: at ten times the national volume (66,000 dossiers) the synchronous CSV takes about
0.04 ms... per row (see docs/ARCHITECTURE.md "Background exports"); below this many rows the
synchronous file answers in well under 2 s, above it the list's buttons start a background
export."""

from types import SimpleNamespace

from django.utils import timezone

from dossiers.exports import ENTETES_DOSSIERS, _jour, dossiers_filtres
from dossiers.models import Dossier
from hn.exports import ecrire_csv, ecrire_xlsx, libelles
from hn.taches.exports import fichier_temporaire, producteur, querydict

SEUIL = 20_000
CHAMPS = ("numero", "nom", "programme__code", "etat", "depose_le", "echeance_decision")


def _requete(user, params):
    """What ``dossiers_filtres`` reads of a request: the user and the list's filters."""
    return SimpleNamespace(user=user, GET=querydict(params), method="GET")


def compter(user, params) -> int:
    return dossiers_filtres(_requete(user, params))[0].count()


def lignes(qs):
    """The rows of :func:`dossiers.exports.fichier_dossiers`, streamed from the database."""
    etats = libelles(Dossier, "etat")
    for numero, nom, programme, etat, depose_le, echeance in qs.values_list(*CHAMPS).iterator(
        chunk_size=2000
    ):
        yield [numero, nom, programme, etats.get(etat, etat), _jour(depose_le), echeance]


@producteur("dossiers", "Liste des dossiers", compter=compter, seuil=SEUIL)
def exporter_dossiers(user, params, avancer):
    qs = dossiers_filtres(_requete(user, params))[0]
    format_ = (params.get("format") or ["csv"])[0]
    total = qs.count()
    avancer(0, total, forcer=True)
    sortie = fichier_temporaire()
    progres = lambda n: avancer(n, max(n, total))  # noqa: E731
    if format_ == "xlsx":
        ecrire_xlsx(sortie, "Dossiers", ENTETES_DOSSIERS, lignes(qs), total=total, avancer=progres)
    else:
        format_ = "csv"
        ecrire_csv(sortie, ENTETES_DOSSIERS, lignes(qs), progres)
    sortie.seek(0)
    return f"dossiers-{timezone.localdate():%Y%m%d}.{format_}", sortie
