"""What the dossier's life announces to the apps built on it (issue 18: ``dossiers`` never
imports them).

``dossiers.actions`` calls :func:`annoncer` at two points of a dossier's life:

- ``ACCEPTE``: the dossier has just been accepted and traced; handlers receive ``dossier``
  (locked), ``acting_user``, ``le`` (the decision date), ``amorcage`` (``{domaine: montant}``
  or None) and ``derogation`` (bool). The follow-up enters its domaines, the ledger engages the
  forfaits then decides the amorçage.
- ``CLOTURE``: the ARS closes the whole dossier; handlers run *before* the dossier's own
  transition (its domaines are closed and their money released first, as the trace reads
  them) and receive ``dossier``, ``motif``, ``commentaire``, ``acting_user``, ``le``.

An app registers its handlers in its ``AppConfig.ready()`` with ``@abonner(EVENEMENT,
ordre=n)``. Handlers run synchronously in ``ordre`` order (then registration order), inside
the action's transaction and under the dossier's row lock: an exception in a handler (a
refused amount, for instance) propagates to the caller and the whole action is rolled back.
"""

from collections.abc import Callable
from dataclasses import dataclass

ACCEPTE = "accepte"
CLOTURE = "cloture"


@dataclass(frozen=True)
class Abonnement:
    ordre: int
    fonction: Callable


ABONNEMENTS: dict[str, list[Abonnement]] = {ACCEPTE: [], CLOTURE: []}


def abonner(evenement: str, *, ordre: int):
    """Register the decorated function for ``evenement``; registering the same function again
    (an app's ``ready()`` run twice) replaces it."""

    def inscrire(fonction):
        nom = f"{fonction.__module__}.{fonction.__qualname__}"
        abonnes = [
            a
            for a in ABONNEMENTS[evenement]
            if f"{a.fonction.__module__}.{a.fonction.__qualname__}" != nom
        ]
        abonnes.append(Abonnement(ordre, fonction))
        # sorted() is stable: equal ``ordre`` keep their registration order.
        ABONNEMENTS[evenement] = sorted(abonnes, key=lambda a: a.ordre)
        return fonction

    return inscrire


def annoncer(evenement: str, **contexte) -> None:
    """Run every handler of ``evenement`` in order; the first exception stops and propagates."""
    for abonnement in ABONNEMENTS[evenement]:
        abonnement.fonction(**contexte)
