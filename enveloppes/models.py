"""Regional envelopes as published, and their append-only ledger.

Every figure of an envelope is derived from its ledger lines (``MouvementEnveloppe``) by the
rules of ``enveloppes.regles``: SQL sums the amounts per key and nature, then the effect table
of the pure functions (``regles.effets``) turns those sums into figures (``_plier``).
Lines are never updated or deleted: the model, the queryset and, on PostgreSQL, a trigger
refuse it (a correction is a new line).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractYear

from enveloppes import regles
from enveloppes.enums import NATURES_AMORCAGE, NATURES_REDEPLOIEMENT, Nature
from enveloppes.parametres import parametres_de
from hn.comptes.scopes import acces
from hn.referentiel.enums import Activite, Decoupage


class LigneImmuable(Exception):
    """An attempt to change or delete an append-only row."""


def _plier(groupes) -> dict:
    """Figures per key from (key, nature, dérogation, sum) rows: each sum, rounded to the cent
    (SQLite sums in floating point), moves the figures ``regles.effets`` gives for its nature,
    the table the pure functions use; the figures are then exact."""
    rang = {nom: i for i, nom in enumerate(regles.COMPTEURS)}
    vecteurs: dict = {}
    for cle, nature, derogation, somme in groupes:
        vecteur = vecteurs.setdefault(cle, [regles.ZERO] * len(rang))
        montant = Decimal(somme).quantize(regles.CENTIME)
        for nom, signe in regles.effets(nature, bool(derogation)).items():
            vecteur[rang[nom]] += montant if signe > 0 else -montant
    return {cle: regles.Compteurs(*vecteur) for cle, vecteur in vecteurs.items()}


class MouvementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LigneImmuable("Un mouvement d'enveloppe ne peut pas être modifié.")

    def delete(self):
        raise LigneImmuable("Un mouvement d'enveloppe ne peut pas être supprimé.")

    # --- figures by SQL aggregation (equal to enveloppes.regles on the same lines) -------------
    def compteurs(self) -> regles.Compteurs:
        return self.par(None).get(None, regles.Compteurs())

    def _sommes_par_nature(self, *champs) -> list[tuple]:
        """Rows (*values of ``champs``, nature, dérogation, sum of the amounts): a plain
        aggregation, cheap even over the whole national ledger, read through the cursor
        (thousands of rows at scale, without the ORM's per-value converters)."""
        qs = self.order_by().values(*champs, "nature", "derogation").annotate(somme=Sum("montant"))
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing by construction (``__in=[]``)
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def par(self, champ: str | None) -> dict:
        """Figures per value of ``champ`` (lines where it is null are left out; ``None``: one
        group, key ``None``, for all the lines)."""
        if champ is None:
            return _plier((None, *row) for row in self._sommes_par_nature())
        return _plier(self.filter(**{f"{champ}__isnull": False})._sommes_par_nature(champ))

    def par_domaine(self) -> dict:
        return self.par("domaine")

    def par_dossier(self) -> dict:
        return self.par("dossier")

    def par_etablissement(self) -> dict:
        return self.par("dossier__etablissement")

    def par_statut(self) -> dict:
        return self.par("dossier__etablissement__statut")

    def par_activite(self) -> dict:
        """One query; an établissement counts under each of its activités."""
        drapeaux = [f"dossier__etablissement__{a.value}" for a in Activite]
        rows = self.filter(dossier__isnull=False)._sommes_par_nature(*drapeaux)
        result = _plier(
            (activite.value, nature, derogation, somme)
            for *oui, nature, derogation, somme in rows
            for activite, exerce in zip(Activite, oui, strict=True)
            if exerce
        )
        return {cle: c for cle, c in result.items() if c != regles.Compteurs()}

    def selection_par_annee(self) -> dict[int, Decimal]:
        rows = (
            self.filter(nature=Nature.ENGAGEMENT)
            .order_by()
            .annotate(annee=ExtractYear("date"))
            .values("annee")
            .annotate(total=Sum("montant"))
        )
        return {row["annee"]: Decimal(row["total"]).quantize(regles.CENTIME) for row in rows}

    def en_mouvements(self) -> list[regles.Mouvement]:
        """The lines as plain data for the pure functions."""
        return [
            m.en_mouvement()
            for m in self.select_related("dossier__etablissement", "domaine__domaine").order_by(
                "date", "pk"
            )
        ]


class EnveloppeQuerySet(models.QuerySet):
    def total(self):
        """Sum of the regional lines as published (not the programme's published total)."""
        return self.aggregate(total=Sum("montant_publie"))["total"]

    def situations(self) -> dict:
        """Every envelope's amounts (2 queries whatever the number of envelopes)."""
        enveloppes = list(self.select_related("programme"))
        compteurs = MouvementEnveloppe.objects.filter(
            enveloppe_id__in=[e.pk for e in enveloppes]
        ).par("enveloppe")
        return {
            e.pk: regles.situation(
                e.montant_publie,
                compteurs.get(e.pk, regles.Compteurs()),
                regles.ParametresEnveloppe(part_amorcage=e.programme.part_amorcage),
            )
            for e in enveloppes
        }


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

    @property
    def region_ars(self):
        """The current région whose ARS manages this envelope (HN: the former région's)."""
        return self.region.region_actuelle or self.region

    def parametres(self) -> regles.ParametresEnveloppe:
        return parametres_de(self.programme)

    def taux_derogation(self, parametres: regles.ParametresEnveloppe):
        """The derogation share in force: the last national decision, else the base share."""
        if parametres.derogation_taux is None:
            return None
        derniere = self.decisions_derogation.order_by("-cree_le", "-pk").first()
        return derniere.taux if derniere else parametres.derogation_taux

    def etat(self, *, domaines=None) -> regles.EtatEnveloppe:
        """What the rules check, by SQL aggregation: the envelope's figures, those of the
        given domaines (DomaineDossier ids; all when None) and the selections per year."""
        parametres = self.parametres()
        mouvements = MouvementEnveloppe.objects.filter(enveloppe=self)
        lignes_domaines = (
            mouvements if domaines is None else mouvements.filter(domaine_id__in=list(domaines))
        )
        return regles.EtatEnveloppe(
            publie=self.montant_publie,
            parametres=parametres,
            taux_derogation=self.taux_derogation(parametres),
            compteurs=mouvements.compteurs(),
            domaines=lignes_domaines.par_domaine(),
            selection=mouvements.selection_par_annee(),
        )

    def situation(self) -> regles.Situation:
        return regles.situation(
            self.montant_publie,
            MouvementEnveloppe.objects.filter(enveloppe=self).compteurs(),
            regles.ParametresEnveloppe(part_amorcage=self.programme.part_amorcage),
        )


class MouvementEnveloppe(models.Model):
    """One line of an envelope's ledger. The amount is positive; the nature gives its effect
    on the figures (``enveloppes.regles.EFFETS``). Append-only."""

    enveloppe = models.ForeignKey(Enveloppe, on_delete=models.PROTECT, related_name="mouvements")
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mouvements_enveloppe",
    )
    domaine = models.ForeignKey(
        "dossiers.DomaineDossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mouvements_enveloppe",
    )
    nature = models.CharField(max_length=30, choices=Nature.choices)
    montant = models.DecimalField("montant (€)", max_digits=14, decimal_places=2)
    derogation = models.BooleanField(
        "amorçage par dérogation",
        default=False,
        help_text="Amorçage d'un établissement n'ayant pas encore atteint les prérequis du "
        "programme (HOP'EN : prérequis HN atteints, prérequis HOP'EN au plus tard le "
        "01/01/2021).",
    )
    date = models.DateField("date d'effet")
    acteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Vide : le système (tâche périodique).",
    )
    motif = models.TextField(blank=True)
    membres = models.TextField(
        "membres du GHT (FINESS)",
        blank=True,
        help_text="Dossier de GHT : les FINESS des établissements candidats, séparés par des "
        "virgules (la ligne porte le FINESS de l'établissement support).",
    )
    contrepartie = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Redéploiement : la ligne cédée de l'enveloppe d'origine.",
    )
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    objects = MouvementQuerySet.as_manager()

    class Meta:
        verbose_name = "mouvement d'enveloppe"
        verbose_name_plural = "grand livre des enveloppes"
        ordering = ["enveloppe", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(montant__gt=0), name="mouvement_montant_positif"),
            models.CheckConstraint(
                condition=Q(
                    nature__in=[n.value for n in NATURES_REDEPLOIEMENT],
                    dossier__isnull=True,
                    domaine__isnull=True,
                )
                | (
                    ~Q(nature__in=[n.value for n in NATURES_REDEPLOIEMENT])
                    & Q(dossier__isnull=False, domaine__isnull=False)
                ),
                name="mouvement_domaine_ou_redeploiement",
            ),
            models.CheckConstraint(
                condition=Q(derogation=False) | Q(nature__in=[n.value for n in NATURES_AMORCAGE]),
                name="mouvement_derogation_amorcage",
            ),
            models.CheckConstraint(
                condition=Q(contrepartie__isnull=True) | Q(nature=Nature.REDEPLOIEMENT_ENTRANT),
                name="mouvement_contrepartie_redeploiement",
            ),
        ]
        indexes = [models.Index(fields=["enveloppe", "nature"], name="mouvement_nature")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_nature_display()} {regles.euros(self.montant)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LigneImmuable("Un mouvement d'enveloppe ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LigneImmuable("Un mouvement d'enveloppe ne peut pas être supprimé.")

    def en_mouvement(self) -> regles.Mouvement:
        etablissement = self.dossier.etablissement if self.dossier_id else None
        return regles.Mouvement(
            nature=self.nature,
            montant=self.montant,
            date=self.date,
            domaine=self.domaine_id,
            dossier=self.dossier_id,
            etablissement=etablissement.pk if etablissement else None,
            statut=etablissement.statut if etablissement else "",
            activites=tuple(etablissement.activites) if etablissement else (),
            derogation=self.derogation,
            domaine_code=self.domaine.domaine.code if self.domaine_id else "",
        )


class DecisionDerogationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LigneImmuable("Une décision de dérogation ne peut pas être modifiée.")

    def delete(self):
        raise LigneImmuable("Une décision de dérogation ne peut pas être supprimée.")


class DecisionDerogation(models.Model):
    """The national level sets the share of a région's amorçage credits that may be paid
    before the HOP'EN prérequis are met: 30 %, up to 50 % when too few établissements have met
    them [003 §5.1]. Append-only; the last decision applies."""

    enveloppe = models.ForeignKey(
        Enveloppe, on_delete=models.PROTECT, related_name="decisions_derogation"
    )
    taux = models.DecimalField(max_digits=3, decimal_places=2)
    motif = models.TextField()
    decide_le = models.DateField("décidé le")
    acteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)

    objects = DecisionDerogationQuerySet.as_manager()

    class Meta:
        verbose_name = "décision sur la part d'amorçage par dérogation"
        ordering = ["enveloppe", "cree_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taux__gt=0, taux__lte=1), name="derogation_taux_part"
            ),
        ]

    def __str__(self):
        return f"{self.enveloppe} : {regles.pourcent(self.taux)} le {self.decide_le:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LigneImmuable("Une décision de dérogation ne peut pas être modifiée.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LigneImmuable("Une décision de dérogation ne peut pas être supprimée.")


