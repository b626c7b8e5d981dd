from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from hn.comptes.scopes import acces

SYSTEME = "systeme"


class ImmutableError(Exception):
    pass


class EvenementQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """National: everything. ARS: its région's établissements and the ARS itself.
        ES: its établissements. Others: nothing."""
        a = acces(user)
        if a.national:
            return self
        regions = a.regions_lecture
        return self.filter(
            Q(region_id__in=regions)
            | Q(region__region_actuelle_id__in=regions)
            | Q(etablissement__region_id__in=regions)
            | Q(etablissement_id__in=a.etablissements_lecture)
        )

    def update(self, **kwargs):
        raise ImmutableError("Le journal ne peut pas être modifié.")

    def delete(self):
        raise ImmutableError("Le journal ne peut pas être supprimé.")


class Evenement(models.Model):
    """One traced action: who, when, what, on what, before/after. Append-only."""

    horodatage = models.DateTimeField(auto_now_add=True, db_index=True)
    acteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # The journal is never updated (a PostgreSQL trigger refuses it): deleting an account
        # leaves its rows untouched; ``acteur_nom`` keeps who it was.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # Kept even if the account is deleted; "systeme" for background tasks.
    acteur_nom = models.CharField("acteur", max_length=150)
    action = models.CharField(max_length=60, db_index=True)
    objet_type = models.CharField(max_length=60, blank=True)
    objet_id = models.CharField(max_length=60, blank=True)
    objet_libelle = models.CharField(max_length=255, blank=True)
    # Scope of who may read the row.
    etablissement = models.ForeignKey(
        "referentiel.Etablissement",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    region = models.ForeignKey(
        "referentiel.Region",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reserve_etablissement = models.BooleanField(
        "réservé à l'établissement",
        default=False,
        help_text="Contient des données en cours de saisie : lisible par l'établissement seul.",
    )
    avant = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    apres = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    commentaire = models.TextField(blank=True)

    objects = EvenementQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal"
        verbose_name_plural = "journal"
        ordering = ["-horodatage", "-id"]
        indexes = [models.Index(fields=["objet_type", "objet_id"], name="evenement_objet")]

    def __str__(self):
        return f"{self.horodatage:%d/%m/%Y %H:%M} {self.acteur_nom} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("Le journal ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Le journal ne peut pas être supprimé.")

    def valeurs_lisibles_par(self, user) -> bool:
        """Every reader of a row sees who did what and when; the before/after values of data
        typed by an établissement are for its own users only ("tant que le dossier n'est pas
        déposé ... il n'est pas consultable par l'ARS" [000 A9])."""
        return not self.reserve_etablissement or (
            self.etablissement_id in acces(user).etablissements
        )
