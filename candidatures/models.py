"""Calls for applications and regional programmation [SPEC §7; 003 §5.3.2, A5].

- :class:`Campagne`: a programme's call (AMI), with the dates every rule reads and the
  semesters it offers. The HOP'EN 2019 AMI is built from the programme's calendar
  (``candidatures.calendrier``); the national level opens further ones.
- :class:`Precandidature`: one per établissement and campaign; its state is a protected FSM
  field changed only by ``candidatures.actions`` under the row lock.
- :class:`DomaineCandidature`: a domaine applied for, with its forecast semester (no semester,
  no line: no application on that domaine [003 A5]).
- :class:`Programmation`: a région's programmation of a campaign, the row locked by every edit
  and transmission; :class:`Ajustement` the CMSI's amorçage of a line, :class:`Version` a
  dated transmission to the national level (its lines frozen).
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from candidatures.enums import EtatPrecandidature, Position
from candidatures.regles import Calendrier
from hn.comptes.scopes import acces

SEMESTRE = RegexValidator(r"^\d{4}S[12]$", "Un semestre s'écrit comme 2020S2.")


def champ_semestre(verbose_name, **kw):
    return models.CharField(verbose_name, max_length=6, blank=True, validators=[SEMESTRE], **kw)


class Campagne(models.Model):
    programme = models.ForeignKey(
        "referentiel.Programme", on_delete=models.PROTECT, related_name="campagnes"
    )
    code = models.SlugField(
        max_length=40, help_text="Identifiant stable (celle du calendrier : « ami-2019 »)."
    )
    libelle = models.CharField("libellé", max_length=200)
    ouverture = models.DateField()
    cloture = models.DateField("clôture")
    programmation_avant = models.DateField("programmation des ARS attendue au plus tard le")
    reponse_avant = models.DateField("réponse aux établissements au plus tard le")
    tardives_jusqu_au = models.DateField("candidatures tardives jusqu'au")
    premier_semestre = champ_semestre("premier semestre proposé")
    dernier_semestre_prerequis = champ_semestre("dernier semestre proposé pour les prérequis")
    dernier_semestre_cibles = champ_semestre("dernier semestre proposé pour les cibles")
    source = models.TextField(blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Vide pour une campagne issue du calendrier du programme.",
    )

    class Meta:
        ordering = ["-ouverture", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="campagne_unique"),
            models.CheckConstraint(
                condition=Q(cloture__gt=models.F("ouverture"))
                & Q(programmation_avant__gte=models.F("cloture"))
                & Q(reponse_avant__gte=models.F("cloture"))
                & Q(tardives_jusqu_au__gte=models.F("cloture")),
                name="campagne_dates_ordonnees",
            ),
        ]

    def __str__(self):
        return self.libelle

    @property
    def calendrier(self) -> Calendrier:
        return Calendrier(
            self.ouverture,
            self.cloture,
            self.programmation_avant,
            self.reponse_avant,
            self.tardives_jusqu_au,
        )


class PrecandidatureQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """The ES its own, the ARS its région's (every ARS role), the national level all; a
        GHT's support also its members' (to validate them, SPEC §10)."""
        a = acces(user)
        if a.national:
            return self
        return self.filter(
            Q(etablissement_id__in=a.etablissements_lecture)
            | Q(region_id__in=a.regions_lecture)
            | Q(etablissement__ght__support_id__in=a.etablissements_lecture)
        )


class Precandidature(FSMModelMixin, models.Model):
    campagne = models.ForeignKey(Campagne, on_delete=models.PROTECT, related_name="precandidatures")
    etablissement = models.ForeignKey(
        "referentiel.Etablissement", on_delete=models.PROTECT, related_name="precandidatures"
    )
    region = models.ForeignKey(
        "referentiel.Region",
        verbose_name="région",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="La région (actuelle) de l'établissement, celle de l'ARS qui répond.",
    )
    etat = FSMField(
        default=EtatPrecandidature.BROUILLON, choices=EtatPrecandidature.choices, protected=True
    )
    tardive = models.BooleanField(
        default=False, help_text="Créée ou transmise après la clôture de l'appel."
    )
    # (2) manifestation d'intérêt
    position = models.CharField(max_length=20, choices=Position.choices, blank=True)
    prerequis_hn_atteints = models.BooleanField("prérequis HN atteints", null=True, blank=True)
    semestre_prerequis_hn = champ_semestre("semestre prévisionnel d'atteinte des prérequis HN")
    semestre_prerequis_hopen = champ_semestre(
        "semestre prévisionnel d'atteinte des prérequis HOP'EN"
    )
    # (3) contacts
    referent_nom = models.CharField("nom du référent", max_length=200, blank=True)
    referent_fonction = models.CharField("fonction du référent", max_length=200, blank=True)
    referent_email = models.CharField("courriel du référent", max_length=254, blank=True)
    referent_telephone = models.CharField("téléphone du référent", max_length=30, blank=True)
    representant_nom = models.CharField("nom du représentant légal", max_length=200, blank=True)
    representant_fonction = models.CharField(
        "fonction du représentant légal", max_length=200, blank=True
    )
    representant_email = models.CharField(
        "courriel du représentant légal", max_length=254, blank=True
    )
    representant_telephone = models.CharField(
        "téléphone du représentant légal", max_length=30, blank=True
    )
    # (4) comment
    commentaire = models.TextField(blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    transmise_le = models.DateTimeField("transmise le", null=True, blank=True)
    transmise_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commentaire_decision = models.TextField("commentaire de l'ARS", blank=True)
    # A GHT member's pré-candidature is validated by its GHT's support before it is
    # transmitted [SPEC §7, §10]; a change by the member afterwards voids the validation.
    validee_par_support_le = models.DateTimeField(
        "validée par l'établissement support le", null=True, blank=True
    )
    validee_par_support_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reponse_tardive = models.BooleanField(
        "réponse tardive",
        default=False,
        help_text="L'ARS a répondu après la date de réponse de la campagne.",
    )

    objects = PrecandidatureQuerySet.as_manager()

    class Meta:
        verbose_name = "pré-candidature"
        ordering = ["campagne", "etablissement__finess"]
        constraints = [
            models.UniqueConstraint(
                fields=["campagne", "etablissement"],
                name="precandidature_unique",
                violation_error_message="L'établissement a déjà une pré-candidature dans cet "
                "appel.",
            ),
        ]
        indexes = [
            models.Index(fields=["campagne", "region", "etat"], name="precandidature_region"),
        ]

    def __str__(self):
        return f"Pré-candidature {self.etablissement.finess} — {self.campagne}"

    @property
    def support_ght(self):
        """The GHT's support that must validate this pré-candidature before its transmission
        (a member of a GHT other than its support), None otherwise [SPEC §10]."""
        etab = self.etablissement
        if etab.ght_id is None or etab.ght.support_id == etab.pk:
            return None
        return etab.ght.support

    @property
    def attend_validation_support(self) -> bool:
        return self.validee_par_support_le is None and self.support_ght is not None

    @transition(
        field=etat, source=EtatPrecandidature.BROUILLON, target=EtatPrecandidature.TRANSMISE
    )
    def transmettre(self):
        pass

    @transition(
        field=etat, source=EtatPrecandidature.TRANSMISE, target=EtatPrecandidature.PRESELECTIONNEE
    )
    def preselectionner(self):
        pass

    @transition(field=etat, source=EtatPrecandidature.TRANSMISE, target=EtatPrecandidature.REJETEE)
    def rejeter(self):
        pass


class DomaineCandidature(models.Model):
    precandidature = models.ForeignKey(
        Precandidature, on_delete=models.CASCADE, related_name="domaines"
    )
    domaine = models.ForeignKey("referentiel.Domaine", on_delete=models.PROTECT, related_name="+")
    semestre_cibles = champ_semestre("semestre prévisionnel d'atteinte des cibles")

    class Meta:
        verbose_name = "domaine candidaté"
        ordering = ["precandidature", "domaine__ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["precandidature", "domaine"], name="domaine_candidature_unique"
            ),
        ]

    def __str__(self):
        return f"{self.domaine.code} {self.semestre_cibles}"


class Programmation(models.Model):
    """A région's programmation of a campaign: the row locked by every edit and transmission."""

    campagne = models.ForeignKey(Campagne, on_delete=models.PROTECT, related_name="programmations")
    region = models.ForeignKey(
        "referentiel.Region", verbose_name="région", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["campagne", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["campagne", "region"], name="programmation_unique"),
        ]

    def __str__(self):
        return f"Programmation {self.campagne} — {self.region}"