def enveloppes_visibles(user):
    """Envelopes a user may read: national all; an ARS its région and its former régions."""
    a = acces(user)
    qs = Enveloppe.objects.select_related("programme", "region", "region__region_actuelle")
    if a.national:
        return qs
    regions = a.regions_lecture
    return qs.filter(Q(region_id__in=regions) | Q(region__region_actuelle_id__in=regions))


def enveloppe_de(dossier) -> Enveloppe:
    """The envelope a dossier draws on: HN on the établissement's former région, HOP'EN on
    its current one (the programme's découpage)."""
    programme, etablissement = dossier.programme, dossier.etablissement
    if programme.decoupage == Decoupage.ANCIEN:
        region_id = etablissement.region_historique_id
        if region_id is None:
            raise regles.MouvementRefuse(
                f"L'établissement {etablissement} n'a pas de région d'avant 2016 : "
                f"son enveloppe {programme.code} ne peut pas être déterminée."
            )
    else:
        region_id = etablissement.region_id
    enveloppe = (
        Enveloppe.objects.select_related("programme", "region__region_actuelle")
        .filter(programme=programme, region_id=region_id)
        .first()
    )
    if enveloppe is None:
        raise regles.MouvementRefuse(
            f"Aucune enveloppe {programme.code} n'est publiée pour la région de "
            f"l'établissement {etablissement}."
        )
    return enveloppe


