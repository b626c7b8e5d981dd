"""Notify an event once per recipient, in the caller's transaction."""

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from hn.notifications.models import Notification, StatutCourriel
from hn.notifications.tasks import envoyer_courriels

logger = logging.getLogger(__name__)


@dataclass
class Lot:
    nombre: int = 0
    courriels: bool = True


_lot: ContextVar[Lot | None] = ContextVar("notifications_en_lot", default=None)


@contextmanager
def en_lot(*, courriels: bool = True):
    """Within this block notifications are counted and their e-mails are not queued one by
    one: the caller (the deadline sweep) sends the outbox once at the end of its run.
    ``courriels=False``: in-app only (the demo's fabricated history mails nobody)."""
    lot = Lot(courriels=courriels)
    jeton = _lot.set(lot)
    try:
        yield lot
    finally:
        _lot.reset(jeton)


def notifier(
    *,
    cle: str,
    destinataires: Iterable,
    categorie: str,
    titre: str,
    message: str,
    lien: str = "",
) -> int:
    """Create the notification of event ``cle`` for each recipient who does not have it yet.

    Returns the number created (0 when the event was already notified). The e-mails go out
    after the transaction commits, or, inside ``en_lot()``, with the caller's own call to
    ``courriels.envoyer``.
    """
    comptes = {u.pk: u for u in destinataires}
    if not comptes:
        return 0
    lot = _lot.get()
    avec_courriel = lot is None or lot.courriels
    deja = set(
        Notification.objects.filter(cle=cle, destinataire_id__in=comptes).values_list(
            "destinataire_id", flat=True
        )
    )
    nouvelles = [
        Notification(
            destinataire=u,
            cle=cle,
            categorie=categorie,
            titre=titre[:200],
            message=message,
            lien=lien,
            courriel_statut=(
                StatutCourriel.A_ENVOYER if u.email and avec_courriel else StatutCourriel.SANS
            ),
        )
        for pk, u in sorted(comptes.items())
        if pk not in deja
    ]
    cree = 0
    for notification in nouvelles:
        try:
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            continue  # a concurrent writer notified this recipient first: nothing is doubled
        cree += 1
    if lot is not None:
        lot.nombre += cree
    elif any(n.courriel_statut == StatutCourriel.A_ENVOYER for n in nouvelles if n.pk):
        transaction.on_commit(programmer_envoi)
    return cree


def programmer_envoi() -> None:
    """Queue the outbox task. When the broker is down the web request goes on: the e-mails
    stay in the outbox and the periodic run of the same task sends them."""
    try:
        envoyer_courriels.delay()
    except Exception:
        logger.warning(
            "File de tâches indisponible : les courriels partiront au prochain passage.",
            exc_info=True,
        )