class Ajustement(models.Model):
    """The CMSI's amorçage of one line (établissement, domaine), instead of 20 % of it."""

    programmation = models.ForeignKey(
        Programmation, on_delete=models.CASCADE, related_name="ajustements"
    )
    etablissement = models.ForeignKey(
        "referentiel.Etablissement", on_delete=models.PROTECT, related_name="+"
    )
    domaine = models.ForeignKey("referentiel.Domaine", on_delete=models.PROTECT, related_name="+")
    amorcage = models.PositiveIntegerField("amorçage (€)")
    modifie_le = models.DateTimeField(auto_now=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programmation", "etablissement", "domaine"], name="ajustement_unique"
            ),
        ]

    def __str__(self):
        return f"{self.etablissement_id} {self.domaine_id} : {self.amorcage} €"


class Version(models.Model):
    """A dated transmission of the programmation to the national level, its lines frozen."""

    programmation = models.ForeignKey(
        Programmation, on_delete=models.PROTECT, related_name="versions"
    )
    rang = models.PositiveSmallIntegerField()
    transmise_le = models.DateTimeField("transmise le")
    transmise_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    en_retard = models.BooleanField(default=False)
    lignes = models.JSONField(help_text="Les lignes transmises, telles que l'API les donne.")
    total = models.BigIntegerField()
    total_amorcage = models.BigIntegerField()
    enveloppe = models.DecimalField(max_digits=14, decimal_places=2)
    plafond_amorcage = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "version transmise"
        ordering = ["programmation", "rang"]
        constraints = [
            models.UniqueConstraint(fields=["programmation", "rang"], name="version_unique"),
        ]

    def __str__(self):
        return f"Version {self.rang} — {self.programmation}"
