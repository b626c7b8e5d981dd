"""Celery tasks of the envelopes: the annual synthesis PDF, produced out of the request
(``enveloppes.documents`` renders and stores it; ``demander`` queues it)."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError
from kombu.exceptions import OperationalError

from enveloppes import documents
from enveloppes.models import Enveloppe

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="enveloppes.synthese_pdf",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def produire_synthese_pdf(self, enveloppe_id: int, annee: int, demandeur_id: int | None = None):
    enveloppe = Enveloppe.objects.select_related("programme", "region").get(pk=enveloppe_id)
    demandeur = get_user_model().objects.filter(pk=demandeur_id).first() if demandeur_id else None
    # Run eagerly (no broker) the PDF is served by the request that asked: no notification.
    return documents.produire(enveloppe, annee, demandeur, notifier_pret=not self.request.is_eager)


def demander(doc: documents.DocumentSynthese, demandeur) -> None:
    """Queue the production of this content unless one is already under way (or failed a
    moment ago). In eager mode the PDF is stored when this returns."""
    if documents.en_echec(doc):
        return
    if not cache.add(documents.verrou(doc), "1", documents.DUREE_VERROU) and cache.get(
        documents.verrou(doc)
    ):
        return  # under way (a cache that does not answer holds no lock: produce anyway)
    e = doc.synthese.enveloppe
    try:
        produire_synthese_pdf.delay(e.pk, doc.synthese.annee, demandeur.pk)
    except OperationalError:
        # No broker: produce it here, as in eager mode (the request is slower, not refused).
        logger.warning("File de tâches indisponible : PDF de synthèse produit dans la requête.")
        cache.delete(documents.verrou(doc))
        documents.produire(e, doc.synthese.annee, demandeur, notifier_pret=False)
