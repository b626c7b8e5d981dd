"""The e-mail outbox: send what is pending, once; retry failures on the next run."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from hn.notifications.models import Notification, StatutCourriel

logger = logging.getLogger(__name__)

MAX_TENTATIVES = 5
DELAI_NOUVEL_ESSAI = dt.timedelta(minutes=5)  # a failed e-mail waits before its next try
LOT = 100


@dataclass
class BilanEnvoi:
    envoyes: int = 0
    echecs: int = 0
    abandonnes: int = 0

    def as_dict(self) -> dict:
        return {"envoyes": self.envoyes, "echecs": self.echecs, "abandonnes": self.abandonnes}


def message(notification: Notification) -> EmailMultiAlternatives:
    contexte = {
        "notification": notification,
        "destinataire": notification.destinataire,
        "lien": f"{settings.SITE_URL.rstrip('/')}{notification.lien}" if notification.lien else "",
        "site": settings.SITE_TITLE,
    }
    courriel = EmailMultiAlternatives(
        subject=f"[{settings.SITE_TITLE}] {notification.titre}",
        body=render_to_string("notifications/courriel.txt", contexte),
        to=[notification.destinataire.email],
    )
    courriel.attach_alternative(
        render_to_string("notifications/courriel.html", contexte), "text/html"
    )
    return courriel


def envoyer(lot: int = LOT) -> BilanEnvoi:
    """Send every pending e-mail, batch by batch. Rows being sent by another worker are
    skipped (``skip_locked``); a failure is recorded on its row and retried by a later run
    (``DELAI_NOUVEL_ESSAI`` after the previous try), up to ``MAX_TENTATIVES``, after which the
    row is marked failed (shown on the operations page) — the in-app notification stays."""
    bilan = BilanEnvoi()
    dernier = 0
    connexion = get_connection()
    maintenant = timezone.now()
    dus = Q(courriel_tentatives=0) | Q(courriel_essai_le__lte=maintenant - DELAI_NOUVEL_ESSAI)
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.courriels_a_envoyer()
                .filter(dus, pk__gt=dernier)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("destinataire")
                .order_by("pk")[:lot]
            )
            if not rows:
                break
            for notification in rows:
                notification.courriel_essai_le = timezone.now()
                try:
                    connexion.send_messages([message(notification)])
                except Exception as exc:
                    logger.exception("Courriel %s non envoyé", notification.pk)
                    notification.courriel_tentatives += 1
                    notification.courriel_erreur = f"{type(exc).__name__}: {exc}"[:1000]
                    if notification.courriel_tentatives >= MAX_TENTATIVES:
                        notification.courriel_statut = StatutCourriel.ECHEC
                        bilan.abandonnes += 1
                    bilan.echecs += 1
                else:
                    notification.courriel_statut = StatutCourriel.ENVOYE
                    notification.courriel_envoye_le = timezone.now()
                    notification.courriel_erreur = ""
                    bilan.envoyes += 1
            Notification.objects.bulk_update(
                rows,
                [
                    "courriel_statut",
                    "courriel_envoye_le",
                    "courriel_tentatives",
                    "courriel_erreur",
                    "courriel_essai_le",
                ],
            )
            dernier = rows[-1].pk
    return bilan
