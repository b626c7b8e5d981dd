"""Funding condition of a domaine [SPEC §3; 000 A1 §3, A6 §3]: pure function.

The usage funding of a domaine is notified only when the latest follow-up report shows
**every** prérequis indicator **and every** indicator of that domaine at target. Each
domaine is judged on its own. The result says exactly which indicator blocks, and why.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from hn import formats
from hn.referentiel.enums import TypeIndicateur

# "au plus 1 indicateur non applicable" per domaine [003 §5.3.1, SPEC §6]: applied to both
# programmes (our reading: otherwise "all the domaine's indicators at target" means little).
NON_APPLICABLES_MAX = 1


def _pourcent(valeur) -> str:
    return formats.pourcentage(valeur)


def blocage(indicateur, valeur, non_applicable: bool) -> str | None:
    """Why one indicator blocks the funding, or None when it does not. A prérequis must be
    met: it cannot be declared non applicable."""
    if non_applicable:
        if indicateur.prerequis_id is not None:
            return f"{indicateur.code} : un prérequis ne peut pas être déclaré non applicable."
        return None
    atteint = indicateur.est_atteint(valeur)
    if atteint:
        return None
    code = indicateur.code
    if indicateur.type == TypeIndicateur.EXISTENCE:
        return f"{code} : non atteint (déclaré « non »)."
    if valeur is None:
        return f"{code} : aucune valeur déclarée."
    if indicateur.cible is None:
        return (
            f"{code} : {_pourcent(valeur)} déclaré, mais la cible n'est pas fixée par les "
            "textes (à confirmer par le niveau national)."
        )
    return f"{code} : {_pourcent(valeur)} déclaré, cible {_pourcent(indicateur.cible)}."


def blocages_financement(
    indicateurs: Iterable, valeurs: Mapping[int, tuple[Decimal | None, bool]] | None
) -> list[str]:
    """``indicateurs``: the programme's prérequis indicators then the domaine's; ``valeurs``:
    the latest report's ``{indicateur_id: (valeur, non_applicable)}``, None without report."""
    if valeurs is None:
        return ["Aucun rapport de suivi n'a encore été déposé."]
    raisons = []
    non_applicables = [
        i.code
        for i in indicateurs
        if i.domaine_id is not None and valeurs.get(i.pk, (None, False))[1]
    ]
    if len(non_applicables) > NON_APPLICABLES_MAX:
        raisons.append(
            f"{', '.join(non_applicables)} : au plus {NON_APPLICABLES_MAX} indicateur du domaine "
            "peut être déclaré non applicable [003 §5.3.1]."
        )
    for indicateur in indicateurs:
        if indicateur.pk not in valeurs:
            raisons.append(f"{indicateur.code} : absent du dernier rapport de suivi.")
            continue
        raison = blocage(indicateur, *valeurs[indicateur.pk])
        if raison:
            raisons.append(raison)
    return raisons


def _blocage_membre(indicateur, valeur, non_applicable: bool) -> str | None:
    """Why one member's value of a domaine indicator blocks, worded for the page."""
    raison = blocage(indicateur, valeur, non_applicable)
    if raison is None:
        return None
    if (
        indicateur.type != TypeIndicateur.EXISTENCE
        and valeur is not None
        and indicateur.cible is not None
    ):
        return (
            f"{indicateur.code} : {_pourcent(valeur)} pour une cible de "
            f"{_pourcent(indicateur.cible)}"
        )
    return raison.removesuffix(".")


def blocages_financement_ght(
    indicateurs: Iterable,
    valeurs: Mapping | None,
    membres: Iterable,
) -> list[str]:
    """The same rule for a GHT dossier [SPEC §10]: the prérequis indicators carry one value
    (``valeurs[indicateur_id]``), the domaine's one per candidate member
    (``valeurs[(indicateur_id, etablissement_id)]``); the domaine is at target when every
    prérequis is and **every** member meets **every** indicator of the domaine. ``membres``:
    the candidate établissements (``pk``, ``raison_sociale``, ``finess``). Each blocking
    member is named: "Bloquant : <ES> (<FINESS>) — D2.1 : 40 % pour une cible de 70 %"."""
    if valeurs is None:
        return ["Aucun rapport de suivi n'a encore été déposé."]
    indicateurs = list(indicateurs)
    prerequis = [i for i in indicateurs if i.domaine_id is None]
    du_domaine = [i for i in indicateurs if i.domaine_id is not None]
    raisons = blocages_financement(prerequis, valeurs)
    for membre in membres:
        nom = f"Bloquant : {membre.raison_sociale} ({membre.finess}) — "
        lus = {i.pk: valeurs.get((i.pk, membre.pk)) for i in du_domaine}
        non_applicables = [i.code for i in du_domaine if lus[i.pk] and lus[i.pk][1]]
        if len(non_applicables) > NON_APPLICABLES_MAX:
            raisons.append(
                f"{nom}{', '.join(non_applicables)} : au plus {NON_APPLICABLES_MAX} indicateur "
                "du domaine peut être déclaré non applicable [003 §5.3.1]."
            )
        for indicateur in du_domaine:
            if lus[indicateur.pk] is None:
                raisons.append(f"{nom}{indicateur.code} : absent du dernier rapport de suivi.")
                continue
            raison = _blocage_membre(indicateur, *lus[indicateur.pk])
            if raison:
                raisons.append(f"{nom}{raison}.")
    return raisons
