"""The registry of the kinds of deadline the sweep runs (``hn.taches.echeances``), and how a
kind's counters read: apart from the sweep so that a recorded run (``ExecutionTache.bilan``)
reads its summary without importing what the sweep runs."""

from collections.abc import Callable
from dataclasses import dataclass, field

from hn.formats import compter


@dataclass
class Bilan:
    traites: int = 0
    notifications: int = 0
    erreurs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "traites": self.traites,
            "notifications": self.notifications,
            "erreurs": len(self.erreurs),
        }


@dataclass(frozen=True)
class TypeEcheance:
    code: str
    libelle: str
    unite: str  # what was done, e.g. "dossier(s) refusé(s)": agreed by hn.formats.accorder
    fonction: Callable


REGISTRE: dict[str, TypeEcheance] = {}


def echeance(code: str, libelle: str, unite: str):
    def inscrire(fonction):
        REGISTRE[code] = TypeEcheance(code, libelle, unite, fonction)
        return fonction

    return inscrire


def resume(code: str, compteurs: dict, *, pour_page: bool = False) -> str:
    """The one-line summary of a kind (``Bilan.as_dict()``), as ``run_deadlines`` prints it
    (named by its code); ``pour_page``: named by its French label (the operations page). Also
    the e-mail outbox's line (``BilanEnvoi.as_dict()``)."""
    if code == "courriels":
        return (
            f"{'Courriels' if pour_page else 'courriels'} : "
            f"{compter(compteurs['envoyes'], 'envoyé(s)')}, "
            f"{compteurs['echecs']} en échec (nouvel essai au prochain passage)"
        )
    nom = REGISTRE[code].libelle if pour_page else code
    return (
        f"{nom} : {compter(compteurs['traites'], REGISTRE[code].unite)}, "
        f"{compter(compteurs['notifications'], 'notification(s)')}, "
        f"{compter(compteurs['erreurs'], 'erreur(s)')}"
    )
