"""The dossier list and the dashboard's table per région as files (``?format=csv|xlsx``).

The list page and its file read one queryset (:func:`dossiers_filtres`: the caller's scope,
then the page's filters and order), so the file holds every filtered row of the page, not only
the page shown, and nothing outside the scope. Same columns as the page's table (the PDF link
of each row left out), amounts none, dates as dates (``hn.exports.reponse_liste``).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dossiers.enums import SUIVI_OUVERT, DecisionDomaine, Etat
from dossiers.models import DomaineDossier, Dossier
from hn.champs import filtre_texte
from hn.dates import PARIS, aujourd_hui
from hn.exports import libelles, reponse_liste
from hn.referentiel.enums import Activite, Statut

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


# The pilotage dashboards' filters (issue 16): each narrows the list to the rows one figure
# of ``pilotage.chiffres`` counts, so that a number links to exactly its dossiers.
FILTRES_PILOTAGE = ("decision", "statut", "activite", "selection", "cibles", "rapport", "prerequis")
HORIZON_DECISION = dt.timedelta(days=15)  # pilotage.chiffres.HORIZON_DECISION
ETATS_SELECTION = (Etat.ACCEPTE, Etat.CLOS)


def _selectionnes(**conditions):
    """A dossier (accepted or closed) with a selected domaine meeting ``conditions``."""
    return Exists(
        DomaineDossier.objects.filter(
            dossier=OuterRef("pk"), decision=DecisionDomaine.SELECTIONNE, **conditions
        )
    )


def _filtres_pilotage(qs, filtres):
    jour = aujourd_hui()
    if filtres["decision"] == "sous_15_jours":  # deposited, decision due within 15 days
        qs = qs.filter(etat=Etat.DEPOSE, echeance_decision__lte=jour + HORIZON_DECISION)
    if filtres["statut"] in Statut.values:
        qs = qs.filter(etablissement__statut=filtres["statut"])
    if filtres["activite"] in Activite.values:
        qs = qs.filter(**{f"etablissement__{filtres['activite']}": True})
    if filtres["selection"] == "oui":  # at least one domaine selected
        qs = qs.filter(_selectionnes(), etat__in=ETATS_SELECTION)
    if filtres["cibles"] == "atteintes":  # a selected domaine whose targets are met
        qs = qs.filter(_selectionnes(cibles_atteintes_le__isnull=False), etat__in=ETATS_SELECTION)
    if filtres["rapport"] == "retard":  # in suivi, its next report overdue
        qs = qs.filter(
            Exists(DomaineDossier.objects.filter(dossier=OuterRef("pk"), suivi__in=SUIVI_OUVERT)),
            etat=Etat.ACCEPTE,
            prochain_rapport_le__lt=jour,
        )
    if filtres["prerequis"] in ("atteints", "attente"):
        # In suivi; pending: its amorçage paid by derogation before its prérequis were reached.
        attente = Q(
            pk__in=Dossier.objects.filter(mouvements_enveloppe__derogation=True).values("pk"),
            prerequis_atteints_le__isnull=True,
        )
        qs = qs.filter(etat=Etat.ACCEPTE)
        qs = qs.filter(attente) if filtres["prerequis"] == "attente" else qs.exclude(attente)
    return qs


def dossiers_filtres(request):
    """(queryset, filters, sort key): the dossiers the caller sees, filtered and ordered as
    the list page asks (``programme``, ``etat``, ``region``, ``q``, ``tri``, and the pilotage
    dashboards' ``FILTRES_PILOTAGE``)."""
    qs = Dossier.objects.visibles_par(request.user).select_related(
        "programme", "etablissement__region"
    )
    filtres = {
        k: filtre_texte(request.GET, k)
        for k in ("programme", "etat", "region", "q", *FILTRES_PILOTAGE)
    }
    qs = _filtres_pilotage(qs, filtres)
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


CHAMPS_DOSSIERS = ("numero", "nom", "programme__code", "etat", "depose_le", "echeance_decision")


def lignes_dossiers(qs, *, flux: bool = False):
    """The rows of the list's file, as plain values (thousands of rows at the national level);
    ``flux``: streamed from the database (the background export)."""
    etats = libelles(Dossier, "etat")
    valeurs = qs.values_list(*CHAMPS_DOSSIERS)
    if flux:
        valeurs = valeurs.iterator(chunk_size=2000)
    for numero, nom, programme, etat, depose_le, echeance in valeurs:
        yield [numero, nom, programme, etats.get(etat, etat), _jour(depose_le), echeance]


def fichier_dossiers(format_: str, qs):
    """Every row of the filtered list."""
    lignes = list(lignes_dossiers(qs))
    return reponse_liste(format_, "dossiers", "Dossiers", ENTETES_DOSSIERS, lignes)


def fichier_regions(format_: str, tableau: dict):
    """The dashboard's table "Dossiers par région et par état" (national level, or an ARS of
    several régions): one row per région, a column per état, the total."""
    entetes = ["Région", *(libelle for _v, libelle, _n in tableau["etats"]), "Total"]
    lignes = [[r["nom"], *r["etats"], r["total"]] for r in tableau["regions"]]
    return reponse_liste(format_, "dossiers-par-region", "Dossiers par région", entetes, lignes)


LIBELLES_PILOTAGE = {
    ("decision", "sous_15_jours"): "décision due sous 15 jours",
    ("selection", "oui"): "au moins un domaine sélectionné",
    ("cibles", "atteintes"): "cibles atteintes sur un domaine sélectionné",
    ("rapport", "retard"): "rapport de suivi en retard",
    ("prerequis", "atteints"): "prérequis atteints",
    ("prerequis", "attente"): "prérequis en attente (amorçage par dérogation)",
}


def filtres_pilotage_actifs(filtres) -> list[dict]:
    """The pilotage filters of the list (hidden fields of its form, tags over its table)."""
    actifs = []
    for nom in FILTRES_PILOTAGE:
        valeur = filtres.get(nom)
        if not valeur:
            continue
        libelle = LIBELLES_PILOTAGE.get((nom, valeur))
        if nom == "statut" and valeur in Statut.values:
            libelle = f"statut : {Statut(valeur).label}"
        elif nom == "activite" and valeur in Activite.values:
            libelle = f"activité : {Activite(valeur).label}"
        if libelle:
            actifs.append({"nom": nom, "valeur": valeur, "libelle": libelle})
    return actifs
