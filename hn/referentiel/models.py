from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from hn.comptes.scopes import acces
from hn.referentiel import regles
from hn.referentiel.enums import (
    Activite,
    CategorieCode,
    Decoupage,
    Statut,
    TypeIndicateur,
    VolumeActivite,
)
from hn.referentiel.finess import valider_finess


class RegionQuerySet(models.QuerySet):
    def actuelles(self):
        return self.filter(decoupage=Decoupage.ACTUEL)

    def couvertes_par(self, region):
        """The current région and every former région mapped onto it (SPEC §2)."""
        return self.filter(Q(pk=region.pk) | Q(region_actuelle=region))


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3)
    nom = models.CharField(max_length=100)
    decoupage = models.CharField(max_length=10, choices=Decoupage.choices)
    region_actuelle = models.ForeignKey(
        "self",
        verbose_name="région actuelle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="anciennes_regions",
        help_text="Pour une région d'avant 2016 : la région actuelle qui la couvre.",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "région"
        ordering = ["decoupage", "nom"]
        constraints = [
            models.UniqueConstraint(fields=["code", "decoupage"], name="region_code_unique"),
            models.CheckConstraint(
                condition=Q(decoupage=Decoupage.ACTUEL, region_actuelle__isnull=True)
                | Q(decoupage=Decoupage.ANCIEN, region_actuelle__isnull=False),
                name="region_ancienne_a_une_region_actuelle",
            ),
        ]
        permissions = [
            ("consulter_dossiers_region", "Consulter les dossiers de la région"),
            ("instruire_dossiers", "Instruire les dossiers de la région (CMSI)"),
            ("auditer", "Conduire les audits assignés dans la région"),
            ("administrer_comptes_region", "Administrer les comptes de l'ARS"),
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"

    @property
    def est_actuelle(self):
        return self.decoupage == Decoupage.ACTUEL


class Programme(models.Model):
    code = models.SlugField(max_length=20, unique=True)
    nom = models.CharField(max_length=100)
    decoupage = models.CharField(
        "découpage régional des enveloppes", max_length=10, choices=Decoupage.choices
    )
    annee_reference_activite = models.PositiveSmallIntegerField("année de référence d'activité")
    montant_total_publie = models.DecimalField(
        "montant total publié (€)", max_digits=14, decimal_places=2
    )
    part_amorcage = models.DecimalField(
        "part d'amorçage", max_digits=4, decimal_places=2, default=Decimal("0.20")
    )
    source = models.TextField(blank=True)
    ordre = models.PositiveSmallIntegerField(default=0)
    eligibilite = models.JSONField(
        "règles d'éligibilité",
        default=list,
        blank=True,
        help_text="Contrôles d'éligibilité applicables (SPEC §6), avec leurs paramètres : "
        "voir dossiers/eligibilite.py pour les règles connues.",
    )

    class Meta:
        ordering = ["ordre", "code"]
        permissions = [
            ("consulter_tout", "Consulter toutes les régions (niveau national)"),
            ("piloter", "Piloter les programmes (référentiels, enveloppes)"),
            ("administrer_comptes_national", "Administrer les comptes nationaux"),
        ]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("referentiel:programme", args=[self.code])

    def regles(self) -> regles.ReglesProgramme:
        """The programme's money rules as plain data (3 queries)."""
        grilles: dict = {}
        for ligne in GrilleForfait.objects.filter(domaine__programme=self).select_related(
            "domaine"
        ):
            grilles.setdefault(ligne.domaine.code, {}).setdefault(ligne.avance, {})[
                ligne.categorie
            ] = regles.Tranche(ligne.montant_min, ligne.montant_max)
        return regles.ReglesProgramme(
            coefficients={c.volume: c.coefficient for c in self.coefficients.all()},
            categories=tuple(
                regles.Categorie(c.code, c.borne_min, c.borne_max) for c in self.categories.all()
            ),
            grilles=grilles,
        )


class Echeance(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="calendrier")
    code = models.SlugField(max_length=50)
    libelle = models.CharField("libellé", max_length=200)
    date = models.DateField()
    date_a_confirmer = models.BooleanField(
        "date à confirmer", default=False, help_text="Date absente ou imprécise dans les textes."
    )
    source = models.TextField(blank=True)

    class Meta:
        verbose_name = "échéance du calendrier"
        ordering = ["programme", "date"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="echeance_unique"),
        ]

    def __str__(self):
        return f"{self.programme.code} — {self.libelle} : {self.date:%d/%m/%Y}"


class Engagement(models.Model):
    """A box of the dossier's first page: all must be ticked before anything else is entered."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="engagements")
    code = models.SlugField(max_length=40)
    libelle = models.TextField("libellé")
    source = models.TextField(blank=True)
    ordre = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="engagement_unique"),
        ]

    def __str__(self):
        return f"{self.programme.code} — {self.libelle[:60]}"


class CoefficientActivite(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="coefficients")
    volume = models.CharField(max_length=40, choices=VolumeActivite.choices)
    coefficient = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "coefficient d'activité combinée"
        constraints = [
            models.UniqueConstraint(fields=["programme", "volume"], name="coefficient_unique"),
            models.CheckConstraint(condition=Q(coefficient__gte=0), name="coefficient_positif"),
        ]

    def __str__(self):
        return f"{self.programme.code} : {self.coefficient} × {self.get_volume_display()}"


class Categorie(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="categories")
    code = models.CharField(max_length=1, choices=CategorieCode.choices)
    borne_min = models.PositiveIntegerField("borne inférieure (incluse)")
    borne_max = models.PositiveIntegerField(
        "borne supérieure",
        help_text="Exclue ; pour la dernière catégorie, activité au-delà de laquelle le forfait "
        "est plafonné.",
    )

    class Meta:
        verbose_name = "catégorie d'activité"
        ordering = ["programme", "borne_min"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="categorie_unique"),
            models.CheckConstraint(
                condition=Q(borne_max__gt=models.F("borne_min")), name="categorie_bornes"
            ),
        ]

    def __str__(self):
        return f"{self.programme.code} {self.code} [{self.borne_min} ; {self.borne_max}["


class Prerequis(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="prerequis")
    code = models.CharField(max_length=10)
    libelle = models.CharField("libellé", max_length=200)
    ordre = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "prérequis"
        verbose_name_plural = "prérequis"
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="prerequis_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.libelle}"


class Domaine(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="domaines")
    code = models.CharField(max_length=10)
    libelle = models.CharField("libellé", max_length=200)
    ordre = models.PositiveSmallIntegerField(default=0)
    avance_indicateur = models.CharField(
        "indicateur de la condition du forfait avancé", max_length=10, blank=True
    )
    avance_condition = models.TextField("condition du forfait avancé", blank=True)

    class Meta:
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="domaine_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.libelle}"


class Indicateur(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="indicateurs")
    prerequis = models.ForeignKey(
        Prerequis, null=True, blank=True, on_delete=models.CASCADE, related_name="indicateurs"
    )
    domaine = models.ForeignKey(
        Domaine, null=True, blank=True, on_delete=models.CASCADE, related_name="indicateurs"
    )
    code = models.CharField(max_length=10)
    libelle = models.TextField("libellé")
    type = models.CharField(max_length=10, choices=TypeIndicateur.choices)
    cible = models.DecimalField("cible (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    cible_a_confirmer = models.BooleanField(
        "cible à confirmer",
        default=False,
        help_text="La cible n'est pas donnée par les textes : à confirmer par le niveau national.",
    )
    cible_libelle = models.TextField("libellé de la cible", blank=True)
    libelle_a_confirmer = models.BooleanField(
        "libellé à confirmer",
        default=False,
        help_text="Libellé reconstitué : le texte officiel n'est pas dans les sources.",
    )
    source = models.TextField(blank=True)
    # The indicator's "déclinaison GHT" [003 A1]: what convergence means for it across a GHT.
    # Non-empty makes it a convergence indicator, answered by GHT dossiers [SPEC §10].
    declinaison_ght = models.TextField("déclinaison GHT", blank=True)
    ordre = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicateur_unique"),
            models.CheckConstraint(
                condition=Q(prerequis__isnull=True, domaine__isnull=False)
                | Q(prerequis__isnull=False, domaine__isnull=True),
                name="indicateur_prerequis_ou_domaine",
            ),
            models.CheckConstraint(
                condition=Q(type=TypeIndicateur.EXISTENCE, cible__isnull=True)
                | Q(type=TypeIndicateur.TAUX, cible__isnull=False, cible__gte=0, cible__lte=100)
                | Q(type=TypeIndicateur.TAUX, cible__isnull=True, cible_a_confirmer=True),
                name="indicateur_cible_coherente",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.libelle[:60]}"

    def est_atteint(self, valeur) -> bool | None:
        """Whether a declared value meets the target (None when the target is unknown)."""
        if self.type == TypeIndicateur.EXISTENCE:
            return bool(valeur)
        if self.cible is None or valeur is None:
            return None
        return Decimal(valeur) >= self.cible


class GrilleForfait(models.Model):
    domaine = models.ForeignKey(Domaine, on_delete=models.CASCADE, related_name="grille")
    categorie = models.CharField(max_length=1, choices=CategorieCode.choices)
    avance = models.BooleanField("forfait avancé", default=False)
    montant_min = models.DecimalField("minimum (€)", max_digits=12, decimal_places=2)
    montant_max = models.DecimalField("maximum (€)", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "ligne de grille de forfait"
        ordering = ["domaine", "avance", "categorie"]
        constraints = [
            models.UniqueConstraint(
                fields=["domaine", "categorie", "avance"], name="grille_unique"
            ),
            models.CheckConstraint(
                condition=Q(montant_max__gte=models.F("montant_min"), montant_min__gte=0),
                name="grille_min_max",
            ),
        ]

    def __str__(self):
        suffix = " avancé" if self.avance else ""
        return (
            f"{self.domaine.code}{suffix} {self.categorie} : {self.montant_min}–{self.montant_max}"
        )


class GHT(models.Model):
    nom = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ghts")
    support = models.OneToOneField(
        "Etablissement",
        verbose_name="établissement support",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ght_support",
    )

    class Meta:
        verbose_name = "groupement hospitalier de territoire"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class EtablissementQuerySet(models.QuerySet):
    def visibles_par(self, user):
        return acces(user).filtrer_etablissements(self)


class Etablissement(models.Model):
    finess = models.CharField("FINESS", max_length=9, unique=True, validators=[valider_finess])
    raison_sociale = models.CharField(max_length=200)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="etablissements",
        limit_choices_to={"decoupage": Decoupage.ACTUEL},
    )
    region_historique = models.ForeignKey(
        Region,
        verbose_name="région d'avant 2016",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="etablissements_historiques",
        limit_choices_to={"decoupage": Decoupage.ANCIEN},
    )
    statut = models.CharField(max_length=20, choices=Statut.choices)
    mco = models.BooleanField("MCO", default=False)
    ssr = models.BooleanField("SSR", default=False)
    psy = models.BooleanField("PSY", default=False)
    had = models.BooleanField("HAD", default=False)
    ght = models.ForeignKey(
        GHT, null=True, blank=True, on_delete=models.SET_NULL, related_name="membres"
    )

    objects = EtablissementQuerySet.as_manager()

    class Meta:
        verbose_name = "établissement de santé"
        verbose_name_plural = "établissements de santé"
        ordering = ["raison_sociale"]
        permissions = [
            ("consulter_dossiers", "Consulter les dossiers de l'établissement"),
            ("saisir_dossiers", "Saisir, compléter et déposer les dossiers de l'établissement"),
            ("administrer_comptes_etablissement", "Administrer les comptes de l'établissement"),
        ]

    def __str__(self):
        return f"{self.raison_sociale} ({self.finess})"

    def get_absolute_url(self):
        return reverse("referentiel:etablissement", args=[self.finess])

    def clean(self):
        if (
            self.region_historique_id
            and self.region_id
            and self.region_historique.region_actuelle_id != self.region_id
        ):
            raise ValidationError(
                {"region_historique": "Cette ancienne région n'est pas couverte par la région."}
            )

    @property
    def activites(self) -> list[str]:
        return [a.value for a in Activite if getattr(self, a.value)]

    @property
    def est_support_ght(self) -> bool:
        return self.ght_id is not None and self.ght.support_id == self.pk


class ActiviteEtablissement(models.Model):
    """Activity figures of the programme's reference year (HN: 2011, HOP'EN: 2017)."""

    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="volumes"
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    journees_mco = models.PositiveIntegerField("journées MCO", default=0)
    seances_mco = models.PositiveIntegerField("séances MCO", default=0)
    hdj_chirurgie_ambulatoire = models.PositiveIntegerField(
        "HDJ de chirurgie ambulatoire", default=0
    )
    hdj_hors_chirurgie_ambulatoire = models.PositiveIntegerField(
        "HDJ hors chirurgie ambulatoire", default=0
    )
    journees_ssr = models.PositiveIntegerField("journées SSR", default=0)
    journees_psy = models.PositiveIntegerField("journées PSY", default=0)
    journees_had = models.PositiveIntegerField("journées HAD", default=0)

    class Meta:
        verbose_name = "activité de l'année de référence"
        verbose_name_plural = "activités de l'année de référence"
        constraints = [
            models.UniqueConstraint(fields=["etablissement", "programme"], name="activite_unique"),
        ]

    def __str__(self):
        return f"{self.etablissement.finess} — {self.programme.code}"

    def volumes(self) -> dict[str, int]:
        return {v.value: getattr(self, v.value) for v in VolumeActivite}


# --- django-guardian: direct foreign-key object-permission tables ----------------------------
# Group-based rights per établissement and per région (see hn/comptes/roles.py). Direct tables
# keep real foreign keys (no cast, no orphan) instead of guardian's generic ones.


class EtablissementUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Etablissement, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "droit d'un compte sur un établissement"


class EtablissementGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Etablissement, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "droit d'un groupe sur un établissement"


class RegionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "droit d'un compte sur une région"


class RegionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Region, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "droit d'un groupe sur une région"
