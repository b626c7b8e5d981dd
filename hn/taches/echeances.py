"""The deadline sweep (SPEC §9): a registry of kinds of deadline, run in order.

Each app registers its kinds with ``@echeance`` (dossiers: implicit refusal, initialisation,
reminders; the money follow-up adds its own). A kind receives today's date (Europe/Paris) and
a ``Bilan`` to fill. It must be idempotent: the due dates live on the rows, never in task ETAs,
and each event is notified under a key (``hn.notifications``), so a second run finds nothing
left to do. Each item is handled in its own transaction under ``unite``: a failure rolls back
that item only, is logged and counted, and the item — still due — is retried by the next run.
"""

import logging
from contextlib import contextmanager

from django.db import transaction

from hn.dates import aujourd_hui
from hn.notifications import courriels
from hn.notifications.services import en_lot
from hn.taches.registre import REGISTRE, Bilan, TypeEcheance, echeance, resume

# The registry lives in hn.taches.registre; the apps register their kinds from here.
__all__ = [
    "REGISTRE",
    "Bilan",
    "TypeEcheance",
    "balayer",
    "corps_echeances",
    "echeance",
    "resume",
    "unite",
]

logger = logging.getLogger(__name__)


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


def corps_echeances() -> tuple[dict, list[str]]:
    """The periodic task's body (``hn.taches.execution.executer``): the sweep, then the
    e-mails it queued."""
    bilans = balayer()
    envoi = courriels.envoyer()
    compteurs = {code: bilan.as_dict() for code, bilan in bilans.items()}
    compteurs["courriels"] = envoi.as_dict()
    erreurs = [e for bilan in bilans.values() for e in bilan.erreurs]
    return compteurs, erreurs
