# Long: one set of rules (the effects table, the state and its checks), read and tested together.
"""Money rules of the regional envelopes, as pure functions over plain data (no database).

One file on purpose (about 850 lines, a third of it this documentation): the ledger's effects
table, the envelope's state and the checks that read them are one set of rules, read and
tested together (tests/enveloppes/test_regles.py, test_proprietes.py); splitting them would
spread one rule over several modules.

The ledger (``enveloppes.models.MouvementEnveloppe``) is a list of :class:`Mouvement`: every
amount is **positive** and its **nature** gives its effect on each figure (:data:`EFFETS`). Every
figure of an envelope is a sum over its lines — no counter is stored, nothing can drift — and the
SQL aggregation of ``MouvementQuerySet`` is built from the same table, so both give the same
figures (tested).

Figures (:class:`Compteurs`, per envelope, domaine, établissement, statut or activité):

- ``engage``: the funding committed to selected domaines (forfaits), released at closure;
  split ``engage_amorcage`` (amorçage decided) and ``engage_usage`` (the rest).
- ``consomme_amorcage`` / ``consomme_usage``: paid, net of repayments received.
- ``usage_notifie``: usage funding notified (targets met), ``usage_a_verser`` not yet paid.
- ``du_amorcage`` / ``du_usage``: repayments due and not yet received; ``rembourse_*``:
  received.
- ``redeploye``: net national redeployments; ``repris``: recovered amounts taken back from the
  envelope (HOP'EN [003 A2 §2, A4]).

A closed domaine keeps engaged what it was paid until that money is repaid: releasing only the
unpaid part keeps ``engage ≥ consomme`` at every moment; a repayment received lowers both.

Envelope amounts (:class:`Situation`): ``allouee`` = published + net redeployments (the envelope
the national level set); ``total`` = ``allouee`` − ``repris``; ``disponible`` = ``total`` −
``engage``; ``plafond_amorcage`` = ``part_amorcage`` × ``allouee`` (20 % [000 A1 §3, A6 §2;
003 A2 §2]), to the cent below like every cap (amounts being in cents, this is exact). The
amorçage cap is taken on the allocated envelope so that a repayment taken back (HOP'EN) can
never, by itself, push the decided amorçage over the cap.

Rules (:func:`appliquer` checks one new line against the state, and refuses with a French
message giving the figures):

- an engagement fits in the available amount; HN yearly selection caps: the dossiers selected
  in 2013 / 2014 / 2015 each represent at most 40 % / 40 % / 20 % of the envelope — per
  calendar year, not cumulative (they add up to 100 %), counted on the engagements at selection
  dated that year, gross of later releases (a dossier selected in 2013 stays selected in 2013)
  [000 A1 §4]; no cap in other years (the seed gives none);
- amorçage: decided per selected domaine, any amount up to the domaine's forfait not yet
  notified; the région's decided amorçage never exceeds ``plafond_amorcage`` [000 A1 §3, A6 §2];
- HOP'EN derogation: amorçage decided for an établissement that has not yet met the HOP'EN
  prérequis (the HN ones being met) is flagged ``derogation``; the flagged amount is limited to
  30 % of the région's amorçage credits, up to 50 % when the national level raises it because
  too few établissements have met the HOP'EN prérequis [003 §5.1]; it is repayable when the
  prérequis are not met by 01/01/2021 (:func:`remboursement_derogation_exigible`) [003 A2 §2];
- usage funding of a domaine = its forfait − its amorçage, notified once [000 A1 §3, A6 §3];
- payments never exceed what was decided / notified; repayments due never exceed what was
  paid; repayments received never exceed what is due; a redeployment out never exceeds the
  available amount nor lowers the amorçage cap under the amorçage already decided.

Not blocking: :func:`ecarts_equilibre` warns when the retained établissements drift from the
région's statut / activité balance [000 A2 §3].

Where SPEC §3 and the seeds differ (the seeds win):

- SPEC: closure "releases its engagement back to the envelope". HOP'EN seed: "L'enveloppe
  régionale sera déduite des montants récupérés" [003 A2 §2, A4]: for HOP'EN a repayment
  received is taken back from the envelope (a ``reprise`` line); HN gives it back to the région
  (the seed only says the engagement is released [000 A4 §2]).
- The HOP'EN deadline reads "avant le 1er janvier 2021" [003 §5.1, §5.3.1] and "au plus tard
  le 01 janvier 2021" [003 A2 §2], the paragraph that sets the repayment: met on 01/01/2021
  is in time.
- Who raises the derogation share to 50 % is not written; the credits are "délégués" by the
  DGOS [003 §5.1, A2 §3], so it is a national decision here (``DecisionDerogation``).
- The seed's yearly caps stop at 2015 though dépôts run until 31/12/2016 [000 A2 §2]: no cap
  after 2015 other than the envelope.

The derogation flag is set by the caller, who knows whether the établissement has met the
programme's prérequis (the dossier's indicators).
"""

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_FLOOR, Decimal

