"""The dossier list and the dashboard's table per région as files (``?format=csv|xlsx``).

The list page and its file read one queryset (:func:`dossiers_filtres`: the caller's scope,
then the page's filters and order), so the file holds every filtered row of the page, not only
the page shown, and nothing outside the scope. Same columns as the page's table (the PDF link
of each row left out), amounts none, dates as dates (``hn.exports.reponse_liste``).
"""

from django.db.models import Q
from django.utils import timezone

from dossiers.models import Dossier
from hn.champs import filtre_texte
from hn.dates import PARIS
from hn.exports import libelles, reponse_liste

TRIS = {
    "numero": "numero",
    "nom": "nom",
    "etat": "etat",
    "depose_le": "depose_le",
    "echeance": "echeance_decision",
}
ENTETES_DOSSIERS = [
    "Numéro",
    "Nom",
    "Programme",
    "État",
    "Déposé le",
    "Échéance de décision",
]


def dossiers_filtres(request):
    """(queryset, filters, sort key): the dossiers the caller sees, filtered and ordered as
    the list page asks (``programme``, ``etat``, ``region``, ``q``, ``tri``)."""
    qs = Dossier.objects.visibles_par(request.user).select_related(
        "programme", "etablissement__region"
    )
    filtres = {k: filtre_texte(request.GET, k) for k in ("programme", "etat", "region", "q")}
    if filtres["programme"]:
        qs = qs.filter(programme__code=filtres["programme"])
    if filtres["etat"]:
        qs = qs.filter(etat=filtres["etat"])
    if filtres["region"]:
        qs = qs.filter(region__code=filtres["region"])
    if filtres["q"]:
        qs = qs.filter(
            Q(nom__icontains=filtres["q"])
            | Q(numero__icontains=filtres["q"])
            | Q(etablissement__finess__startswith=filtres["q"])
        )
    tri = filtre_texte(request.GET, "tri") or "-numero"
    champ = TRIS.get(tri.lstrip("-"), "numero")
    ordre = [f"-{champ}" if tri.startswith("-") else champ]
    if champ != "numero":  # unique: no tie to break, the (région, -numero) index serves it
        ordre.append("-pk")
    return qs.order_by(*ordre), filtres, tri


def _jour(valeur):
    """The day of a datetime in Paris (the page shows ``|jour``)."""
    return timezone.localtime(valeur, PARIS).date() if valeur is not None else None


def fichier_dossiers(format_: str, qs):
    """Every row of the filtered list (plain values: thousands of rows at the national level)."""
    etats = libelles(Dossier, "etat")
    lignes = [
        [numero, nom, programme, etats.get(etat, etat), _jour(depose_le), echeance]
        for numero, nom, programme, etat, depose_le, echeance in qs.values_list(
            "numero", "nom", "programme__code", "etat", "depose_le", "echeance_decision"
        )
    ]
    return reponse_liste(format_, "dossiers", "Dossiers", ENTETES_DOSSIERS, lignes)


def fichier_regions(format_: str, tableau: dict):
    """The dashboard's table "Dossiers par région et par état" (national level, or an ARS of
    several régions): one row per région, a column per état, the total."""
    entetes = ["Région", *(libelle for _v, libelle, _n in tableau["etats"]), "Total"]
    lignes = [[r["nom"], *r["etats"], r["total"]] for r in tableau["regions"]]
    return reponse_liste(format_, "dossiers-par-region", "Dossiers par région", entetes, lignes)
