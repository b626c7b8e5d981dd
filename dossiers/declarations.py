"""The indicator values a dossier declared, as the apps above it know them (the layers point
one way: ``dossiers`` never imports them).

The deposited values are the dossier's own (the last ``Depot``). The follow-up's reports live
in ``indicateurs``, which registers in its ``AppConfig.ready()`` the function that reads the
last one: ``fournir_suivi(fonction)``, ``fonction(dossier) -> Suivi | None``. An app that
shows the declared values (the audits' control grid) calls :func:`dernier_suivi` and
:func:`valeurs_deposees`, and reads nothing of ``indicateurs`` itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Valeur:
    valeur: Decimal | None
    non_applicable: bool


@dataclass(frozen=True)
class Suivi:
    """The last follow-up report: its rank, the date its values stand at, values by code."""

    rang: int
    arrete_le: date
    valeurs: dict[str, Valeur]


_fournisseurs: list[Callable] = []


def fournir_suivi(fonction: Callable) -> Callable:
    """Register ``fonction(dossier) -> Suivi | None``; registering twice is a no-op."""
    if fonction not in _fournisseurs:
        _fournisseurs.append(fonction)
    return fonction


def dernier_suivi(dossier) -> Suivi | None:
    """The last follow-up report's values (None without a report or without the follow-up)."""
    for fonction in _fournisseurs:
        suivi = fonction(dossier)
        if suivi is not None:
            return suivi
    return None


def valeurs_deposees(depot) -> dict[str, Valeur]:
    """The values of a dépôt's frozen content, by indicator code ({} without a dépôt)."""
    if depot is None:
        return {}
    return {
        i["code"]: Valeur(
            None if i.get("valeur") in (None, "") else Decimal(i["valeur"]),
            bool(i.get("non_applicable")),
        )
        for i in depot.contenu.get("indicateurs", [])
    }
