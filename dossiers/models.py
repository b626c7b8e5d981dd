"""The funding dossier (DIPISI) and its instruction workflow [000 A9, A10; SPEC §4].

The state field is protected: it changes only through the transitions below, called by
``dossiers.actions`` inside a transaction that holds the row lock.
"""

# Long: the dossier's models (request, dossier, GHT members, domaines, values, snapshots,
# attachments) in the one module that Django, the migrations and the triggers refer to.

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django_fsm import FSMField, FSMModelMixin, transition

from dossiers.enums import (
    ETATS_EDITABLES,
    ETATS_REFUSES,
    ETATS_SUIVI,
    Avancement,
    CategoriePiece,
    DecisionDomaine,
    DecisionPrerequis,
    Etat,
    EtatAnalyse,
    MotifCloture,
    MotifRefus,
    Phase,
    SuiviDomaine,
    TypeContact,
)
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.referentiel.models import ActiviteEtablissement, Etablissement


def _peut_saisir(dossier, user) -> bool:
    return peut_saisir(user, dossier.etablissement)


def _peut_instruire(dossier, user) -> bool:
    return peut_instruire(user, dossier.etablissement.region)


class DemandeQuerySet(models.QuerySet):
    def visibles_par(self, user):
        a = acces(user)
        if a.national:
            return self
        return self.filter(
            Q(etablissement_id__in=a.etablissements_lecture)
            | Q(etablissement__region_id__in=a.regions_lecture)
        )

    def en_attente(self):
        return self.filter(initialisee_le__isnull=True, annulee_le__isnull=True)


class DemandeInitialisation(models.Model):
    """An établissement asks its ARS to initialise a dossier (≤ 1 month 15 days) [000 §2]."""

    programme = models.ForeignKey("referentiel.Programme", on_delete=models.PROTECT)
    etablissement = models.ForeignKey(
        "referentiel.Etablissement", on_delete=models.PROTECT, related_name="demandes"
    )
    demandeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    demandee_le = models.DateTimeField(auto_now_add=True)
    echeance = models.DateField("échéance d'initialisation")
    initialisee_le = models.DateTimeField("initialisée le", null=True, blank=True)
    annulee_le = models.DateTimeField(null=True, blank=True)
    # A GHT request [SPEC §10]: filed by the GHT's support (``etablissement``) for the
    # candidate members chosen among the GHT's établissements (the support only when listed).
    ght = models.ForeignKey(
        "referentiel.GHT", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    membres = models.ManyToManyField(
        "referentiel.Etablissement", blank=True, related_name="+", verbose_name="membres candidats"
    )

    objects = DemandeQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'initialisation"
        ordering = ["echeance", "pk"]
        indexes = [
            # The pending requests, most urgent first (list page, deadline sweep).
            models.Index(
                fields=["echeance", "id"],
                condition=Q(initialisee_le__isnull=True, annulee_le__isnull=True),
                name="demande_en_attente_echeance",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "etablissement"],
                condition=Q(annulee_le__isnull=True, initialisee_le__isnull=True),
                name="demande_unique_en_attente",
            ),
        ]

    def __str__(self):
        return f"Demande {self.programme.code} — {self.etablissement}"

    @property
    def en_retard(self) -> bool:
        return (
            self.initialisee_le is None
            and self.annulee_le is None
            and (aujourd_hui() > self.echeance)
        )


class DossierQuerySet(models.QuerySet):
    def visibles_par(self, user):
        a = acces(user)
        if a.national:
            return self
        # ``region`` is the établissement's current région copied on the dossier: the ARS
        # scope is a filter on the dossier's own row, which the (région, …) indexes serve.
        # The candidate members of a GHT dossier read it too [SPEC §10].
        return self.filter(
            Q(etablissement_id__in=a.etablissements_lecture)
            | Q(region_id__in=a.regions_lecture)
            | Q(
                pk__in=MembreDossier.objects.filter(
                    etablissement_id__in=a.etablissements_lecture
                ).values("dossier_id")
            )
        )

    def ouverts(self):
        return self.exclude(etat__in=ETATS_REFUSES)


