"""The call for applications a dossier request may depend on, as the app above knows it (the
layers point one way: ``dossiers`` never imports ``candidatures``).

A programme that has a campaign selects in two steps [SPEC §7; 003 §5.3.2]: an établissement
may ask for its dossier only once its pré-candidature was pre-selected, and the pre-selected
domaines and forecast semesters pre-fill the new dossier. ``candidatures`` registers, from its
``AppConfig.ready()``, the function that answers: ``fournir(fonction)``,
``fonction(programme, etablissement) -> Preselection | None`` (None: the programme has no
campaign, nothing is required).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from dossiers.models import DomaineDossier


@dataclass(frozen=True)
class Preselection:
    """``refus``: why the établissement may not ask yet (None: it may). ``domaines``: the
    pre-selected domaines, code → target date (the last day of the forecast semester)."""

    refus: str | None = None
    domaines: dict[str, dt.date | None] = field(default_factory=dict)


_fournisseurs: list[Callable] = []


def fournir(fonction: Callable) -> Callable:
    """Register ``fonction``; registering twice is a no-op."""
    if fonction not in _fournisseurs:
        _fournisseurs.append(fonction)
    return fonction


def preselection(programme, etablissement) -> Preselection | None:
    for fonction in _fournisseurs:
        resultat = fonction(programme, etablissement)
        if resultat is not None:
            return resultat
    return None


def refus_sans_preselection(programme, etablissement) -> str | None:
    """Why the établissement may not ask for a dossier of ``programme`` yet (None: it may)."""
    selection = preselection(programme, etablissement)
    return selection.refus if selection is not None else None


def domaines_initiaux(dossier) -> list:
    """A new dossier's domaines (unsaved), the pre-selected ones requested with their target
    date; every domaine unrequested when the programme has no campaign."""
    selection = preselection(dossier.programme, dossier.etablissement)
    retenus = selection.domaines if selection is not None else {}
    return [
        DomaineDossier(
            dossier=dossier, domaine=d, demande=d.code in retenus, date_cible=retenus.get(d.code)
        )
        for d in dossier.programme.domaines.all()
    ]
