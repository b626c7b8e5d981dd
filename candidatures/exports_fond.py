"""The ARS export of the pré-candidatures as a background export (issue 16,
``hn.taches.exports``): the list's filters (:func:`candidatures.pages.precandidatures_filtrees`)
and rows (:func:`candidatures.exports.lignes`, programme by programme as
:func:`candidatures.pages.fichier`), written into a temporary file.

Measured on the 10x data set (24,302 pré-candidatures, national list): the synchronous file
takes 1.3 ms (CSV) to 2.5 ms (XLSX) a pré-candidature, most of it loading and pricing the
rows: above ``SEUIL`` pré-candidatures the list's buttons start a background export, below it
the synchronous file answers in under 2 s."""

from types import SimpleNamespace

from django.utils import timezone

from candidatures import exports
from candidatures.pages import precandidatures_filtrees
from hn.comptes.scopes import acces
from hn.exports import ecrire_csv, ecrire_xlsx
from hn.taches.exports import fichier_temporaire, producteur, querydict

SEUIL = 500


def _requete(user, params):
    return SimpleNamespace(user=user, GET=querydict(params), method="GET")


def autorise(user) -> bool:
    """Who sees the list (candidatures.views.accueil ``voit_liste``)."""
    a = acces(user)
    return a.national or bool(a.regions_lecture)


def compter(user, params) -> int:
    return precandidatures_filtrees(_requete(user, params))[0].count()


def lignes(qs) -> list:
    par_programme: dict = {}
    for pc in qs:
        par_programme.setdefault(pc.campagne.programme_id, []).append(pc)
    return [ligne for groupe in par_programme.values() for ligne in exports.lignes(groupe)]


@producteur(
    "precandidatures",
    "Liste des pré-candidatures",
    compter=compter,
    seuil=SEUIL,
    autorise=autorise,
)
def exporter_precandidatures(user, params, avancer):
    qs = precandidatures_filtrees(_requete(user, params))[0]
    format_ = (params.get("format") or ["csv"])[0]
    avancer(0, qs.count(), forcer=True)
    rangees = lignes(qs.iterator(chunk_size=2000))
    total = len(rangees)
    avancer(0, total, forcer=True)
    sortie = fichier_temporaire()
    progres = lambda n: avancer(n, total)  # noqa: E731
    if format_ == "xlsx":
        ecrire_xlsx(
            sortie,
            "Pré-candidatures",
            exports.ENTETES,
            rangees,
            total=total,
            montants=exports.MONTANTS,
            avancer=progres,
        )
    else:
        format_ = "csv"
        ecrire_csv(sortie, exports.ENTETES, rangees, progres)
    sortie.seek(0)
    return f"precandidatures-{timezone.localdate():%Y%m%d}.{format_}", sortie
