"""Audits of the retained dossiers [SPEC §8; 000 A5, 003 A4 §1].

- :class:`Tirage`: one yearly draw per programme and région, with everything needed to recheck
  it (the sorted population, the seed, the sample in draw order), who drew it and when.
- :class:`Audit`: one per drawn dossier; its state is a protected FSM field changed only by
  ``audits.actions`` under the row lock (``a_planifier → en_cours → contradictoire → termine``,
  and ``en_cours → termine`` when conforme).
- :class:`Designation`: an auditor designated by the CMSI (never the CMSI himself).
- :class:`LigneGrille`: the auditor's result on one indicator of the control grid; the grid's
  lines themselves (every prérequis indicator and every indicator of the selected domaines)
  are computed by ``audits.grille``, a line is stored once written.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from audits.enums import Conclusion, Decision, EtatAudit, Resultat
from hn.comptes.enums import Role
from hn.comptes.scopes import acces


class TirageQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """The ARS of the région (every ARS role), the national level."""
        a = acces(user)
        if a.national:
            return self
        return self.filter(region_id__in=a.regions_lecture)


class Tirage(models.Model):
    programme = models.ForeignKey(
        "referentiel.Programme", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "referentiel.Region", verbose_name="région", on_delete=models.PROTECT, related_name="+"
    )
    annee = models.PositiveSmallIntegerField("année")
    graine = models.BigIntegerField(
        help_text="random.Random(graine).sample(population, taille) redonne l'échantillon."
    )
    population = models.JSONField(help_text="Numéros des dossiers de la population, triés.")
    tires = models.JSONField("tirés", help_text="Numéros tirés, dans l'ordre du tirage.")
    tire_le = models.DateTimeField("tiré le")
    tire_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = TirageQuerySet.as_manager()

    class Meta:
        verbose_name = "tirage d'audit"
        ordering = ["-annee", "programme", "region"]
        constraints = [
            # Never redrawn to get a convenient sample [SPEC §8]: the database refuses a second
            # draw, also when two CMSI draw at the same instant.
            models.UniqueConstraint(
                fields=["programme", "region", "annee"],
                name="tirage_unique",
                violation_error_message="Cette année a déjà été tirée pour ce programme et "
                "cette région.",
            ),
            models.CheckConstraint(condition=Q(graine__gte=0), name="tirage_graine_positive"),
        ]

    def __str__(self):
        return f"Tirage {self.programme.code} {self.region.code} {self.annee}"


class AuditQuerySet(models.QuerySet):
    def visibles_par(self, user):
        """National: all. ARS valideur and lecteur: their région's. ARS auditeur: the audits
        they are designated on. ES: their own établissement's."""
        a = acces(user)
        if a.national:
            return self
        regions = [r for r, role in a.regions.items() if role != Role.ARS_AUDITEUR]
        portee = Q(dossier__etablissement_id__in=a.etablissements_lecture) | Q(
            dossier__region_id__in=regions
        )
        if any(role == Role.ARS_AUDITEUR for role in a.regions.values()):
            portee |= Q(pk__in=Designation.objects.filter(auditeur=user).values("audit_id"))
        return self.filter(portee)


