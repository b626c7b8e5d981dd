"""Celery tasks of the envelopes: the annual synthesis PDF, produced out of the request."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from enveloppes.documents import produire
from enveloppes.models import Enveloppe


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
    return produire(enveloppe, annee, demandeur, notifier_pret=not self.request.is_eager)