class Dossier(FSMModelMixin, models.Model):
    numero = models.CharField("numéro", max_length=20, unique=True)
    programme = models.ForeignKey(
        "referentiel.Programme", on_delete=models.PROTECT, related_name="dossiers"
    )
    etablissement = models.ForeignKey(
        "referentiel.Etablissement", on_delete=models.PROTECT, related_name="dossiers"
    )
    # The établissement's current région, set at the initialisation (tenant key of the ARS
    # scope and of the list's indexes, so that no list query joins the établissements).
    region = models.ForeignKey(
        "referentiel.Region",
        verbose_name="région",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (région, …) indexes below lead with it
    )
    demande = models.OneToOneField(
        DemandeInitialisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier",
    )
    nom = models.CharField(max_length=200)
    # A GHT dossier [SPEC §10]: ``etablissement`` is the GHT's support, which files it and to
    # which the summed forfait is delegated; the candidate members are ``membres``.
    ght = models.ForeignKey(
        "referentiel.GHT",
        verbose_name="GHT",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    type = models.CharField(max_length=50, default="Système d'information", editable=False)
    etat = FSMField(default=Etat.EN_SAISIE, choices=Etat.choices, protected=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)
    echeance_decision = models.DateField("échéance de décision", null=True, blank=True)
    decide_le = models.DateField("décidé le", null=True, blank=True)
    motif_refus = models.CharField(
        "motif du refus", max_length=20, choices=MotifRefus.choices, blank=True
    )
    clos_le = models.DateField("clos le", null=True, blank=True)
    motif_cloture = models.CharField(
        "motif de la clôture", max_length=30, choices=MotifCloture.choices, blank=True
    )

    # --- ES part (pages 1-4, 8) ---------------------------------------------------------------
    engagements = models.JSONField(
        "engagements acceptés", default=list, blank=True, help_text="Codes des cases cochées."
    )
    commentaire_etablissement = models.TextField("commentaire sur l'établissement", blank=True)
    commentaire_contacts = models.TextField("commentaire sur les responsables", blank=True)
    mutualise = models.BooleanField("projet mutualisé", default=False)
    partenaires = models.TextField(
        "établissements de la mutualisation",
        blank=True,
        help_text="Décrire et indiquer les établissements qui font partie de la mutualisation.",
    )
    description_projet = models.TextField("description du projet", blank=True)
    motivation = models.TextField("motivation de l'établissement", blank=True)
    # --- GHT conditions [003 §5.3.1; SPEC §10], entered by the support ----------------------
    validation_directeur_support = models.BooleanField(
        "dossier validé par le directeur de l'établissement support", default=False
    )
    dsi_ght_valide = models.BooleanField(
        "DSI du GHT validé par le directeur de l'établissement support", default=False
    )
    # {indicator code: true/false}: the GHT's convergence on the indicator (its "déclinaison
    # GHT" [003 A1]: the same application or référentiel across the GHT), answered per
    # indicator of the prérequis and requested domaines that has a GHT declination.
    convergence = models.JSONField("indicateurs de convergence du GHT", default=dict, blank=True)

    # --- ARS comments shown to the ES (pages 2, 3; II.2 prérequis) ------------------------------
    commentaire_ars_etablissement = models.TextField(blank=True)
    commentaire_ars_contacts = models.TextField(blank=True)
    commentaire_ars_prerequis = models.TextField(blank=True)
    commentaire_ars_decision = models.TextField(blank=True)

    # --- phase suivi [SPEC §5] ------------------------------------------------------------------
    frequence_suivi = models.PositiveSmallIntegerField(
        "fréquence des rapports de suivi (mois)",
        default=6,
        help_text="Fixée par l'ARS ; au moins un rapport par semestre.",
    )
    prochain_rapport_le = models.DateField("prochain rapport de suivi attendu le", null=True)
    cloture_demandee_le = models.DateTimeField("clôture demandée par l'établissement le", null=True)
    # HOP'EN derogation [003 §5.1, A2 §2]: amorçage paid before the programme's prérequis are
    # met; the ARS records when they are; without it by the deadline the amorçage is repayable.
    prerequis_atteints_le = models.DateField(
        "prérequis du programme atteints le (amorçage par dérogation)", null=True, blank=True
    )
    derogation_remboursement_exige_le = models.DateField(null=True, blank=True)
    cloture_demandee_motif = models.TextField(blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-cree_le", "-pk"]
        constraints = [
            # One dossier per établissement per candidature; a refusal ends a candidature.
            models.UniqueConstraint(
                fields=["programme", "etablissement"],
                condition=~Q(etat__in=[e.value for e in ETATS_REFUSES]),
                name="dossier_unique_par_candidature",
                violation_error_message="Cet établissement a déjà un dossier pour ce programme.",
            ),
            models.CheckConstraint(
                condition=~Q(etat=Etat.REFUSE) | ~Q(motif_refus=""),
                name="dossier_refus_motive",
            ),
            models.CheckConstraint(
                condition=~Q(etat=Etat.CLOS) | ~Q(motif_cloture=""),
                name="dossier_cloture_motivee",
            ),
            models.CheckConstraint(
                condition=Q(frequence_suivi__gte=1, frequence_suivi__lte=6),
                name="dossier_suivi_au_moins_semestriel",
                violation_error_message="Un rapport de suivi au moins par semestre (1 à 6 mois).",
            ),
        ]
        indexes = [
            models.Index(fields=["etat", "echeance_decision"], name="dossier_echeance"),
            models.Index(fields=["etat", "prochain_rapport_le"], name="dossier_rapport_du"),
            # National API list (Meta.ordering).
            models.Index(fields=["-cree_le", "-id"], name="dossier_cree_le"),
            # ARS list and dashboard, scoped by région: default sort, état counts and filter,
            # sort by échéance, API list.
            models.Index(fields=["region", "-numero"], name="dossier_region_numero"),
            models.Index(
                fields=["region", "etat", "echeance_decision"], name="dossier_region_etat"
            ),
            models.Index(
                fields=["region", "echeance_decision", "id"], name="dossier_region_echeance"
            ),
            models.Index(fields=["region", "-cree_le", "-id"], name="dossier_region_cree_le"),
        ]

    def __str__(self):
        return f"{self.numero} — {self.nom}"

    def save(self, *args, **kwargs):
        if self.region_id is None and self.etablissement_id is not None:
            self.region_id = self.etablissement.region_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("api:dossier", args=[self.numero])

    @property
    def est_ght(self) -> bool:
        return self.ght_id is not None

    @property
    def phase(self) -> str:
        return Phase.SUIVI if self.etat in ETATS_SUIVI else Phase.INSTRUCTION

    @property
    def editable(self) -> bool:
        return self.etat in ETATS_EDITABLES

    # --- transitions (called by dossiers.actions, row locked) --------------------------------
    @transition(
        field=etat,
        source=[Etat.EN_SAISIE, Etat.REPORTE],
        target=Etat.DEPOSE,
        permission=_peut_saisir,
    )
    def deposer(self, *, user):
        """Dépôt by the ES gestionnaire; the action checks completeness and freezes a snapshot."""

    @transition(field=etat, source=Etat.DEPOSE, target=Etat.REPORTE, permission=_peut_instruire)
    def reporter(self, *, user):
        """Back to the ES for corrections; the decision clock stops."""
        self.echeance_decision = None

    @transition(field=etat, source=Etat.DEPOSE, target=Etat.REFUSE, permission=_peut_instruire)
    def refuser(self, *, user, motif, le):
        self.motif_refus = motif
        self.decide_le = le

    @transition(
        field=etat,
        source=Etat.DEPOSE,
        target=Etat.ACCEPTE,
        permission=_peut_instruire,
        conditions=[lambda d: d.acceptable()],
    )
    def accepter(self, *, user, le):
        self.decide_le = le

    @transition(field=etat, source=Etat.ACCEPTE, target=Etat.CLOS, permission=_peut_instruire)
    def clore(self, *, user, motif, le):
        """Total closure [000 A4 §2]; the money side (engagement released, amorçage
        repayable) is applied by the envelope ledger."""
        self.motif_cloture = motif
        self.clos_le = le

    @transition(field=etat, source=Etat.DEPOSE, target=Etat.REFUSE_IMPLICITE)
    def refuser_implicitement(self, *, le):
        """No ARS decision 4 months after the dépôt [000 §2]; refusal date = expiry date."""
        self.decide_le = le

    # --- rules -------------------------------------------------------------------------------
    def acceptable(self) -> bool:
        """'Dossier accepté' needs every prérequis accepted and ≥ 1 domaine selected."""
        return not self.raisons_non_acceptable()

    def raisons_non_acceptable(self) -> list[str]:
        raisons = []
        decisions = {d.prerequis_id: d.decision for d in self.decisions_prerequis.all()}
        manquants = [
            p.code
            for p in self.programme.prerequis.all()
            if decisions.get(p.pk) != DecisionPrerequis.ACCEPTE
        ]
        if manquants:
            raisons.append(f"Prérequis non acceptés : {', '.join(manquants)}.")
        if not any(
            d.decision == DecisionDomaine.SELECTIONNE for d in self.domaines.all() if d.demande
        ):
            raisons.append("Aucun domaine sélectionné.")
        candidats = (
            set(self.membres.values_list("etablissement_id", flat=True))
            if self.ght_id
            else {self.etablissement_id}
        )
        inconnus = candidats - set(
            ActiviteEtablissement.objects.filter(
                programme_id=self.programme_id, etablissement_id__in=candidats
            ).values_list("etablissement_id", flat=True)
        )
        if inconnus and not self.ght_id:
            raisons.append(
                f"L'activité {self.programme.annee_reference_activite} de l'établissement "
                "n'est pas connue : son forfait, donc l'engagement sur l'enveloppe, ne peut pas "
                "être calculé."
            )
        elif inconnus:
            finess = sorted(
                Etablissement.objects.filter(pk__in=inconnus).values_list("finess", flat=True)
            )
            raisons.append(
                f"L'activité {self.programme.annee_reference_activite} de membres du GHT n'est "
                f"pas connue ({', '.join(finess)}) : le forfait du GHT, donc l'engagement sur "
                "l'enveloppe, ne peut pas être calculé."
            )
        return raisons


class Contact(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="contacts")
    type = models.CharField(max_length=30, choices=TypeContact.choices)
    nom = models.CharField(max_length=150, blank=True)
    fonction = models.CharField(max_length=150, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "type"], name="contact_unique"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} : {self.nom}"


class DomaineDossier(FSMModelMixin, models.Model):
    """A domaine of the programme in the dossier: the ES's request and the ARS's selection."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="domaines")
    domaine = models.ForeignKey("referentiel.Domaine", on_delete=models.PROTECT, related_name="+")
    demande = models.BooleanField("demandé", default=False)
    avancement = models.CharField(
        "état d'avancement", max_length=20, choices=Avancement.choices, blank=True
    )
    date_cible = models.DateField(
        "date prévisionnelle d'atteinte des cibles", null=True, blank=True
    )
    cout = models.DecimalField(
        "coût du projet (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Investissement, ou coût annuel si le projet est en mode SaaS. Pour information.",
    )
    decision = models.CharField(max_length=20, choices=DecisionDomaine.choices, blank=True)
    commentaire_ars = models.TextField(blank=True)

    # --- phase suivi: protected state, changed only by indicateurs.suivi under the row lock ---
    suivi = FSMField(default=SuiviDomaine.HORS_SUIVI, choices=SuiviDomaine.choices, protected=True)
    cibles_atteintes_le = models.DateField(null=True, blank=True)
    finance_le = models.DateField("financement notifié le", null=True, blank=True)
    clos_le = models.DateField(null=True, blank=True)
    motif_cloture = models.CharField(
        max_length=30, choices=MotifCloture.choices, blank=True, default=""
    )
    commentaire_cloture = models.TextField(blank=True)

    class Meta:
        ordering = ["domaine__ordre"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "domaine"], name="domaine_dossier_unique"),
            models.CheckConstraint(
                condition=Q(cout__isnull=True) | Q(cout__gte=0), name="cout_positif"
            ),
        ]
        indexes = [
            # The dashboards' "funding can be notified": a few rows among hundreds of
            # thousands of domaines.
            models.Index(
                fields=["dossier"],
                condition=Q(suivi="cibles_atteintes"),
                name="domaine_cibles_atteintes",
            ),
        ]

    def __str__(self):
        return f"{self.dossier.numero} {self.domaine.code}"

    @transition(field=suivi, source=SuiviDomaine.HORS_SUIVI, target=SuiviDomaine.SELECTIONNE)
    def entrer_en_suivi(self):
        """At the dossier's acceptance, for each selected domaine."""

    @transition(field=suivi, source=SuiviDomaine.SELECTIONNE, target=SuiviDomaine.CIBLES_ATTEINTES)
    def constater_cibles(self, *, le):
        """A report shows every prérequis indicator and every indicator of the domaine at
        target: the ARS is prompted to notify the funding."""
        self.cibles_atteintes_le = le

    @transition(field=suivi, source=SuiviDomaine.CIBLES_ATTEINTES, target=SuiviDomaine.SELECTIONNE)
    def perdre_cibles(self):
        """A later report falls below a target before the funding was notified."""
        self.cibles_atteintes_le = None

    @transition(field=suivi, source=SuiviDomaine.CIBLES_ATTEINTES, target=SuiviDomaine.FINANCE)
    def financer(self, *, le):
        self.finance_le = le

    @transition(
        field=suivi,
        source=[SuiviDomaine.SELECTIONNE, SuiviDomaine.CIBLES_ATTEINTES, SuiviDomaine.FINANCE],
        target=SuiviDomaine.CLOS,
    )
    def clore(self, *, motif, commentaire, le):
        self.motif_cloture = motif
        self.commentaire_cloture = commentaire
        self.clos_le = le


class MembreDossier(models.Model):
    """A candidate member of a GHT dossier [SPEC §10]. A member is in at most one open dossier
    per programme (its own or a GHT's): checked by ``dossiers.ght`` under the région's row
    lock, which every initialisation and request of the région takes."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="membres")
    etablissement = models.ForeignKey(
        "referentiel.Etablissement", on_delete=models.PROTECT, related_name="candidatures_ght"
    )

    class Meta:
        verbose_name = "membre candidat"
        verbose_name_plural = "membres candidats"
        ordering = ["dossier", "etablissement__finess"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "etablissement"], name="membre_unique"),
        ]

    def __str__(self):
        return f"{self.dossier.numero} — {self.etablissement}"


class ValeurIndicateur(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="valeurs")
    indicateur = models.ForeignKey(
        "referentiel.Indicateur", on_delete=models.PROTECT, related_name="+"
    )
    # A GHT dossier's domaine indicators carry one value per candidate member [SPEC §10];
    # null: the dossier's own value (single ES, or the GHT's prérequis).
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
                fields=["dossier", "indicateur"],
                condition=Q(etablissement__isnull=True),
                name="valeur_unique",
            ),
            models.UniqueConstraint(
                fields=["dossier", "indicateur", "etablissement"],
                condition=Q(etablissement__isnull=False),
                name="valeur_membre_unique",
            ),
            models.CheckConstraint(
                condition=Q(valeur__isnull=True) | Q(valeur__gte=0, valeur__lte=100),
                name="valeur_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.dossier.numero} {self.indicateur.code} = {self.valeur}"


class DecisionPrerequisDossier(models.Model):
    """ARS page II.2: accepté / non accepté per prérequis."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="decisions_prerequis"
    )
    prerequis = models.ForeignKey("referentiel.Prerequis", on_delete=models.PROTECT)
    decision = models.CharField(max_length=20, choices=DecisionPrerequis.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "prerequis"], name="decision_prerequis_unique"
            ),
        ]

    def __str__(self):
        return f"{self.dossier.numero} {self.prerequis.code} : {self.decision}"


class DepotQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Un dépôt est figé : il ne peut pas être modifié.")

    def delete(self):
        raise ValueError("Un dépôt est figé : il ne peut pas être supprimé.")


class Depot(models.Model):
    """An immutable snapshot of the dossier frozen at each dépôt: what the ARS reads.
    Append-only in the model, the queryset and (PostgreSQL) a database trigger."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="depots")
    rang = models.PositiveSmallIntegerField()
    depose_le = models.DateTimeField()
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contenu = models.JSONField()
    empreinte = models.CharField("empreinte SHA-256", max_length=64)

    objects = DepotQuerySet.as_manager()

    class Meta:
        verbose_name = "dépôt"
        ordering = ["dossier", "-rang"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "rang"], name="depot_rang_unique"),
        ]

    def __str__(self):
        return f"{self.dossier.numero} dépôt n°{self.rang}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Un dépôt est figé : il ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Un dépôt est figé : il ne peut pas être supprimé.")


class Commentaire(models.Model):
    """ARS comments, possible in every state (refused included) [SPEC §4]."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="commentaires")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField()
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cree_le", "pk"]

    def __str__(self):
        return f"{self.dossier.numero} — {self.auteur} — {self.cree_le:%d/%m/%Y}"


def chemin_piece(instance, filename):
    """Storage key: never guessable, never derived from the user's file name."""
    return f"pieces/{instance.dossier.numero}/{uuid.uuid4().hex}"


