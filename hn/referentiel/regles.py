"""Money rules of the programmes, as pure functions over plain data [000 A3, 003 A3].

Nothing here touches the database: ``Programme.regles()`` builds a :class:`ReglesProgramme`
from the référentiel and every caller (API, pages, envelope ledger) goes through these
functions, so a rule has exactly one home.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


class RegleError(ValueError):
    """Input outside what the rules accept; ``message`` is French, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Categorie:
    code: str
    borne_min: int
    # Upper bound of the interpolation; the interval is [borne_min, borne_max) except for the
    # last category, open above and capped at its maximum past borne_max [000 A3 §2].
    borne_max: int


@dataclass(frozen=True)
class Tranche:
    """Forfait range of one category for one domaine, in euros."""

    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class ReglesProgramme:
    coefficients: Mapping[str, Decimal]
    categories: tuple[Categorie, ...]
    # grilles[domaine_code][avance: bool][categorie_code] -> Tranche
    grilles: Mapping[str, Mapping[bool, Mapping[str, Tranche]]] = field(default_factory=dict)

    def domaine_a_forfait_avance(self, domaine: str) -> bool:
        return True in self.grilles.get(domaine, {})


def activite_combinee(volumes: Mapping[str, int | Decimal], coefficients: Mapping[str, Decimal]):
    """Σ coefficient × volume over the programme's coefficients; missing volumes count as 0."""
    total = Decimal(0)
    for name, coefficient in coefficients.items():
        raw = volumes.get(name) or 0
        volume = Decimal(raw)
        if volume < 0:
            raise RegleError("Un volume d'activité ne peut pas être négatif.")
        total += Decimal(coefficient) * volume
    return total


def categorie(activite: Decimal | int, categories: tuple[Categorie, ...]) -> Categorie:
    value = Decimal(activite)
    if value < 0:
        raise RegleError("L'activité combinée ne peut pas être négative.")
    ordered = sorted(categories, key=lambda c: c.borne_min)
    found = ordered[0]
    for cat in ordered:
        if value >= cat.borne_min:
            found = cat
    return found


def arrondi_euro(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def forfait(
    regles: ReglesProgramme, domaine: str, activite: Decimal | int, *, avance: bool = False
) -> tuple[Categorie, int]:
    """(category, forfait in euros) for a domaine at an activité combinée.

    Linear within the category from its minimum at ``borne_min`` to its maximum at
    ``borne_max``; the last category is capped at its maximum above ``borne_max``.
    """
    if domaine not in regles.grilles:
        raise RegleError(f"Domaine inconnu : {domaine}.")
    if avance and not regles.domaine_a_forfait_avance(domaine):
        raise RegleError(f"Le domaine {domaine} n'a pas de forfait avancé.")
    cat = categorie(activite, regles.categories)
    tranche = regles.grilles[domaine][avance][cat.code]
    value = min(Decimal(activite), Decimal(cat.borne_max))
    ratio = (value - cat.borne_min) / Decimal(cat.borne_max - cat.borne_min)
    return cat, arrondi_euro(tranche.minimum + (tranche.maximum - tranche.minimum) * ratio)


def forfaits_par_domaine(
    regles: ReglesProgramme, activite: Decimal | int
) -> dict[str, tuple[int, int | None]]:
    """Standard and avancé forfait (None when the domaine has none) of every domaine."""
    return {
        domaine: (
            forfait(regles, domaine, activite)[1],
            forfait(regles, domaine, activite, avance=True)[1]
            if regles.domaine_a_forfait_avance(domaine)
            else None,
        )
        for domaine in regles.grilles
    }


def forfaits_sommes(
    regles: ReglesProgramme, activites: list[Decimal | int]
) -> dict[str, tuple[int, int | None]]:
    """A GHT dossier's forfaits [003 A3 §2; SPEC §10]: each candidate member's own forfait
    (its activité combinée, hence its category), summed per domaine. One activité gives the
    single-établissement forfait."""
    if not activites:
        raise RegleError("Un dossier de GHT compte au moins un établissement candidat.")
    totaux: dict[str, tuple[int, int | None]] = {}
    for activite in activites:
        for domaine, (standard, avance) in forfaits_par_domaine(regles, activite).items():
            somme_standard, somme_avance = totaux.get(
                domaine, (0, 0 if avance is not None else None)
            )
            totaux[domaine] = (
                somme_standard + standard,
                None if avance is None else somme_avance + avance,
            )
    return totaux
