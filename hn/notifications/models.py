"""In-app notifications, each doubled by an e-mail sent from an outbox.

A notification is keyed by ``(destinataire, cle)``: the key names the event (e.g. the implicit
refusal of dossier 42 at its deadline), so notifying it again — a sweep run twice, two workers
at once — creates nothing more. The e-mail part is an outbox: the row is written in the same
transaction as the event, and ``hn.notifications.courriels.envoyer`` sends what is pending,
marks it sent, and retries failures on its next run (nothing is lost when SMTP or the broker is
down).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Categorie(models.TextChoices):
    DOSSIER = "dossier", "Dossier"
    RAPPEL = "rappel", "Rappel d'échéance"
    RETARD = "retard", "Échéance dépassée"
    REFUS_IMPLICITE = "refus_implicite", "Refus implicite"
    DOCUMENT = "document", "Document prêt"


class StatutCourriel(models.TextChoices):
    SANS = "sans", "Pas de courriel"
    A_ENVOYER = "a_envoyer", "À envoyer"
    ENVOYE = "envoye", "Envoyé"
    ECHEC = "echec", "Échec définitif"


class NotificationQuerySet(models.QuerySet):
    def non_lues(self):
        return self.filter(lue_le__isnull=True)

    def courriels_a_envoyer(self):
        return self.filter(courriel_statut=StatutCourriel.A_ENVOYER)


class Notification(models.Model):
    destinataire = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cle = models.CharField("clé de l'événement", max_length=200)
    categorie = models.CharField(max_length=20, choices=Categorie.choices)
    titre = models.CharField(max_length=200)
    message = models.TextField()
    lien = models.CharField(max_length=300, blank=True)
    creee_le = models.DateTimeField("créée le", auto_now_add=True)
    lue_le = models.DateTimeField("lue le", null=True, blank=True)

    courriel_statut = models.CharField(
        max_length=10, choices=StatutCourriel.choices, default=StatutCourriel.A_ENVOYER
    )
    courriel_tentatives = models.PositiveSmallIntegerField(default=0)
    courriel_erreur = models.TextField(blank=True)
    courriel_essai_le = models.DateTimeField("dernier essai d'envoi", null=True, blank=True)
    courriel_envoye_le = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-creee_le", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["destinataire", "cle"], name="notification_unique"),
        ]
        indexes = [
            models.Index(fields=["cle"], name="notification_cle"),
            models.Index(
                fields=["destinataire"],
                condition=Q(lue_le__isnull=True),
                name="notification_non_lue",
            ),
            models.Index(
                fields=["id"],
                condition=Q(courriel_statut="a_envoyer"),
                name="notification_courriel_du",
            ),
        ]

    def __str__(self):
        return f"{self.titre} → {self.destinataire}"

    @property
    def lue(self) -> bool:
        return self.lue_le is not None
