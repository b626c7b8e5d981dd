"""Read side of the envelopes: the figures the pages, the API and the exports show.

Every amount comes from the ledger by SQL aggregation (``MouvementQuerySet``: the effect
table of ``enveloppes.regles``) and every envelope amount from ``regles.situation``; nothing is
stored. A page or an export reads one envelope in a fixed number of queries, whatever the
number of établissements, dossiers or ledger lines:

- :func:`tableau` — an envelope at a date (``au``: lines dated up to that day, all when None):
  its situation, the figures by établissement, statut and activité, the retained
  établissements with their domaines and, for the current state, the domaines whose target date
  has passed without the targets being met;
- :func:`synthese` — the annual synthesis [SPEC §5; 000 A4 §1, 003 A4 §3]: the envelope at
  31/12 of the year, the change over the year (the net effect of the year's lines), the year's
  lines, and the CMSI's comment per dossier.

Fetch-and-authorise: :func:`enveloppe_visible` answers 404 for an envelope outside the caller's
scope (another région's, or any envelope for a user without an ARS or national role).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404

from dossiers.enums import SuiviDomaine
from dossiers.models import DomaineDossier
from enveloppes import regles
from enveloppes.enums import NATURES_REDEPLOIEMENT, Nature
from enveloppes.models import (
    CommentaireSynthese,
    Enveloppe,
    MouvementEnveloppe,
    enveloppes_visibles,
    membres_ght_du_domaine,
)
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.referentiel.enums import Activite, Statut

REFUS_LECTURE = "Les enveloppes sont réservées aux ARS et au niveau national."
PREMIERE_ANNEE = 2012  # HN's first selections [000 A1 §4]

# The envelope amounts, in the order every page and export shows them: (attribute of
# regles.Situation, French label).
LIGNES_SITUATION = [
    ("publie", "Enveloppe publiée"),
    ("redeploye", "Redéploiements nationaux (nets)"),
    ("repris", "Remboursements repris sur l'enveloppe"),
    ("total", "Enveloppe totale"),
    ("plafond_amorcage", "Plafond d'amorçage"),
    ("engage_amorcage", "Engagé — amorçage"),
    ("engage_usage", "Engagé — usage"),
    ("engage", "Engagé — total"),
    ("consomme_amorcage", "Consommé — amorçage"),
    ("consomme_usage", "Consommé — usage"),
    ("consomme", "Consommé — total"),
    ("disponible", "Disponible"),
    ("amorcage_disponible", "Amorçage encore possible sous le plafond"),
    ("remboursement_du", "Remboursements dus, non reçus"),
    ("rembourse", "Remboursements reçus"),
]
# The columns of a breakdown (by établissement, statut, activité, domaine): attributes of
# regles.Compteurs.
COLONNES = [
    ("engage_amorcage", "Engagé amorçage"),
    ("engage_usage", "Engagé usage"),
    ("engage", "Engagé total"),
    ("consomme_amorcage", "Consommé amorçage"),
    ("consomme_usage", "Consommé usage"),
    ("consomme", "Consommé total"),
]
# The retained domaines' columns on the pages and in the PDF (the XLSX has every column).
COLONNES_DOMAINE = [c for c in COLONNES if c[0] not in ("engage", "consomme")]
# API.md ``GET enveloppes/``: these keys, in whole euros.
CHAMPS_API = [
    "total",
    "plafond_amorcage",
    "engage_amorcage",
    "engage_usage",
    "consomme_amorcage",
    "consomme_usage",
    "disponible",
]
SUIVI_ATTEINT = (SuiviDomaine.CIBLES_ATTEINTES, SuiviDomaine.FINANCE, SuiviDomaine.CLOS)


def euros_entiers(montant) -> int:
    """An amount to the whole euro, half up (the API's rounding; each amount rounded alone)."""
    return int(Decimal(montant).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- access -------------------------------------------------------------------------------------


def exiger_lecture(user) -> None:
    """Envelopes are read by the ARS and the national level only (403 for the others)."""
    a = acces(user)
    if not (a.national or a.regions):
        raise PermissionDenied(REFUS_LECTURE)


def enveloppe_visible(user, programme: str, region: str) -> Enveloppe:
    """The envelope of ``programme`` on région ``region`` (its INSEE code in the programme's
    découpage: HN's former régions, HOP'EN's current ones), if the user may read it; 404
    otherwise — unknown, another région's, or the user has no envelope at all."""
    enveloppe = (
        enveloppes_visibles(user)
        .filter(
            programme__code=str(programme).upper(),
            region__code=str(region),
            region__decoupage=F("programme__decoupage"),
        )
        .first()
    )
    if enveloppe is None:
        raise Http404("Enveloppe introuvable.")
    return enveloppe


def verifier_annee(annee: int) -> int:
    """A synthesis year: from the programmes' first year to the current one (404 otherwise)."""
    if not PREMIERE_ANNEE <= annee <= aujourd_hui().year:
        raise Http404("Aucune synthèse pour cette année.")
    return annee


def annee_par_defaut() -> int:
    """The synthesis due by 31 January is the past year's [SPEC §5]."""
    return max(PREMIERE_ANNEE, aujourd_hui().year - 1)


def annees(premiere: int | None) -> list[int]:
    """Years offered for the synthesis: from the first ledger line's (or the past year) to the
    current year, most recent first."""
    courante = aujourd_hui().year
    debut = min(premiere or courante - 1, courante - 1)
    return list(range(courante, max(PREMIERE_ANNEE, debut) - 1, -1))


# --- the figures ------------------------------------------------------------------------------


def parametres(enveloppe) -> regles.ParametresEnveloppe:
    """What ``regles.situation`` needs (as ``Enveloppe.situation``)."""
    return regles.ParametresEnveloppe(part_amorcage=enveloppe.programme.part_amorcage)


def valeurs(compteurs: regles.Compteurs) -> list[Decimal]:
    return [getattr(compteurs, attr) for attr, _ in COLONNES]


def ligne_api(enveloppe, situation: regles.Situation) -> dict:
    """One row of ``GET enveloppes/`` (API.md): whole euros; ``total`` is the regional amount
    as published (SPEC §3 note)."""
    return {
        "programme": enveloppe.programme.code,
        "region": enveloppe.region.code,
        "total": euros_entiers(enveloppe.montant_publie),
        **{
            champ: euros_entiers(getattr(situation, champ))
            for champ in CHAMPS_API
            if champ != "total"
        },
    }


@dataclass(frozen=True)
class Ligne:
    """A row of a breakdown: its key, its label, its figures (and the établissement)."""

    cle: object
    libelle: str
    compteurs: regles.Compteurs
    objet: object = None

    @property
    def valeurs(self) -> list[Decimal]:
        return valeurs(self.compteurs)


@dataclass
class DomaineRetenu:
    domaine: DomaineDossier  # with .domaine, .dossier and .dossier.etablissement loaded
    compteurs: regles.Compteurs
    en_retard: bool = False

    @property
    def valeurs(self) -> list[Decimal]:
        return valeurs(self.compteurs)

    @property
    def valeurs_domaine(self) -> list[Decimal]:
        return [getattr(self.compteurs, attr) for attr, _ in COLONNES_DOMAINE]

    @property
    def jours_de_retard(self) -> int:
        return (aujourd_hui() - self.domaine.date_cible).days if self.en_retard else 0


@dataclass
class DossierRetenu:
    dossier: object
    domaines: list[DomaineRetenu] = field(default_factory=list)
    commentaire: CommentaireSynthese | None = None
    membres: str = ""  # a GHT dossier: its members' FINESS, as its ledger lines name them

    @property
    def compteurs(self) -> regles.Compteurs:
        return sum((d.compteurs for d in self.domaines), regles.Compteurs())


@dataclass
class EtablissementRetenu:
    etablissement: object
    dossiers: list[DossierRetenu] = field(default_factory=list)

    @property
    def domaines(self) -> list[DomaineRetenu]:
        return [d for dossier in self.dossiers for d in dossier.domaines]


@dataclass
class Tableau:
    enveloppe: Enveloppe
    au: dt.date | None
    compteurs: regles.Compteurs
    situation: regles.Situation
    par_etablissement: list[Ligne]
    par_statut: list[Ligne]
    par_activite: list[Ligne]
    retenus: list[EtablissementRetenu]  # those of the selection (all by default)
    cles_retenus: list = field(default_factory=list)  # every retained établissement's id
    nb_retards: int = 0  # late domaines of the whole envelope
    nb_dossiers: int = 0  # retained dossiers of the whole envelope
    profils_etablissements: dict = field(default_factory=dict)  # id -> regles.Profil, all
    compteurs_etablissements: dict = field(default_factory=dict)  # id -> Compteurs, all

    @property
    def lignes_situation(self) -> list[tuple[str, str, Decimal]]:
        return [
            (attr, libelle, getattr(self.situation, attr)) for attr, libelle in LIGNES_SITUATION
        ]

    @property
    def dossiers(self) -> list[DossierRetenu]:
        return [d for e in self.retenus for d in e.dossiers]

    @property
    def retards(self) -> list[DomaineRetenu]:
        return [d for e in self.retenus for d in e.domaines if d.en_retard]

    @property
    def total_par_statut(self) -> list[Decimal]:
        return valeurs(sum((lig.compteurs for lig in self.par_statut), regles.Compteurs()))


def _mouvements(enveloppe, au: dt.date | None):
    qs = MouvementEnveloppe.objects.filter(enveloppe=enveloppe)
    return qs if au is None else qs.filter(date__lte=au)


def _libelle(choices, valeur) -> str:
    return choices(valeur).label if valeur in choices.values else valeur


# What the pages and exports read of the retained domaines (thousands of rows at scale: the
# wide dossier and établissement rows are not loaded).
CHAMPS_RETENUS = (
    "id",
    "dossier_id",
    "domaine_id",
    "date_cible",
    "suivi",
    "domaine__code",
    "domaine__libelle",
    "domaine__ordre",
    "dossier__numero",
    "dossier__etablissement_id",
    "dossier__etablissement__raison_sociale",
    "dossier__etablissement__finess",
    "dossier__etablissement__statut",
    *(f"dossier__etablissement__{a.value}" for a in Activite),
)


CHAMPS_LEGERS = (
    "pk",
    "dossier_id",
    "dossier__etablissement_id",
    "dossier__etablissement__raison_sociale",
    "dossier__etablissement__statut",
    *(f"dossier__etablissement__{a.value}" for a in Activite),
    "date_cible",
    "suivi",
)


def tableau(enveloppe: Enveloppe, *, au: dt.date | None = None, selection=None) -> Tableau:
    """The envelope's figures from its lines dated up to ``au`` (all when None), in 4 queries.
    Late domaines are flagged for the current state only (``au`` None).

    ``selection(cles)``: given the ids of every retained établissement in display order, returns
    those whose rows (``retenus``, ``par_etablissement``) are built, e.g. a page; all when None.
    The figures, the breakdowns by statut and activité, ``cles_retenus``, ``nb_retards``,
    ``nb_dossiers`` and ``compteurs_etablissements`` always cover the whole envelope."""
    mouvements = _mouvements(enveloppe, au)
    par_domaine = mouvements.par_domaine()
    lignes_domaines = DomaineDossier.objects.filter(
        pk__in=mouvements.order_by().values("domaine")
    ).order_by(
        "dossier__etablissement__raison_sociale",
        "dossier__etablissement_id",
        "dossier__numero",
        "domaine__ordre",
    )
    aujourdhui = aujourd_hui()

    def en_retard(date_cible, suivi) -> bool:
        return (
            au is None
            and date_cible is not None
            and date_cible < aujourdhui
            and suivi not in SUIVI_ATTEINT
        )

    sommes = _sommes_par_etablissement(lignes_domaines, par_domaine, en_retard)
    cles = list(sommes.vecteurs)
    choisis = cles if selection is None else list(selection(cles))
    domaines = (
        lignes_domaines.select_related("domaine", "dossier__etablissement")
        .only(*CHAMPS_RETENUS)
        .annotate(membres_ght=membres_ght_du_domaine())
    )
    if selection is not None:
        domaines = domaines.filter(dossier__etablissement_id__in=choisis)
    retenus = _retenus(domaines, par_domaine, en_retard)
    par_etablissement = {pk: regles.Compteurs(*v) for pk, v in sommes.vecteurs.items()}
    compteurs, par_statut, par_activite = _ventilations(mouvements, sommes)
    profils = sommes.profils
    return Tableau(
        enveloppe=enveloppe,
        au=au,
        compteurs=compteurs,
        situation=regles.situation(enveloppe.montant_publie, compteurs, parametres(enveloppe)),
        par_etablissement=sorted(
            (
                Ligne(pk, profils[pk][0], par_etablissement[pk], retenus[pk].etablissement)
                for pk in choisis
            ),
            key=lambda lig: (lig.libelle, lig.cle),
        ),
        par_statut=[
            Ligne(s, _libelle(Statut, s), c)
            for s, c in sorted(par_statut.items(), key=lambda kv: _ordre(Statut, kv[0]))
        ],
        par_activite=[
            Ligne(a, _libelle(Activite, a), c)
            for a, c in sorted(par_activite.items(), key=lambda kv: _ordre(Activite, kv[0]))
            if c != regles.Compteurs()
        ],
        retenus=list(retenus.values()),
        cles_retenus=cles,
        nb_retards=sommes.nb_retards,
        nb_dossiers=len(sommes.dossiers),
        profils_etablissements={
            pk: regles.Profil(statut, activites) for pk, (_r, statut, activites) in profils.items()
        },
        compteurs_etablissements=par_etablissement,
    )


@dataclass
class _Sommes:
    """Every retained domaine folded per établissement: its figures (``vecteurs``, in the
    order of ``Compteurs``), its profile (name, statut, activités), the late domaines and the
    dossiers seen."""

    vecteurs: dict[int, list] = field(default_factory=dict)
    profils: dict[int, tuple] = field(default_factory=dict)
    nb_retards: int = 0
    dossiers: set[int] = field(default_factory=set)


def _sommes_par_etablissement(lignes_domaines, par_domaine, en_retard) -> _Sommes:
    """Every retained domaine as a plain row: the sums per établissement (every line of a
    dossier is a domaine's), their profile, the late domaines (one query)."""
    sommes = _Sommes()
    for (
        pk,
        dossier_id,
        etab_id,
        raison_sociale,
        statut,
        *activites,
        date_cible,
        suivi,
    ) in lignes_domaines.values_list(*CHAMPS_LEGERS):
        sommes.dossiers.add(dossier_id)
        vecteur = _vecteur(par_domaine[pk])
        somme = sommes.vecteurs.get(etab_id)
        if somme is None:
            sommes.vecteurs[etab_id] = vecteur
            sommes.profils[etab_id] = (
                str(raison_sociale),
                statut,
                tuple(a for a, oui in zip(ACTIVITES, activites, strict=True) if oui),
            )
        else:
            sommes.vecteurs[etab_id] = [a + b for a, b in zip(somme, vecteur, strict=True)]
        sommes.nb_retards += en_retard(date_cible, suivi)
    return sommes


def _retenus(domaines, par_domaine, en_retard) -> dict[int, EtablissementRetenu]:
    """The rows shown: each chosen établissement, its dossiers and their domaines (one query)."""
    retenus: dict[int, EtablissementRetenu] = {}
    for dd in domaines:
        etab = dd.dossier.etablissement
        e = retenus.setdefault(etab.pk, EtablissementRetenu(etab))
        if not e.dossiers or e.dossiers[-1].dossier.pk != dd.dossier_id:
            e.dossiers.append(DossierRetenu(dd.dossier, membres=dd.membres_ght or ""))
        e.dossiers[-1].domaines.append(
            DomaineRetenu(dd, par_domaine[dd.pk], en_retard(dd.date_cible, dd.suivi))
        )
    return retenus


def _ventilations(mouvements, sommes: _Sommes):
    """The envelope's total and the breakdowns by statut and activité add up the
    établissements' figures (exact: amounts in cents) plus the lines of no dossier (national
    redeployments), instead of aggregating the whole ledger once more for each (one query)."""
    total = ("total",)
    cumuls: dict[tuple, list] = {
        total: _vecteur(mouvements.filter(dossier__isnull=True).compteurs())
    }
    for pk, vecteur in sommes.vecteurs.items():
        _raison_sociale, statut, activites = sommes.profils[pk]
        for cle in [total, ("statut", statut), *(("activite", a) for a in activites)]:
            somme = cumuls.get(cle)
            cumuls[cle] = (
                list(vecteur)
                if somme is None
                else [a + b for a, b in zip(somme, vecteur, strict=True)]
            )
    compteurs = regles.Compteurs(*cumuls.pop(total))
    par_statut = {cle[1]: regles.Compteurs(*v) for cle, v in cumuls.items() if cle[0] == "statut"}
    par_activite = {
        cle[1]: regles.Compteurs(*v) for cle, v in cumuls.items() if cle[0] == "activite"
    }
    return compteurs, par_statut, par_activite


ACTIVITES = tuple(a.value for a in Activite)


def _vecteur(compteurs: regles.Compteurs) -> list[Decimal]:
    return [getattr(compteurs, nom) for nom in regles.COMPTEURS]


def _ordre(choices, valeur) -> tuple:
    return (choices.values.index(valeur), "") if valeur in choices.values else (99, valeur)


# --- the annual synthesis ------------------------------------------------------------------------


@dataclass
class Synthese:
    annee: int
    debut: regles.Situation  # at 31/12 of the previous year
    tableau: Tableau  # at 31/12 of the year
    mouvements: list[MouvementEnveloppe]  # the year's lines (of the selection's dossiers)
    nb_mouvements: int = 0  # the year's lines, all
    commentaires: int = 0  # dossiers commented by the CMSI, all

    @property
    def enveloppe(self) -> Enveloppe:
        return self.tableau.enveloppe

    @property
    def fin(self) -> dt.date:
        return self.tableau.au

    @property
    def provisoire(self) -> bool:
        """The current year: its figures still move."""
        return self.fin >= aujourd_hui()

    @property
    def lignes(self) -> list[tuple[str, str, Decimal, Decimal]]:
        return lignes_synthese(self.debut, self.tableau.situation)


def lignes_synthese(debut: regles.Situation, fin: regles.Situation) -> list[tuple]:
    """The "Synthèse" section: (attribute, label, at 31/12, change over the year)."""
    return [
        (attr, libelle, getattr(fin, attr), getattr(fin, attr) - getattr(debut, attr))
        for attr, libelle in LIGNES_SITUATION
    ]


def synthese(enveloppe: Enveloppe, annee: int, *, selection=None) -> Synthese:
    """The région's annual synthesis: a fixed number of queries whatever the envelope's size.

    ``selection`` as for :func:`tableau` (a page of établissements): the rows per établissement,
    the comments and the year's lines are then those of the selected établissements' dossiers
    (plus the lines of no dossier); the figures and the counts still cover the envelope."""
    fin = dt.date(annee, 12, 31)
    t = tableau(enveloppe, au=fin, selection=selection)
    debut = _mouvements(enveloppe, dt.date(annee - 1, 12, 31)).compteurs()
    dossiers = {d.dossier.pk: d for d in t.dossiers}
    commentaires = CommentaireSynthese.objects.filter(enveloppe=enveloppe, annee=annee)
    for c in (
        commentaires if selection is None else commentaires.filter(dossier_id__in=dossiers)
    ).select_related("auteur"):
        if c.dossier_id in dossiers:
            dossiers[c.dossier_id].commentaire = c
    annuelles = MouvementEnveloppe.objects.filter(enveloppe=enveloppe, date__year=annee)
    lignes = annuelles
    if selection is not None:
        lignes = lignes.filter(Q(dossier__isnull=True) | Q(dossier_id__in=dossiers))
    lignes = list(
        lignes.select_related("dossier__etablissement", "domaine__domaine", "acteur").order_by(
            "date", "pk"
        )
    )
    return Synthese(
        annee=annee,
        debut=regles.situation(enveloppe.montant_publie, debut, parametres(enveloppe)),
        tableau=t,
        mouvements=lignes,
        nb_mouvements=len(lignes) if selection is None else annuelles.count(),
        commentaires=(
            sum(1 for d in dossiers.values() if d.commentaire is not None)
            if selection is None
            else commentaires.filter(
                dossier_id__in=dossiers_de_la_synthese(enveloppe, annee)
            ).count()
        ),
    )


def dossiers_de_la_synthese(enveloppe: Enveloppe, annee: int):
    """Ids of the dossiers the synthesis of ``annee`` lists (lines up to 31/12)."""
    return (
        _mouvements(enveloppe, dt.date(annee, 12, 31))
        .filter(dossier__isnull=False)
        .order_by()
        .values("dossier")
    )


# --- national redeployments of an envelope ------------------------------------------------------


@dataclass(frozen=True)
class LigneRedeploiement:
    """A redeployment line of an envelope with the other envelope of the pair."""

    mouvement: MouvementEnveloppe
    recu: bool  # True: received from ``autre``; False: given to ``autre``
    autre: Enveloppe


def redeploiements(enveloppe: Enveloppe) -> list[LigneRedeploiement]:
    """The envelope's redeployment lines, oldest first, each with the other région's envelope
    (2 queries): a received line names its ``contrepartie``; a given line is the
    ``contrepartie`` of the other envelope's received line."""
    lignes = list(
        MouvementEnveloppe.objects.filter(
            enveloppe=enveloppe,
            nature__in=list(NATURES_REDEPLOIEMENT),
        )
        .select_related("acteur", "contrepartie__enveloppe__region")
        .order_by("date", "pk")
    )
    sortants = [m.pk for m in lignes if m.nature == Nature.REDEPLOIEMENT_SORTANT]
    recus_ailleurs = {
        m.contrepartie_id: m.enveloppe
        for m in MouvementEnveloppe.objects.filter(contrepartie_id__in=sortants).select_related(
            "enveloppe__region"
        )
    }
    return [
        LigneRedeploiement(
            mouvement=m,
            recu=m.nature == Nature.REDEPLOIEMENT_ENTRANT,
            autre=m.contrepartie.enveloppe
            if m.nature == Nature.REDEPLOIEMENT_ENTRANT
            else recus_ailleurs[m.pk],
        )
        for m in lignes
    ]
