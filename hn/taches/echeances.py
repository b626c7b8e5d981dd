"""The deadline sweep (SPEC §9): a registry of kinds of deadline, run in order.

Each app registers its kinds with ``@echeance`` (dossiers: implicit refusal, initialisation,
reminders; the money follow-up adds its own). A kind receives today's date (Europe/Paris) and
a ``Bilan`` to fill. It must be idempotent: the due dates live on the rows, never in task ETAs,
and each event is notified under a key (``hn.notifications``), so a second run finds nothing
left to do. Each item is handled in its own transaction under ``unite``: a failure rolls back
that item only, is logged and counted, and the item — still due — is retried by the next run.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from hn.dates import aujourd_hui
from hn.notifications.services import en_lot

logger = logging.getLogger(__name__)


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
    unite: str  # how the summary line names what was done, e.g. "dossier(s) refusé(s)"
    fonction: Callable


REGISTRE: dict[str, TypeEcheance] = {}


def echeance(code: str, libelle: str, unite: str):
    def inscrire(fonction):
        REGISTRE[code] = TypeEcheance(code, libelle, unite, fonction)
        return fonction

    return inscrire


@contextmanager
def unite(bilan: Bilan, libelle: str):
    """One item, one transaction; an error is recorded and does not stop the sweep. The
    notifications the item creates are counted once it commits."""
    try:
        with en_lot() as lot, transaction.atomic():
            yield
        bilan.notifications += lot.nombre
    except Exception as exc:
        logger.exception("Échéance non traitée : %s", libelle)
        bilan.erreurs.append(f"{libelle} : {type(exc).__name__}: {exc}")


def balayer(jour=None) -> dict[str, Bilan]:
    """Evaluate every registered deadline once, as of ``jour`` (today in Paris)."""
    jour = jour or aujourd_hui()
    bilans = {}
    for code, type_ in REGISTRE.items():
        bilan = Bilan()
        try:
            type_.fonction(jour, bilan)
        except Exception as exc:  # the candidates query itself failed: the next kinds still run
            logger.exception("Balayage %s interrompu", code)
            bilan.erreurs.append(f"{type_.libelle} : {type(exc).__name__}: {exc}")
        bilans[code] = bilan
    return bilans


def resume(code: str, compteurs: dict) -> str:
    """The one-line summary of a kind (``Bilan.as_dict()``), as ``run_deadlines`` prints it;
    also the e-mail outbox's line (``BilanEnvoi.as_dict()``)."""
    if code == "courriels":
        return (
            f"courriels : {compteurs['envoyes']} envoyé(s), {compteurs['echecs']} en échec "
            "(nouvel essai au prochain passage)"
        )
    return (
        f"{code} : {compteurs['traites']} {REGISTRE[code].unite}, "
        f"{compteurs['notifications']} notification(s), {compteurs['erreurs']} erreur(s)"
    )