from enveloppes.enums import NATURES_AMORCAGE, NATURES_DE_DOMAINE, NATURES_REDEPLOIEMENT, Nature
from hn import formats
from hn.referentiel.enums import Activite, Statut
from hn.referentiel.regles import RegleError

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")


class MouvementRefuse(RegleError):
    """A money operation the rules refuse; ``message`` is French, for the user."""


def plancher(montant: Decimal) -> Decimal:
    """A cap to the cent below: amounts being in cents, ``x ≤ cap`` ⇔ ``x ≤ plancher(cap)``."""
    return Decimal(montant).quantize(CENTIME, rounding=ROUND_FLOOR)


# --- formatting of the messages -----------------------------------------------------------------


def euros(montant: Decimal | int) -> str:
    """French amount to the cent: ``1 234 567,89 €`` (``hn.formats.euros``)."""
    return formats.euros(montant, centimes=True)


def pourcent(part: Decimal) -> str:
    """``Decimal("0.375")`` → ``37,5 %``, ``Decimal("0.2")`` → ``20 %`` (``hn.formats``)."""
    return formats.pourcentage(Decimal(part) * 100, decimales=1, minimum=0)


# --- the ledger as plain data -------------------------------------------------------------------


@dataclass(frozen=True)
class Mouvement:
    """One ledger line. ``montant`` > 0, to the cent; ``date`` is the date of effect."""

    nature: str
    montant: Decimal
    date: dt.date
    domaine: Hashable | None = None
    dossier: Hashable | None = None
    etablissement: Hashable | None = None
    statut: str = ""
    activites: tuple[str, ...] = ()
    derogation: bool = False
    domaine_code: str = ""  # for the messages only


