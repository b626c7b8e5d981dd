"""HOP'EN's amorçage by derogation, read from the ledger (SPEC §3 "HOP'EN derogation"):
amorçage paid before the HOP'EN prérequis are met, within 30 % of the région's amorçage
credits (up to 50 % by a national decision, ``DecisionDerogation``), repayable when the
prérequis are not met by the programme's deadline (01/01/2021, the programme's calendar
``prerequis_hopen``: never written here) [003 §5.1, A2 §2].

Every figure is a sum over the ledger lines flagged ``derogation`` (the rules of
``enveloppes.regles``; nothing stored):

- by région (:func:`regions`): the amorçage credits (``plafond_amorcage``), the share in force
  and who set it, the resulting limit, the derogatory amorçage engaged (net of cancellations
  and repayments received) and paid (gross of repayments), the share of the credits used,
  what is left under the limit, and what is repayable at the deadline;
- by dossier (:func:`dossiers`): the same for each dossier that used it, with its
  établissement, the date its prérequis were met (or pending) and whether the repayment is
  due now.

"Repayable at the deadline": what the établissement was paid by derogation, unless its
prérequis were met on or before the deadline (``regles.remboursement_derogation_exigible``:
due from the day after). A fixed number of queries whatever the number of régions or dossiers.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404

from dossiers.models import Dossier as ModeleDossier
from enveloppes import regles
from enveloppes.models import DecisionDerogation, Enveloppe, MouvementEnveloppe
from enveloppes.parametres import PUBLIES, parametres_de
from hn.dates import aujourd_hui
from hn.referentiel.models import Programme


class SansDerogation(Http404):
    """The programme has no derogation (HN): the pages answer 404 with their own message."""

    def __init__(self, programme):
        super().__init__(f"Le programme {programme.code} ne prévoit pas d'amorçage par dérogation.")
        self.programme = programme


def a_une_derogation(programme) -> bool:
    """Without a query: the programme's published rules name a derogation share."""
    return PUBLIES.get(programme.code, {}).get("derogation_taux") is not None


def programme_avec_derogation(code: str) -> tuple[Programme, regles.ParametresEnveloppe]:
    """The programme and its rules; 404 when unknown, :class:`SansDerogation` without one."""
    programme = Programme.objects.filter(code=str(code).upper()).first()
    if programme is None:
        raise Http404("Programme inconnu.")
    parametres = parametres_de(programme)
    if parametres.derogation_taux is None:
        raise SansDerogation(programme)
    return programme, parametres


@dataclass(frozen=True)
class Chiffres:
    """Derogation figures of a région or a dossier (euros, to the cent)."""

    engage: Decimal  # derogatory amorçage decided, net of cancellations and repayments received
    verse: Decimal  # paid by derogation (gross: repayments received included)
    du: Decimal  # repayment due, not yet received
    rembourse: Decimal  # repayments received
    a_rembourser: Decimal  # repayable at the deadline (prérequis not met by then)

    @classmethod
    def de(cls, c: regles.Compteurs, a_rembourser: Decimal = regles.ZERO) -> "Chiffres":
        return cls(
            engage=c.engage_amorcage,
            verse=c.consomme_amorcage + c.rembourse_amorcage,
            du=c.du_amorcage,
            rembourse=c.rembourse_amorcage,
            a_rembourser=a_rembourser,
        )


@dataclass(frozen=True)
class Region:
    enveloppe: Enveloppe
    credits_amorcage: Decimal
    taux: Decimal
    decision: DecisionDerogation | None  # None: the programme's base share
    plafond: Decimal
    chiffres: Chiffres
    etablissements: int

    @property
    def part_utilisee(self) -> Decimal:
        """Share of the région's amorçage credits engaged by derogation."""
        if not self.credits_amorcage:
            return regles.ZERO
        return self.chiffres.engage / self.credits_amorcage

    @property
    def reste(self) -> Decimal:
        return self.plafond - self.chiffres.engage


def _derniere_decision(enveloppes) -> dict:
    decisions: dict = {}
    for d in (
        DecisionDerogation.objects.filter(enveloppe__in=enveloppes)
        .select_related("acteur")
        .order_by("enveloppe", "-cree_le", "-pk")
    ):
        decisions.setdefault(d.enveloppe_id, d)
    return decisions


def _lignes_derogation(**filtres):
    return MouvementEnveloppe.objects.filter(derogation=True, **filtres)