class Audit(FSMModelMixin, models.Model):
    tirage = models.ForeignKey(Tirage, on_delete=models.PROTECT, related_name="audits")
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="audits")
    rang = models.PositiveSmallIntegerField(help_text="Rang dans l'ordre du tirage (1, 2…).")
    etat = FSMField(default=EtatAudit.A_PLANIFIER, choices=EtatAudit.choices, protected=True)
    auditeurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Designation",
        through_fields=("audit", "auditeur"),
        related_name="audits_designes",
    )
    debute_le = models.DateField("débuté le", null=True, blank=True)
    conclusion = models.CharField(max_length=20, choices=Conclusion.choices, blank=True)
    observations = models.TextField(blank=True)
    conclu_le = models.DateField("conclu le", null=True, blank=True)
    conclu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fiche_envoyee_le = models.DateTimeField("fiche de synthèse envoyée le", null=True, blank=True)
    # --- contradictory phase (non conforme) ---
    echeance_reponse = models.DateField(
        "réponse de l'établissement attendue au plus tard le", null=True, blank=True
    )
    delai_expire_le = models.DateField(
        "délai de réponse expiré le (signalé par le balayage)", null=True, blank=True
    )
    reponse_es = models.TextField("réponse de l'établissement", blank=True)
    repondu_le = models.DateTimeField("répondu le", null=True, blank=True)
    repondu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    commentaire_decision = models.TextField(blank=True)
    decide_le = models.DateField("décidé le", null=True, blank=True)
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    termine_le = models.DateField("terminé le", null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["tirage", "rang"]
        constraints = [
            models.UniqueConstraint(fields=["tirage", "dossier"], name="audit_unique"),
            models.CheckConstraint(
                condition=~Q(etat=EtatAudit.CONTRADICTOIRE)
                | Q(conclusion=Conclusion.NON_CONFORME, echeance_reponse__isnull=False),
                name="audit_contradictoire_non_conforme",
            ),
        ]
        indexes = [
            # The deadline sweep: contradictory phases by due date.
            models.Index(
                fields=["echeance_reponse"],
                condition=Q(etat="contradictoire"),
                name="audit_contradictoire_echeance",
            ),
        ]

    def __str__(self):
        return f"Audit {self.tirage.annee} du dossier {self.dossier.numero}"

    # --- transitions (called by audits.actions, row locked) ----------------------------------
    @transition(field=etat, source=EtatAudit.A_PLANIFIER, target=EtatAudit.EN_COURS)
    def commencer(self, *, le):
        """The first auditor is designated."""
        self.debute_le = le

    @transition(field=etat, source=EtatAudit.EN_COURS, target=EtatAudit.TERMINE)
    def conclure_conforme(self, *, user, observations, le):
        self._conclure(Conclusion.CONFORME, user, observations, le)
        self.termine_le = le

    @transition(field=etat, source=EtatAudit.EN_COURS, target=EtatAudit.CONTRADICTOIRE)
    def conclure_non_conforme(self, *, user, observations, le, echeance):
        """Opens the contradictory phase: the ES answers within ``echeance``."""
        self._conclure(Conclusion.NON_CONFORME, user, observations, le)
        self.echeance_reponse = echeance

    @transition(field=etat, source=EtatAudit.CONTRADICTOIRE, target=EtatAudit.TERMINE)
    def decider(self, *, user, decision, commentaire, le):
        self.decision = decision
        self.commentaire_decision = commentaire
        self.decide_le = le
        self.decide_par = user
        self.termine_le = le

    def _conclure(self, conclusion, user, observations, le):
        self.conclusion = conclusion
        self.observations = observations
        self.conclu_le = le
        self.conclu_par = user


class Designation(models.Model):
    """An auditor designated on an audit by the région's CMSI [SPEC §8; 000 A5 §2]."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="designations")
    auditeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="designations_audit"
    )
    designe_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    designe_le = models.DateTimeField("désigné le", auto_now_add=True)

    class Meta:
        verbose_name = "désignation d'auditeur"
        ordering = ["audit", "designe_le", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "auditeur"], name="designation_unique"),
        ]

    def __str__(self):
        return f"{self.auditeur} sur {self.audit}"


class LigneGrille(models.Model):
    """The auditor's findings on one indicator (SPEC §8 control grid)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="lignes")
    indicateur = models.ForeignKey(
        "referentiel.Indicateur", on_delete=models.PROTECT, related_name="+"
    )
    resultat = models.CharField("résultat", max_length=20, choices=Resultat.choices, blank=True)
    preuves_verifiees = models.BooleanField("preuves vérifiées", default=False)
    observations = models.TextField(blank=True)
    modifiee_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ligne de la grille de contrôle"
        verbose_name_plural = "lignes de la grille de contrôle"
        ordering = ["audit", "indicateur__ordre"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "indicateur"], name="ligne_grille_unique"),
        ]

    def __str__(self):
        return f"{self.audit} — {self.indicateur.code}"


class PieceReponse(models.Model):
    """An attachment of the ES's answer in the contradictory phase: a piece of the dossier
    (``dossiers.pieces``: same checks, storage and antivirus), linked to the audit."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="pieces_reponse")
    piece = models.OneToOneField(
        "dossiers.PieceJointe", on_delete=models.PROTECT, related_name="reponse_audit"
    )

    class Meta:
        verbose_name = "pièce de la réponse à un audit"
        verbose_name_plural = "pièces des réponses aux audits"
        ordering = ["audit", "pk"]

    def __str__(self):
        return f"{self.audit} — {self.piece.nom}"


class TransmissionSynthese(models.Model):
    """The ARS transmits its consolidated table of a year to the national level [SPEC §8]:
    each transmission is dated (several allowed, the last one is shown)."""

    programme = models.ForeignKey(
        "referentiel.Programme", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "referentiel.Region", verbose_name="région", on_delete=models.PROTECT, related_name="+"
    )
    annee = models.PositiveSmallIntegerField("année")
    transmise_le = models.DateTimeField("transmise le")
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "transmission du tableau consolidé des audits"
        verbose_name_plural = "transmissions des tableaux consolidés des audits"
        ordering = ["-transmise_le", "-pk"]
        indexes = [models.Index(fields=["programme", "annee", "region", "-transmise_le"])]

    def __str__(self):
        return f"Tableau des audits {self.programme_id} {self.region_id} {self.annee}"
