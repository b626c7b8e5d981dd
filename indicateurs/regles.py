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