def _atteints_a_temps(echeance: dt.date) -> Q:
    """The lines of dossiers whose prérequis were met by the deadline (nothing to repay)."""
    return Q(dossier__prerequis_atteints_le__lte=echeance)


def regions(enveloppes, parametres: regles.ParametresEnveloppe) -> list[Region]:
    """One row per envelope (5 queries): see the module's docstring."""
    enveloppes = list(enveloppes)
    ids = [e.pk for e in enveloppes]
    echeance = parametres.derogation_echeance
    toutes = MouvementEnveloppe.objects.filter(enveloppe_id__in=ids).par("enveloppe")
    derogation = _lignes_derogation(enveloppe_id__in=ids)
    par_enveloppe = derogation.par("enveloppe")
    exposees = derogation.exclude(_atteints_a_temps(echeance)) if echeance else derogation
    a_rembourser = exposees.par("enveloppe")
    etablissements = dict(
        derogation.order_by()
        .values_list("enveloppe")
        .annotate(n=Count("dossier__etablissement", distinct=True))
    )
    decisions = _derniere_decision(ids)
    result = []
    for e in enveloppes:
        decision = decisions.get(e.pk)
        taux = decision.taux if decision else parametres.derogation_taux
        etat = regles.EtatEnveloppe(
            publie=e.montant_publie,
            parametres=parametres,
            taux_derogation=taux,
            compteurs=toutes.get(e.pk, regles.Compteurs()),
        )
        expose = a_rembourser.get(e.pk, regles.Compteurs())
        result.append(
            Region(
                enveloppe=e,
                credits_amorcage=etat.plafond_amorcage,
                taux=taux,
                decision=decision,
                plafond=etat.plafond_derogation,
                chiffres=Chiffres.de(
                    par_enveloppe.get(e.pk, regles.Compteurs()),
                    expose.consomme_amorcage + expose.rembourse_amorcage,
                ),
                etablissements=etablissements.get(e.pk, 0),
            )
        )
    return result


def total(lignes: list[Region]) -> Chiffres:
    return Chiffres(
        **{
            champ: sum((getattr(r.chiffres, champ) for r in lignes), regles.ZERO)
            for champ in ("engage", "verse", "du", "rembourse", "a_rembourser")
        }
    )


@dataclass(frozen=True)
class Dossier:
    dossier: object  # dossiers.models.Dossier, with its établissement
    chiffres: Chiffres
    prerequis_atteints_le: dt.date | None
    a_temps: bool  # prérequis met on or before the deadline
    exigible: bool  # the repayment is due (deadline past, prérequis not met by it)

    @property
    def statut(self) -> str:
        atteints = self.prerequis_atteints_le
        if atteints is not None and self.a_temps:
            return f"Prérequis atteints le {atteints:%d/%m/%Y} : rien à rembourser."
        if self.exigible:
            quand = f" (atteints le {atteints:%d/%m/%Y}, après l'échéance)" if atteints else ""
            return f"Prérequis non atteints à l'échéance{quand} : remboursement exigible."
        return "Prérequis HOP'EN en attente : remboursable s'ils ne sont pas atteints à l'échéance."


def dossiers(enveloppe, parametres: regles.ParametresEnveloppe, *, le=None) -> list[Dossier]:
    """The dossiers of the envelope that used the derogation, by FINESS then numéro
    (2 queries)."""
    le = le or aujourd_hui()
    echeance = parametres.derogation_echeance
    par_dossier = _lignes_derogation(enveloppe=enveloppe).par("dossier")
    result = []
    for dossier in (
        ModeleDossier.objects.filter(pk__in=list(par_dossier))
        .select_related("etablissement")
        .order_by("etablissement__finess", "numero")
    ):
        atteints = dossier.prerequis_atteints_le
        a_temps = atteints is not None and echeance is not None and atteints <= echeance
        c = par_dossier[dossier.pk]
        chiffres = Chiffres.de(c)
        result.append(
            Dossier(
                dossier=dossier,
                chiffres=Chiffres.de(c, regles.ZERO if a_temps else chiffres.verse),
                prerequis_atteints_le=atteints,
                a_temps=a_temps,
                exigible=echeance is not None
                and regles.remboursement_derogation_exigible(
                    echeance=echeance, prerequis_atteints_le=atteints, aujourd_hui=le
                ),
            )
        )
    return result
