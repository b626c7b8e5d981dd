"""Semester follow-up reports of an accepted dossier [SPEC §5; 000 A4 §1, 003 A4].

A report is filed in one go by the ES gestionnaire and never changes afterwards (a new report
supersedes it): indicator values (prérequis and the domaines in follow-up), progress per
domaine, budget and human resources engaged. The funding check reads the latest report.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from dossiers.enums import Avancement


class RapportImmuable(Exception):
    pass


class RapportQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RapportImmuable("Un rapport de suivi déposé ne peut pas être modifié.")

    def delete(self):
        raise RapportImmuable("Un rapport de suivi déposé ne peut pas être supprimé.")


class Immuable(models.Model):
    """Written once, with its report; never changed (also refused by a PostgreSQL trigger)."""

    objects = RapportQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RapportImmuable("Un rapport de suivi déposé ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RapportImmuable("Un rapport de suivi déposé ne peut pas être supprimé.")


class RapportSuivi(Immuable):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="rapports"
    )
    rang = models.PositiveSmallIntegerField()
    arrete_le = models.DateField("valeurs arrêtées au")
    attendu_le = models.DateField("rapport attendu le", null=True, blank=True)
    depose_le = models.DateTimeField("déposé le", auto_now_add=True)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    budget_engage = models.DecimalField(
        "budget engagé depuis le début du projet (€)", max_digits=12, decimal_places=2
    )
    etp_engages = models.DecimalField(
        "ressources humaines engagées (ETP)", max_digits=6, decimal_places=2
    )
    commentaire = models.TextField(blank=True)

    class Meta:
        verbose_name = "rapport de suivi"
        ordering = ["dossier", "-rang"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "rang"], name="rapport_rang_unique"),
            models.CheckConstraint(
                condition=Q(budget_engage__gte=0, etp_engages__gte=0),
                name="rapport_moyens_positifs",
            ),
        ]

    def __str__(self):
        return f"Rapport {self.rang} du dossier {self.dossier.numero}"


class ValeurSuivi(Immuable):
    rapport = models.ForeignKey(RapportSuivi, on_delete=models.PROTECT, related_name="valeurs")
    indicateur = models.ForeignKey(
        "referentiel.Indicateur", on_delete=models.PROTECT, related_name="+"
    )
    # A GHT dossier's domaine indicators: one value per candidate member [SPEC §10].
    etablissement = models.ForeignKey(
        "referentiel.Etablissement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valeur = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    non_applicable = models.BooleanField("non applicable / non concerné", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rapport", "indicateur"],
                condition=Q(etablissement__isnull=True),
                name="valeur_suivi_unique",
            ),
            models.UniqueConstraint(
                fields=["rapport", "indicateur", "etablissement"],
                condition=Q(etablissement__isnull=False),
                name="valeur_suivi_membre_unique",
            ),
            models.CheckConstraint(
                condition=Q(valeur__isnull=True) | Q(valeur__gte=0, valeur__lte=100),
                name="valeur_suivi_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.rapport} {self.indicateur.code} = {self.valeur}"


class AvancementSuivi(Immuable):
    rapport = models.ForeignKey(RapportSuivi, on_delete=models.PROTECT, related_name="avancements")
    domaine_dossier = models.ForeignKey(
        "dossiers.DomaineDossier", on_delete=models.PROTECT, related_name="avancements"
    )
    avancement = models.CharField(max_length=20, choices=Avancement.choices)
    condition_avance = models.BooleanField(
        "condition du forfait avancé remplie",
        default=False,
        help_text="Interopérabilité exigée pour le forfait avancé (HOP'EN D1 et D6).",
    )
    commentaire = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rapport", "domaine_dossier"], name="avancement_suivi_unique"
            ),
        ]

    def __str__(self):
        return f"{self.rapport} {self.domaine_dossier.domaine.code}"