@dataclass(frozen=True)
class Compteurs:
    engage: Decimal = ZERO
    engage_selection: Decimal = ZERO  # gross engagements at selection (never released)
    engage_amorcage: Decimal = ZERO
    engage_amorcage_derogatoire: Decimal = ZERO
    consomme_amorcage: Decimal = ZERO
    consomme_usage: Decimal = ZERO
    usage_notifie: Decimal = ZERO
    du_amorcage: Decimal = ZERO
    du_usage: Decimal = ZERO
    rembourse_amorcage: Decimal = ZERO
    rembourse_usage: Decimal = ZERO
    redeploye: Decimal = ZERO
    repris: Decimal = ZERO

    @property
    def engage_usage(self) -> Decimal:
        return self.engage - self.engage_amorcage

    @property
    def consomme(self) -> Decimal:
        return self.consomme_amorcage + self.consomme_usage

    @property
    def amorcage_a_verser(self) -> Decimal:
        return self.engage_amorcage - self.consomme_amorcage

    @property
    def usage_a_verser(self) -> Decimal:
        return self.usage_notifie - self.consomme_usage

    @property
    def usage_libre(self) -> Decimal:
        """Engaged, neither decided as amorçage nor notified as usage: what an amorçage
        decision, the usage notification or a release may take."""
        return self.engage - self.engage_amorcage - self.usage_notifie

    @property
    def remboursement_du(self) -> Decimal:
        return self.du_amorcage + self.du_usage

    @property
    def rembourse(self) -> Decimal:
        return self.rembourse_amorcage + self.rembourse_usage

    @property
    def derogatoire(self) -> bool:
        return self.engage_amorcage_derogatoire > 0

    def avec(self, effets: Mapping[str, int], montant: Decimal) -> "Compteurs":
        return replace(
            self, **{nom: getattr(self, nom) + signe * montant for nom, signe in effets.items()}
        )

    def __add__(self, other: "Compteurs") -> "Compteurs":
        return Compteurs(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


COMPTEURS = tuple(f.name for f in fields(Compteurs))

# Effect of one line of each nature on each figure: +1 adds the amount, -1 subtracts it.
EFFETS: dict[str, dict[str, int]] = {
    Nature.ENGAGEMENT: {"engage": 1, "engage_selection": 1},
    Nature.ENGAGEMENT_COMPLEMENTAIRE: {"engage": 1},
    Nature.LIBERATION: {"engage": -1},
    Nature.AMORCAGE_DECIDE: {"engage_amorcage": 1},
    Nature.AMORCAGE_ANNULE: {"engage_amorcage": -1},
    Nature.AMORCAGE_VERSE: {"consomme_amorcage": 1},
    Nature.USAGE_NOTIFIE: {"usage_notifie": 1},
    Nature.USAGE_ANNULE: {"usage_notifie": -1},
    Nature.USAGE_VERSE: {"consomme_usage": 1},
    Nature.REMBOURSEMENT_AMORCAGE_DU: {"du_amorcage": 1},
    Nature.REMBOURSEMENT_AMORCAGE_RECU: {
        "du_amorcage": -1,
        "rembourse_amorcage": 1,
        "consomme_amorcage": -1,
        "engage_amorcage": -1,
        "engage": -1,
    },
    Nature.REMBOURSEMENT_USAGE_DU: {"du_usage": 1},
    Nature.REMBOURSEMENT_USAGE_RECU: {
        "du_usage": -1,
        "rembourse_usage": 1,
        "consomme_usage": -1,
        "usage_notifie": -1,
        "engage": -1,
    },
    Nature.REDEPLOIEMENT_ENTRANT: {"redeploye": 1},
    Nature.REDEPLOIEMENT_SORTANT: {"redeploye": -1},
    Nature.REPRISE: {"repris": 1},
}


def effets(nature: str, derogation: bool = False) -> dict[str, int]:
    """The effects of a line; a derogation line also moves the derogatory amorçage."""
    result = dict(EFFETS[nature])
    if derogation and "engage_amorcage" in result:
        result["engage_amorcage_derogatoire"] = result["engage_amorcage"]
    return result


def releve(mouvements: Iterable[Mouvement]) -> Compteurs:
    """Every figure of a set of lines (no check)."""
    compteurs = Compteurs()
    for m in mouvements:
        compteurs = compteurs.avec(effets(m.nature, m.derogation), m.montant)
    return compteurs


def ventiler(
    mouvements: Iterable[Mouvement], cles: Callable[[Mouvement], Iterable[Hashable]]
) -> dict[Hashable, Compteurs]:
    """Figures per key; a line counts under each of its keys (none: not counted)."""
    result: dict[Hashable, Compteurs] = {}
    for m in mouvements:
        for cle in cles(m):
            result[cle] = result.get(cle, Compteurs()).avec(
                effets(m.nature, m.derogation), m.montant
            )
    return result


def par_domaine(mouvements):
    return ventiler(mouvements, lambda m: () if m.domaine is None else (m.domaine,))


def par_dossier(mouvements):
    return ventiler(mouvements, lambda m: () if m.dossier is None else (m.dossier,))


def par_etablissement(mouvements):
    return ventiler(mouvements, lambda m: () if m.etablissement is None else (m.etablissement,))


def par_statut(mouvements):
    """By statut juridique: the sums over the statuts equal the envelope's dossier figures."""
    return ventiler(mouvements, lambda m: (m.statut,) if m.statut else ())


def par_activite(mouvements):
    """By activité: a multi-activity établissement counts under each of its activités, so the
    sums over the activités may exceed the envelope's figures."""
    return ventiler(mouvements, lambda m: m.activites)


def selection_par_annee(mouvements: Iterable[Mouvement]) -> dict[int, Decimal]:
    """Engagements at selection by calendar year of their date (gross)."""
    result: dict[int, Decimal] = {}
    for m in mouvements:
        if m.nature == Nature.ENGAGEMENT:
            result[m.date.year] = result.get(m.date.year, ZERO) + m.montant
    return result


# --- the programme's envelope rules and an envelope's state ------------------------------------


@dataclass(frozen=True)
class ParametresEnveloppe:
    """A programme's envelope rules (``enveloppes.parametres`` builds them)."""

    part_amorcage: Decimal = Decimal("0.20")
    # year -> share of the envelope the dossiers selected that year may represent
    plafonds_annuels: Mapping[int, Decimal] = field(default_factory=dict)
    # HOP'EN derogation: base and maximum share of the région's amorçage credits
    derogation_taux: Decimal | None = None
    derogation_taux_max: Decimal | None = None
    derogation_echeance: dt.date | None = None
    # HOP'EN: recovered amounts are taken back from the regional envelope
    reprise_des_remboursements: bool = False
    # HOP'EN: after an audit, paid usage is repayable too (HN: amorçage only)
    usage_remboursable_apres_audit: bool = False


@dataclass(frozen=True)
class Situation:
    """Every amount of an envelope, for pages, API and exports (euros, to the cent)."""

    publie: Decimal
    redeploye: Decimal
    allouee: Decimal
    repris: Decimal
    total: Decimal
    part_amorcage: Decimal
    plafond_amorcage: Decimal
    engage: Decimal
    engage_amorcage: Decimal
    engage_usage: Decimal
    consomme_amorcage: Decimal
    consomme_usage: Decimal
    consomme: Decimal
    disponible: Decimal
    amorcage_disponible: Decimal
    amorcage_a_verser: Decimal
    usage_a_verser: Decimal
    remboursement_du: Decimal
    rembourse: Decimal


@dataclass(frozen=True)
class EtatEnveloppe:
    """What the checks need: the envelope's figures, those of the domaines concerned and the
    selections per year. ``taux_derogation``: the current derogation share (None: the programme
    has no derogation)."""

    publie: Decimal
    parametres: ParametresEnveloppe = field(default_factory=ParametresEnveloppe)
    taux_derogation: Decimal | None = None
    compteurs: Compteurs = field(default_factory=Compteurs)
    domaines: Mapping[Hashable, Compteurs] = field(default_factory=dict)
    selection: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def allouee(self) -> Decimal:
        return self.publie + self.compteurs.redeploye

    @property
    def total(self) -> Decimal:
        return self.allouee - self.compteurs.repris

    @property
    def disponible(self) -> Decimal:
        return self.total - self.compteurs.engage

    @property
    def plafond_amorcage(self) -> Decimal:
        return plancher(self.parametres.part_amorcage * self.allouee)

    @property
    def plafond_derogation(self) -> Decimal | None:
        if self.taux_derogation is None:
            return None
        return plancher(self.taux_derogation * self.parametres.part_amorcage * self.allouee)

    def plafond_annuel(self, annee: int) -> Decimal | None:
        part = self.parametres.plafonds_annuels.get(annee)
        return None if part is None else plancher(part * self.allouee)

    def domaine(self, cle) -> Compteurs:
        return self.domaines.get(cle, Compteurs())

    def situation(self) -> Situation:
        c = self.compteurs
        return Situation(
            publie=self.publie,
            redeploye=c.redeploye,
            allouee=self.allouee,
            repris=c.repris,
            total=self.total,
            part_amorcage=self.parametres.part_amorcage,
            plafond_amorcage=self.plafond_amorcage,
            engage=c.engage,
            engage_amorcage=c.engage_amorcage,
            engage_usage=c.engage_usage,
            consomme_amorcage=c.consomme_amorcage,
            consomme_usage=c.consomme_usage,
            consomme=c.consomme,
            disponible=self.disponible,
            amorcage_disponible=self.plafond_amorcage - c.engage_amorcage,
            amorcage_a_verser=c.amorcage_a_verser,
            usage_a_verser=c.usage_a_verser,
            remboursement_du=c.remboursement_du,
            rembourse=c.rembourse,
        )


def etat(
    mouvements: Sequence[Mouvement],
    *,
    publie: Decimal,
    parametres: ParametresEnveloppe | None = None,
    taux_derogation: Decimal | None = None,
) -> EtatEnveloppe:
    """The state of an envelope from all its lines (no check)."""
    return EtatEnveloppe(
        publie=Decimal(publie),
        parametres=parametres or ParametresEnveloppe(),
        taux_derogation=taux_derogation,
        compteurs=releve(mouvements),
        domaines=par_domaine(mouvements),
        selection=selection_par_annee(mouvements),
    )


def situation(
    publie: Decimal, compteurs: Compteurs, parametres: ParametresEnveloppe | None = None
) -> Situation:
    return EtatEnveloppe(
        publie=Decimal(publie), parametres=parametres or ParametresEnveloppe(), compteurs=compteurs
    ).situation()


# --- the checks ---------------------------------------------------------------------------------


def _le(code: str) -> str:
    return f"le domaine {code}" if code else "ce domaine"


def _du(code: str) -> str:
    return f"du domaine {code}" if code else "de ce domaine"


def _majuscule(texte: str) -> str:
    return texte[:1].upper() + texte[1:]


def _depassement(quoi: str, plafond: Decimal, deja: Decimal, demande: Decimal) -> str:
    return (
        f"{quoi} {euros(deja)}, demandé {euros(demande)}, soit {euros(deja + demande)} "
        f"(dépassement de {euros(deja + demande - plafond)})"
    )


def _verifier_disponible(etat: EtatEnveloppe, m: Mouvement) -> None:
    if m.montant > etat.disponible:
        raise MouvementRefuse(
            f"Enveloppe insuffisante : il reste {euros(etat.disponible)} disponibles (enveloppe "
            f"{euros(etat.total)}, déjà engagé {euros(etat.compteurs.engage)}) ; l'engagement "
            f"demandé pour {_le(m.domaine_code)} est de {euros(m.montant)}."
        )


def _engagement(etat: EtatEnveloppe, d: Compteurs, m: Mouvement) -> None:
    if d.engage_selection > 0:
        raise MouvementRefuse(
            f"{_majuscule(_le(m.domaine_code))} est déjà engagé : un domaine s'engage une "
            "seule fois, à sa sélection."
        )
    _verifier_disponible(etat, m)
    plafond = etat.plafond_annuel(m.date.year)
    if plafond is not None:
        part = etat.parametres.plafonds_annuels[m.date.year]
        deja = etat.selection.get(m.date.year, ZERO)
        if deja + m.montant > plafond:
            raise MouvementRefuse(
                f"Les dossiers sélectionnés en {m.date.year} ne peuvent représenter plus de "
                f"{pourcent(part)} de l'enveloppe régionale, soit {euros(plafond)} : "
                f"{_depassement(f'déjà sélectionné en {m.date.year}', plafond, deja, m.montant)}."
            )


def _engagement_complementaire(etat, d, m):
    if d.engage_selection == 0:
        raise MouvementRefuse(f"{_majuscule(_le(m.domaine_code))} n'est pas engagé.")
    if d.usage_notifie > 0:
        raise MouvementRefuse(
            f"Le soutien à l'usage {_du(m.domaine_code)} est déjà notifié : son engagement ne "
            "change plus."
        )
    _verifier_disponible(etat, m)


def _liberation(etat, d, m):
    if m.montant > d.usage_libre:
        raise MouvementRefuse(
            f"{_majuscule(_le(m.domaine_code))} n'a que {euros(d.usage_libre)} d'engagement "
            f"libérable (engagé {euros(d.engage)}, dont amorçage {euros(d.engage_amorcage)} "
            f"et usage notifié {euros(d.usage_notifie)})."
        )


def _verifier_derogation_du_domaine(d: Compteurs, m: Mouvement) -> None:
    if d.engage_amorcage > 0 and m.derogation != d.derogatoire:
        sous = "par dérogation" if d.derogatoire else "hors dérogation"
        raise MouvementRefuse(f"L'amorçage {_du(m.domaine_code)} a été décidé {sous}.")


def _amorcage_decide(etat, d, m):
    if d.engage_selection == 0:
        raise MouvementRefuse(
            f"{_majuscule(_le(m.domaine_code))} n'est pas engagé : l'amorçage se décide sur un "
            "domaine sélectionné."
        )
    if m.montant > d.usage_libre:
        raise MouvementRefuse(
            f"L'amorçage {_du(m.domaine_code)} ne peut dépasser la part de son forfait non encore "
            f"notifiée, soit {euros(d.usage_libre)} (forfait engagé {euros(d.engage)}, "
            f"amorçage déjà décidé {euros(d.engage_amorcage)}, usage notifié "
            f"{euros(d.usage_notifie)}) ; demandé {euros(m.montant)}."
        )
    if m.derogation and etat.taux_derogation is None:
        raise MouvementRefuse(
            "Ce programme ne prévoit pas d'amorçage versé avant l'atteinte des prérequis."
        )
    _verifier_derogation_du_domaine(d, m)
    plafond = etat.plafond_amorcage
    deja = etat.compteurs.engage_amorcage
    if deja + m.montant > plafond:
        raise MouvementRefuse(
            "L'amorçage de la région ne peut dépasser "
            f"{pourcent(etat.parametres.part_amorcage)} de son enveloppe, soit {euros(plafond)} "
            f"(enveloppe {euros(etat.allouee)}) : "
            f"{_depassement('déjà décidé', plafond, deja, m.montant)}."
        )
    if m.derogation:
        plafond = etat.plafond_derogation
        deja = etat.compteurs.engage_amorcage_derogatoire
        if deja + m.montant > plafond:
            raise MouvementRefuse(
                "L'amorçage versé avant l'atteinte des prérequis est limité à "
                f"{pourcent(etat.taux_derogation)} des crédits d'amorçage de la région "
                f"({euros(etat.plafond_amorcage)}), soit {euros(plafond)} : "
                f"{_depassement('déjà décidé par dérogation', plafond, deja, m.montant)}."
            )


def _amorcage_a_verser(etat, d, m):
    _verifier_derogation_du_domaine(d, m)
    if m.montant > d.amorcage_a_verser:
        raise MouvementRefuse(
            f"L'amorçage décidé et non versé {_du(m.domaine_code)} est de "
            f"{euros(d.amorcage_a_verser)} (décidé {euros(d.engage_amorcage)}, versé "
            f"{euros(d.consomme_amorcage)}) ; demandé {euros(m.montant)}."
        )


def usage_a_notifier(d: Compteurs, domaine_code: str = "") -> Decimal:
    """The usage funding of a domaine: its forfait − its amorçage, notified once
    [000 A1 §3, A6 §3]."""
    if d.engage_selection == 0:
        raise MouvementRefuse(f"{_majuscule(_le(domaine_code))} n'est pas engagé.")
    if d.usage_notifie > 0:
        raise MouvementRefuse(f"Le soutien à l'usage {_du(domaine_code)} est déjà notifié.")
    if d.usage_libre <= 0:
        raise MouvementRefuse(
            f"{_majuscule(_le(domaine_code))} n'a plus de soutien à l'usage à notifier."
        )
    return d.usage_libre


def _usage_notifie(etat, d, m):
    attendu = usage_a_notifier(d, m.domaine_code)
    if m.montant != attendu:
        raise MouvementRefuse(
            f"Le soutien à l'usage {_du(m.domaine_code)} est son forfait moins son amorçage : "
            f"{euros(attendu)} (forfait engagé {euros(d.engage)}, amorçage "
            f"{euros(d.engage_amorcage)}) ; demandé {euros(m.montant)}."
        )


def _usage_a_verser(etat, d, m):
    if m.montant > d.usage_a_verser:
        raise MouvementRefuse(
            f"Le soutien à l'usage notifié et non versé {_du(m.domaine_code)} est de "
            f"{euros(d.usage_a_verser)} (notifié {euros(d.usage_notifie)}, versé "
            f"{euros(d.consomme_usage)}) ; demandé {euros(m.montant)}."
        )


def _remboursement_du(volet):
    def verifier(etat, d, m):
        if volet == "amorcage":
            _verifier_derogation_du_domaine(d, m)
        verse = getattr(d, f"consomme_{volet}")
        du = getattr(d, f"du_{volet}")
        if m.montant > verse - du:
            libelle = "d'amorçage" if volet == "amorcage" else "de soutien à l'usage"
            raise MouvementRefuse(
                f"Le remboursement {libelle} exigible {_du(m.domaine_code)} est au plus "
                f"{euros(verse - du)} (versé {euros(verse)}, déjà dû {euros(du)}) ; "
                f"demandé {euros(m.montant)}."
            )

    return verifier


def _remboursement_recu(volet):
    def verifier(etat, d, m):
        if volet == "amorcage":
            _verifier_derogation_du_domaine(d, m)
        du = getattr(d, f"du_{volet}")
        if m.montant > du:
            raise MouvementRefuse(
                f"Le remboursement dû pour {_le(m.domaine_code)} est de {euros(du)} ; reçu "
                f"{euros(m.montant)} : le montant reçu ne peut dépasser le montant dû."
            )

    return verifier


def _reprise(etat, d, m):
    if m.montant > d.rembourse - d.repris:
        raise MouvementRefuse(
            f"Seuls les montants remboursés et non encore repris peuvent être repris sur "
            f"l'enveloppe : {euros(d.rembourse - d.repris)} pour {_le(m.domaine_code)}."
        )


def _redeploiement_sortant(etat, d, m):
    if m.montant > etat.disponible:
        raise MouvementRefuse(
            f"Le redéploiement ne peut dépasser le disponible de l'enveloppe, soit "
            f"{euros(etat.disponible)} ; demandé {euros(m.montant)}."
        )
    apres = replace(etat, publie=etat.publie - m.montant)
    plafond = apres.plafond_amorcage
    if etat.compteurs.engage_amorcage > plafond:
        raise MouvementRefuse(
            f"Après ce redéploiement, le plafond d'amorçage ({euros(plafond)}) serait inférieur "
            f"à l'amorçage déjà décidé ({euros(etat.compteurs.engage_amorcage)})."
        )
    if etat.taux_derogation is not None:
        plafond_derogation = apres.plafond_derogation
        if etat.compteurs.engage_amorcage_derogatoire > plafond_derogation:
            raise MouvementRefuse(
                "Après ce redéploiement, la limite de l'amorçage par dérogation "
                f"({euros(plafond_derogation)}) serait inférieure à l'amorçage déjà décidé par "
                f"dérogation ({euros(etat.compteurs.engage_amorcage_derogatoire)})."
            )


def _aucune(etat, d, m):
    return None


VERIFICATIONS = {
    Nature.ENGAGEMENT: _engagement,
    Nature.ENGAGEMENT_COMPLEMENTAIRE: _engagement_complementaire,
    Nature.LIBERATION: _liberation,
    Nature.AMORCAGE_DECIDE: _amorcage_decide,
    Nature.AMORCAGE_ANNULE: _amorcage_a_verser,
    Nature.AMORCAGE_VERSE: _amorcage_a_verser,
    Nature.USAGE_NOTIFIE: _usage_notifie,
    Nature.USAGE_ANNULE: _usage_a_verser,
    Nature.USAGE_VERSE: _usage_a_verser,
    Nature.REMBOURSEMENT_AMORCAGE_DU: _remboursement_du("amorcage"),
    Nature.REMBOURSEMENT_AMORCAGE_RECU: _remboursement_recu("amorcage"),
    Nature.REMBOURSEMENT_USAGE_DU: _remboursement_du("usage"),
    Nature.REMBOURSEMENT_USAGE_RECU: _remboursement_recu("usage"),
    Nature.REDEPLOIEMENT_ENTRANT: _aucune,
    Nature.REDEPLOIEMENT_SORTANT: _redeploiement_sortant,
    Nature.REPRISE: _reprise,
}


def verifier_montant(montant) -> Decimal:
    """A positive amount in euros and cents."""
    try:
        valeur = Decimal(str(montant))
    except ArithmeticError:
        valeur = None
    if valeur is None or not valeur.is_finite():
        raise MouvementRefuse("Le montant doit être un nombre.")
    if valeur <= 0:
        raise MouvementRefuse("Le montant doit être strictement positif.")
    if valeur >= Decimal("1e12"):
        raise MouvementRefuse("Le montant est hors de proportion avec une enveloppe régionale.")
    if valeur != valeur.quantize(CENTIME):
        raise MouvementRefuse("Le montant s'exprime en euros et centimes (deux décimales au plus).")
    return valeur.quantize(CENTIME)


def appliquer(etat: EtatEnveloppe, m: Mouvement) -> EtatEnveloppe:
    """Check one new line against the state; the new state, or :class:`MouvementRefuse`."""
    if m.nature not in EFFETS:
        raise MouvementRefuse(f"Nature de mouvement inconnue : {m.nature}.")
    verifier_montant(m.montant)
    if m.nature in NATURES_DE_DOMAINE and m.domaine is None:
        raise MouvementRefuse("Ce mouvement doit désigner le domaine d'un dossier.")
    if m.nature in NATURES_REDEPLOIEMENT and (m.domaine is not None or m.dossier is not None):
        raise MouvementRefuse("Un redéploiement concerne l'enveloppe, pas un dossier.")
    if m.derogation and m.nature not in NATURES_AMORCAGE:
        raise MouvementRefuse("Seul l'amorçage peut relever de la dérogation.")
    d = etat.domaine(m.domaine)
    VERIFICATIONS[m.nature](etat, d, m)
    eff = effets(m.nature, m.derogation)
    domaines = dict(etat.domaines)
    if m.domaine is not None:
        domaines[m.domaine] = d.avec(eff, m.montant)
    selection = dict(etat.selection)
    if m.nature == Nature.ENGAGEMENT:
        selection[m.date.year] = selection.get(m.date.year, ZERO) + m.montant
    return replace(
        etat,
        compteurs=etat.compteurs.avec(eff, m.montant),
        domaines=domaines,
        selection=selection,
    )


def appliquer_tous(etat: EtatEnveloppe, mouvements: Iterable[Mouvement]) -> EtatEnveloppe:
    for m in mouvements:
        etat = appliquer(etat, m)
    return etat


def changer_taux_derogation(etat: EtatEnveloppe, taux) -> EtatEnveloppe:
    """The national level sets the derogation share between the programme's base (30 %) and
    maximum (50 %) [003 §5.1]; never under the amorçage already decided by derogation."""
    p = etat.parametres
    if p.derogation_taux is None or p.derogation_taux_max is None:
        raise MouvementRefuse("Ce programme ne prévoit pas d'amorçage par dérogation.")
    try:
        taux = Decimal(str(taux))
    except ArithmeticError:
        raise MouvementRefuse("La part doit être un nombre (par exemple 0.40).") from None
    if not taux.is_finite() or not (p.derogation_taux <= taux <= p.derogation_taux_max):
        raise MouvementRefuse(
            "La part de l'amorçage par dérogation est comprise entre "
            f"{pourcent(p.derogation_taux)} et {pourcent(p.derogation_taux_max)} des crédits "
            "d'amorçage de la région."
        )
    if taux != taux.quantize(CENTIME):
        raise MouvementRefuse("La part s'exprime en centièmes (par exemple 0.45).")
    apres = replace(etat, taux_derogation=taux.quantize(CENTIME))
    plafond = apres.plafond_derogation
    if etat.compteurs.engage_amorcage_derogatoire > plafond:
        raise MouvementRefuse(
            f"À {pourcent(taux)}, la limite de l'amorçage par dérogation ({euros(plafond)}) "
            "serait inférieure à l'amorçage déjà décidé par dérogation "
            f"({euros(etat.compteurs.engage_amorcage_derogatoire)})."
        )
    return apres


# --- closure: what a closed domaine releases and makes repayable --------------------------------


def cloture(d: Compteurs, *, cle, date: dt.date, usage_remboursable: bool, **champs):
    """The lines closing a domaine [000 A4 §2, A6 §3; 003 A4]: the decided amorçage not paid
    and the usage notified not paid are cancelled, the unpaid engagement is released, the paid
    amorçage (and, when ``usage_remboursable``, the paid usage) becomes repayable."""
    commun = {"date": date, "domaine": cle, **champs}
    derogation = d.derogatoire
    lignes = [
        Mouvement(Nature.AMORCAGE_ANNULE, d.amorcage_a_verser, derogation=derogation, **commun),
        Mouvement(Nature.USAGE_ANNULE, d.usage_a_verser, **commun),
        Mouvement(Nature.LIBERATION, d.engage - d.consomme_amorcage - d.consomme_usage, **commun),
        Mouvement(
            Nature.REMBOURSEMENT_AMORCAGE_DU,
            d.consomme_amorcage - d.du_amorcage,
            derogation=derogation,
            **commun,
        ),
    ]
    if usage_remboursable:
        lignes.append(
            Mouvement(Nature.REMBOURSEMENT_USAGE_DU, d.consomme_usage - d.du_usage, **commun)
        )
    return [m for m in lignes if m.montant > 0]


def remboursement_derogation_exigible(
    *, echeance: dt.date, prerequis_atteints_le: dt.date | None, aujourd_hui: dt.date
) -> bool:
    """Amorçage paid before the HOP'EN prérequis becomes repayable when they are not met by
    the deadline: "Les prérequis doivent être atteints au plus tard le 01 janvier 2021. Si les
    prérequis ne sont pas atteints à date par l'établissement, il remboursera les montants
    perçus au titre de l'amorçage" [003 A2 §2]. "Au plus tard le" includes the day itself; the
    repayment is due from the next day."""
    if aujourd_hui <= echeance:
        return False
    return prerequis_atteints_le is None or prerequis_atteints_le > echeance


# --- balance of the selection (warning only) ---------------------------------------------------

# Our choice (the seed recommends a balance without a measure [000 A2 §3, 003 §5.3.2]): the
# share of retained établissements of each statut, and having each activité, compared with the
# same share among the région's établissements; a gap above 15 points warns, once at least
# 5 établissements are retained (below that a share means little).
TOLERANCE_EQUILIBRE = Decimal("0.15")
MINIMUM_EQUILIBRE = 5


@dataclass(frozen=True)
class Profil:
    statut: str
    activites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ecart:
    axe: str  # "statut" or "activite"
    valeur: str
    part_selection: Decimal
    part_region: Decimal

    @property
    def points(self) -> Decimal:
        return abs(self.part_selection - self.part_region) * 100

    @property
    def message(self) -> str:
        if self.axe == "statut":
            libelle = Statut(self.valeur).label if self.valeur in Statut.values else self.valeur
            quoi = f"sont de statut « {libelle} »"
        else:
            libelle = Activite(self.valeur).label if self.valeur in Activite.values else self.valeur
            quoi = f"exercent une activité {libelle}"
        return (
            f"{pourcent(self.part_selection)} des établissements retenus {quoi}, contre "
            f"{pourcent(self.part_region)} des établissements de la région : la sélection "
            "s'écarte de l'équilibre préconisé entre statuts et activités."
        )


def ecarts_equilibre(
    selection: Sequence[Profil],
    region: Sequence[Profil],
    *,
    tolerance: Decimal = TOLERANCE_EQUILIBRE,
    minimum: int = MINIMUM_EQUILIBRE,
) -> list[Ecart]:
    """Warnings (never a refusal) when the retained établissements drift from the région's
    statut / activité balance [000 A2 §3]."""
    if len(selection) < minimum or not region:
        return []

    def part(profils, test) -> Decimal:
        return Decimal(sum(1 for p in profils if test(p))) / Decimal(len(profils))

    axes = [
        ("statut", v, lambda p, v=v: p.statut == v)
        for v in sorted({p.statut for p in [*selection, *region]})
    ] + [("activite", a.value, lambda p, a=a.value: a in p.activites) for a in Activite]
    ecarts = []
    for axe, valeur, test in axes:
        ecart = Ecart(axe, valeur, part(selection, test), part(region, test))
        if abs(ecart.part_selection - ecart.part_region) > tolerance:
            ecarts.append(ecart)
    return ecarts