class PieceJointe(models.Model):
    """A proof or project document: PDF or Word only, 2 MB at most, checked by content; served
    only through a view that checks the caller's rights (never a public URL)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="pieces")
    categorie = models.CharField("catégorie", max_length=30, choices=CategoriePiece.choices)
    prerequis = models.ForeignKey(
        "referentiel.Prerequis", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fichier = models.FileField(upload_to=chemin_piece, max_length=200)
    nom = models.CharField("nom du fichier", max_length=200)
    type_mime = models.CharField(max_length=100)
    taille = models.PositiveIntegerField()
    empreinte = models.CharField("empreinte SHA-256", max_length=64)
    deposee_le = models.DateTimeField(auto_now_add=True)
    deposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    remplacee_par = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="remplace"
    )
    supprimee_le = models.DateTimeField(null=True, blank=True)
    # Antivirus (dossiers.analyse): verdict, detail (virus name...), date, scans tried.
    etat_analyse = models.CharField(max_length=12, choices=EtatAnalyse, default="en_analyse")
    analyse_detail = models.CharField(max_length=200, blank=True)
    analysee_le = models.DateTimeField(null=True, blank=True)
    analyse_tentatives = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["dossier", "deposee_le", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(taille__lte=2 * 1024 * 1024), name="piece_2_mo_max"),
        ]

    def __str__(self):
        return f"{self.dossier.numero} — {self.nom}"

    @property
    def active(self) -> bool:
        return self.remplacee_par_id is None and self.supprimee_le is None


class VersionPerimetre(models.Model):
    """The version of what a région's dashboard shows (its dossiers, their followed domaines,
    its initialisation requests, its établissements' names), bumped by database triggers in the
    transaction of every such change (``dossiers.versions``, migrations 0008 and 0009). The
    dashboards are cached under these versions (``dossiers.tableau``), so a change is seen by
    every process at its commit, whoever made it (web, worker, scheduler, admin, raw SQL)."""

    region = models.OneToOneField(
        "referentiel.Region", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "version du périmètre"
        verbose_name_plural = "versions des périmètres"

    def __str__(self):
        return f"{self.region_id} : {self.version}"