# --- annual synthesis (SPEC §5) ------------------------------------------------------------------


class CommentaireSynthese(models.Model):
    """The CMSI's comment on one dossier in the région's annual synthesis to the national level
    [000 A4 §1, 003 A4 §3]: one per dossier and year, edited by the ARS valideur (traced)."""

    enveloppe = models.ForeignKey(
        Enveloppe, on_delete=models.PROTECT, related_name="commentaires_synthese"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="commentaires_synthese"
    )
    annee = models.PositiveSmallIntegerField("année")
    texte = models.TextField("commentaire du CMSI")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "commentaire de la synthèse annuelle"
        verbose_name_plural = "commentaires de la synthèse annuelle"
        ordering = ["enveloppe", "annee", "dossier__numero"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "annee"], name="commentaire_synthese_unique")
        ]
        indexes = [models.Index(fields=["enveloppe", "annee"], name="commentaire_synthese_annee")]

    def __str__(self):
        return f"Synthèse {self.annee} — dossier {self.dossier.numero}"


def membres_ght_du_domaine() -> Subquery:
    """A GHT dossier's members as its domaine's ledger lines name them (SPEC §10): a
    subquery for a query over ``DomaineDossier`` rows (the envelope's retained table)."""
    return Subquery(
        MouvementEnveloppe.objects.filter(domaine=OuterRef("pk"))
        .exclude(membres="")
        .order_by("pk")
        .values("membres")[:1]
    )
