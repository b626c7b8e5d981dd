from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum


class EnveloppeQuerySet(models.QuerySet):
    def total(self):
        """Sum of the regional lines as published (not the programme's published total)."""
        return self.aggregate(total=Sum("montant_publie"))["total"]


class Enveloppe(models.Model):
    """A région's envelope for a whole programme, as published [000 A1, 003 A2].

    HN envelopes are set on the 26 former régions, HOP'EN's on the 18 current ones.
    """

    programme = models.ForeignKey(
        "referentiel.Programme", on_delete=models.PROTECT, related_name="enveloppes"
    )
    region = models.ForeignKey(
        "referentiel.Region", on_delete=models.PROTECT, related_name="enveloppes"
    )
    montant_publie = models.DecimalField("montant publié (€)", max_digits=14, decimal_places=2)

    objects = EnveloppeQuerySet.as_manager()

    class Meta:
        verbose_name = "enveloppe régionale"
        verbose_name_plural = "enveloppes régionales"
        ordering = ["programme", "region__nom"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "region"], name="enveloppe_unique"),
            models.CheckConstraint(condition=Q(montant_publie__gte=0), name="enveloppe_positive"),
        ]

    def __str__(self):
        return f"{self.programme.code} — {self.region.nom}"

    def clean(self):
        if self.region.decoupage != self.programme.decoupage:
            raise ValidationError(
                {"region": "Cette région n'appartient pas au découpage régional du programme."}
            )

    @property
    def plafond_amorcage(self):
        return self.montant_publie * self.programme.part_amorcage


def enveloppes_visibles(user):
    """Envelopes a user may read: national all; an ARS its région and its former régions."""
    from hn.comptes.scopes import acces

    a = acces(user)
    qs = Enveloppe.objects.select_related("programme", "region", "region__region_actuelle")
    if a.national:
        return qs
    regions = a.regions_lecture
    return qs.filter(Q(region_id__in=regions) | Q(region__region_actuelle_id__in=regions))
