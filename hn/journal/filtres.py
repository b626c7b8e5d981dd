"""The journal page's filters: who, what, when (from/to), which dossier, and a free text.

A value that cannot be read is left out of the filter with a French message (the page still
answers 200); the rows stay those of the reader's scope (``visibles_par``)."""

import re
from dataclasses import dataclass, field

from django.db.models import Q

from hn.champs import ChampInvalide, date_saisie, filtre_texte
from hn.comptes.scopes import acces
from hn.journal.libelles import ACTIONS
from hn.journal.models import SYSTEME

_CODE = re.compile(r"[a-z][a-z0-9_]{0,59}")
_NUMERO = re.compile(r"[0-9A-Za-z]{2,3}-\d{8}-\d{3}")
NOMS = ("qui", "action", "du", "au", "dossier", "q")


@dataclass
class Filtres:
    valeurs: dict = field(default_factory=dict)  # as typed, shown again in the form
    erreurs: list[str] = field(default_factory=list)

    @property
    def actifs(self) -> bool:
        return any(self.valeurs.get(n) for n in NOMS)


def choix_actions() -> list[tuple[str, str]]:
    """(code, label) of every known action, by label."""
    return sorted(((c, a.libelle) for c, a in ACTIONS.items()), key=lambda x: x[1].lower())


def _date(parametres, nom, libelle, filtres):
    brut = parametres.get(nom, "")
    try:
        return date_saisie(brut if isinstance(brut, str) else "", francais=True)
    except ChampInvalide:
        filtres.erreurs.append(
            f"La date « {libelle} » n’est pas une date valide (JJ/MM/AAAA) : filtre ignoré."
        )
        return None


def filtrer(qs, parametres, user):
    """``qs`` narrowed by the query string ``parametres``; (queryset, Filtres)."""
    filtres = Filtres({n: filtre_texte(parametres, n) for n in NOMS})
    v = filtres.valeurs
    if v["qui"]:
        qui = v["qui"]
        condition = (
            Q(acteur_nom__icontains=qui)
            | Q(acteur__first_name__icontains=qui)
            | Q(acteur__last_name__icontains=qui)
        )
        if qui.lower() in ("système", "systeme", "le système"):
            condition |= Q(acteur_nom=SYSTEME, acteur__isnull=True)
        qs = qs.filter(condition)
    if v["action"]:
        if _CODE.fullmatch(v["action"]):
            qs = qs.filter(action=v["action"])
        else:
            filtres.erreurs.append("Action inconnue : choisissez une action de la liste.")
    du = _date(parametres, "du", "du", filtres)
    au = _date(parametres, "au", "au", filtres)
    if du and au and du > au:
        filtres.erreurs.append("La date « du » est postérieure à la date « au » : filtre ignoré.")
        du = au = None
    if du:
        qs = qs.filter(horodatage__date__gte=du)
    if au:
        qs = qs.filter(horodatage__date__lte=au)
    if v["dossier"]:
        numero = v["dossier"].strip().upper()
        if _NUMERO.fullmatch(numero):
            qs = qs.filter(objet_type="dossiers.dossier", objet_libelle__startswith=f"{numero} ")
        else:
            filtres.erreurs.append(
                "Numéro de dossier invalide (attendu : RR-AAAAMMJJ-NNN, par exemple "
                "84-20260112-001) : filtre ignoré."
            )
    if v["q"]:
        qs = qs.filter(_recherche(v["q"], user))
    return qs, filtres


def _recherche(texte: str, user) -> Q:
    """The words in who acted, on what, the action's label, or the comment — a comment of
    data being typed only for the établissement that types it."""
    codes = [c for c, a in ACTIONS.items() if texte.lower() in a.libelle.lower()]
    commentaire_lisible = Q(reserve_etablissement=False) | Q(
        etablissement_id__in=list(acces(user).etablissements)
    )
    return (
        Q(acteur_nom__icontains=texte)
        | Q(objet_libelle__icontains=texte)
        | Q(action__in=codes)
        | (Q(commentaire__icontains=texte) & commentaire_lisible)
    )
