# Long: every operation writing ledger lines, under one lock order and one way of tracing.
"""Money operations on the regional envelopes: atomic, authorised, checked, traced.

One file on purpose (about 630 lines): every operation that writes ledger lines lives here,
under the same lock order and tracing (the house's ``actions.py``); the pure rules they check are
``enveloppes.regles``.

Each operation locks the envelope's row (``select_for_update``), reads the envelope's figures
by SQL aggregation *after* taking the lock, checks the new ledger lines with the pure rules of
``enveloppes.regles`` and appends them, then traces with ``hn.journal.tracer`` in the same
transaction. Two CMSI deciding amorçage at the same instant run one after the other: the second
sees the first's lines and is refused if both do not fit under 20 %. On refusal nothing is
written: :class:`~enveloppes.regles.MouvementRefuse` (French ``message``, HTTP 400/409 for the
caller) or ``PermissionDenied`` (403).

Lock order: these functions lock envelope rows only (a redeployment locks both envelopes by
increasing id) and never a dossier, so a caller holding a dossier's lock (``dossiers.actions``)
may call them inside its own transaction.

Signatures (``le``: date of effect, default today in Paris; ``domaine(s)``: domaine codes of the
dossier, e.g. ``"D2"``; amounts: ``Decimal``/``int``/``str`` in euros, two decimals at most):

- ``engager(*, dossier, acting_user, le=None, motif="") -> Engagement``: engages every
  selected domaine at its forfait (établissement's reference-year activity, standard grid);
  refused beyond the available amount or an HN yearly cap; ``Engagement.avertissements`` lists
  the statut / activité balance warnings (never blocking).
- ``decider_amorcage(*, dossier, montants: Mapping[str, amount], acting_user, derogation=False,
  le=None, motif="") -> list[MouvementEnveloppe]``: amorçage per domaine; ``derogation=True``
  when the établissement has not yet met the programme's prérequis (HOP'EN derogation).
- ``verser(*, dossier, domaine, volet, acting_user, montant=None, le=None, motif="")
  -> MouvementEnveloppe``: records a payment (``volet``: ``"amorcage"`` or ``"usage"``;
  ``montant=None``: all that is decided/notified and not yet paid).
- ``notifier_usage(*, dossier, domaine, acting_user, avance=False, le=None, motif="")
  -> list[MouvementEnveloppe]``: usage funding = forfait − amorçage of the domaine; with
  ``avance=True`` the engagement is first raised to the forfait avancé. The caller checks that
  the targets are met (indicators are the dossier's business).
- ``liberer(*, dossier, motif, acting_user=None, domaines=None, audit=False, le=None)
  -> list[MouvementEnveloppe]``: closure of some domaines (all when None): unpaid amounts
  cancelled and released, paid amorçage (HOP'EN after an audit: also paid usage) due back.
  ``acting_user=None`` is the system (end of programme).
- ``exiger_remboursement_derogation(*, dossier, prerequis_atteints_le, acting_user=None,
  le=None) -> list[MouvementEnveloppe]``: the derogatory amorçage becomes repayable (and the
  unpaid part is cancelled) when the prérequis were not met by the programme's deadline.
- ``constater_remboursement(*, dossier, domaine, volet, montant, acting_user, le=None,
  motif="") -> list[MouvementEnveloppe]``: a repayment received (HOP'EN: taken back from the
  envelope as well).
- ``redeployer(*, source, destination, montant, motif, acting_user, le=None)
  -> tuple[MouvementEnveloppe, MouvementEnveloppe]``: national redeployment between two
  envelopes of one programme (national pilot).
- ``fixer_taux_derogation(*, enveloppe, taux, motif, acting_user, le=None)
  -> DecisionDerogation``: the national pilot raises (or lowers back) the derogation share
  between 30 % and 50 %.
- ``ecarts_equilibre_de(enveloppe) -> list[regles.Ecart]``: read-only, the balance warnings.
- ``forfaits_du_dossier(dossier) -> dict[str, tuple[int, int | None]]``: read-only, standard
  and avancé forfait of each domaine (``hn.referentiel.regles``).

Reading the figures: ``enveloppe.situation()`` (``regles.Situation``: total, engaged and
consumed split amorçage / usage, available…), ``Enveloppe.objects.situations()`` (every
envelope in 2 queries), ``MouvementEnveloppe.objects.filter(enveloppe=…).par_etablissement()``
/ ``par_statut()`` / ``par_activite()`` / ``par_domaine()``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count

from dossiers import ght
from dossiers.enums import DecisionDomaine
from dossiers.services import activite_et_forfaits, activite_inconnue
from enveloppes import regles
from enveloppes.enums import Nature, Volet
from enveloppes.models import (
    DecisionDerogation,
    Enveloppe,
    MouvementEnveloppe,
    enveloppe_de,
)
from enveloppes.regles import MouvementRefuse
from hn.champs import TEXTE_LIBRE_MAX, texte
from hn.comptes.perms import peut_instruire, peut_piloter
from hn.dates import aujourd_hui
from hn.journal.services import tracer
from hn.referentiel.enums import Decoupage
from hn.referentiel.models import Etablissement
from hn.saisie import SaisieInvalide


@dataclass
class Engagement:
    mouvements: list[MouvementEnveloppe]
    avertissements: list[str] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------------


def _verrouiller(enveloppe) -> Enveloppe:
    """Lock the envelope's row and reload it: operations on one envelope run one at a time."""
    return (
        Enveloppe.objects.select_for_update(of=("self",))
        .select_related("programme", "region__region_actuelle")
        .get(pk=enveloppe.pk)
    )


def _exiger_instruction(user, enveloppe, *, systeme_admis=False) -> None:
    if user is None and systeme_admis:
        return
    if user is None or not peut_instruire(user, enveloppe.region_ars):
        raise PermissionDenied(
            "Seul le valideur (CMSI) de l'ARS peut engager les crédits de l'enveloppe."
        )


def _exiger_pilotage(user) -> None:
    if user is None or not peut_piloter(user):
        raise PermissionDenied("Seul le pilote national peut modifier les enveloppes régionales.")


def _motif_obligatoire(motif: str, message: str) -> str:
    try:
        motif = texte(motif, longueur=TEXTE_LIBRE_MAX)
    except SaisieInvalide as exc:
        raise MouvementRefuse(exc.message) from None
    if not motif:
        raise MouvementRefuse(message)
    return motif


def _domaines(dossier, codes: Iterable[str]) -> list:
    codes = list(codes)
    trouves = {
        dd.domaine.code: dd for dd in dossier.domaines.select_related("domaine").order_by("pk")
    }
    inconnus = [c for c in codes if c not in trouves]
    if inconnus:
        raise MouvementRefuse(
            f"Domaine{'s' if len(inconnus) > 1 else ''} absent{'s' if len(inconnus) > 1 else ''} "
            f"du dossier {dossier.numero} : {', '.join(inconnus)}."
        )
    return [trouves[c] for c in codes]


def _ligne(nature, montant, *, dossier, dd, le, derogation=False) -> regles.Mouvement:
    etablissement = dossier.etablissement
    return regles.Mouvement(
        nature=nature,
        montant=regles.verifier_montant(montant),
        date=le,
        domaine=dd.pk,
        dossier=dossier.pk,
        etablissement=etablissement.pk,
        statut=etablissement.statut,
        activites=tuple(etablissement.activites),
        derogation=derogation,
        domaine_code=dd.domaine.code,
    )


def membres_de(dossier) -> str:
    """What a ledger line of a GHT dossier says of its members: their FINESS, comma-separated
    (the line itself is the support's, ``dossier.etablissement``) [SPEC §10]; "" otherwise."""
    if dossier is None or not dossier.ght_id:
        return ""
    return ", ".join(e.finess for e in ght.candidats(dossier))


def _enregistrer(enveloppe, lignes, *, acting_user, motif="", contrepartie=None, dossier=None):
    membres = membres_de(dossier)
    return [
        MouvementEnveloppe.objects.create(
            enveloppe=enveloppe,
            dossier_id=m.dossier,
            domaine_id=m.domaine,
            nature=m.nature,
            montant=m.montant,
            derogation=m.derogation,
            date=m.date,
            acteur=acting_user,
            motif=motif,
            membres=membres,
            contrepartie=contrepartie,
        )
        for m in lignes
    ]


def _ecrire(action, enveloppe, lignes, *, acting_user, dossier, motif="", **apres):
    """Append the checked lines and trace them, in the caller's transaction."""
    mouvements = _enregistrer(
        enveloppe, lignes, acting_user=acting_user, motif=motif, dossier=dossier
    )
    _tracer(
        action,
        enveloppe,
        mouvements,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
        **apres,
    )
    return mouvements


def _tracer(action, enveloppe, mouvements, *, acting_user, dossier=None, motif="", **apres):
    tracer(
        action,
        acteur=acting_user,
        objet=dossier if dossier is not None else enveloppe,
        etablissement=dossier.etablissement if dossier is not None else None,
        region=enveloppe.region,
        apres={
            "enveloppe": str(enveloppe),
            "mouvements": [
                {
                    "id": m.pk,
                    "nature": m.nature,
                    "domaine": m.domaine.domaine.code if m.domaine_id else None,
                    "montant": m.montant,
                    "derogation": m.derogation,
                    "date": m.date,
                }
                for m in mouvements
            ],
            **apres,
        },
        commentaire=motif,
    )


def _operation(*, dossier, acting_user, systeme_admis=False):
    """The dossier's envelope, locked, after checking the caller may act on it."""
    enveloppe = _verrouiller(enveloppe_de(dossier))
    _exiger_instruction(acting_user, enveloppe, systeme_admis=systeme_admis)
    return enveloppe


def forfaits_du_dossier(dossier) -> dict[str, tuple[int, int | None]]:
    """Standard and avancé forfait of every domaine for the dossier's établissement, from its
    reference-year activity (``hn.referentiel.regles``); a GHT dossier's is the sum of its
    candidate members' own forfaits (``dossiers.services.activite_et_forfaits``)."""
    calcul = activite_et_forfaits(dossier)
    if calcul is None and dossier.ght_id:
        inconnus = ", ".join(f"{e} ({e.finess})" for e in activite_inconnue(dossier))
        raise MouvementRefuse(
            f"L'activité {dossier.programme.annee_reference_activite} de ces établissements "
            f"candidats du GHT n'est pas connue : {inconnus}. Le forfait du GHT (somme des "
            "forfaits de ses membres) ne peut pas être calculé."
        )
    if calcul is None:
        raise MouvementRefuse(
            f"L'activité {dossier.programme.annee_reference_activite} de l'établissement "
            f"{dossier.etablissement} n'est pas connue : son forfait ne peut pas être calculé."
        )
    return calcul[1]


# --- the operations -----------------------------------------------------------------------------


@transaction.atomic
def engager(*, dossier, acting_user, le=None, motif: str = "") -> Engagement:
    enveloppe = _operation(dossier=dossier, acting_user=acting_user)
    le = le or aujourd_hui()
    selectionnes = [
        dd
        for dd in dossier.domaines.select_related("domaine").order_by("domaine__ordre", "pk")
        if dd.demande and dd.decision == DecisionDomaine.SELECTIONNE
    ]
    if not selectionnes:
        raise MouvementRefuse(f"Le dossier {dossier.numero} n'a aucun domaine sélectionné.")
    forfaits = forfaits_du_dossier(dossier)
    lignes = [
        _ligne(Nature.ENGAGEMENT, forfaits[dd.domaine.code][0], dossier=dossier, dd=dd, le=le)
        for dd in selectionnes
    ]
    regles.appliquer_tous(enveloppe.etat(domaines=[dd.pk for dd in selectionnes]), lignes)
    mouvements = _enregistrer(
        enveloppe, lignes, acting_user=acting_user, motif=motif, dossier=dossier
    )
    avertissements = [e.message for e in ecarts_equilibre_de(enveloppe)]
    _tracer(
        "enveloppe_engagement",
        enveloppe,
        mouvements,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
        avertissements=avertissements,
    )
    return Engagement(mouvements, avertissements)


@transaction.atomic
def decider_amorcage(
    *,
    dossier,
    montants: Mapping[str, object],
    acting_user,
    derogation: bool = False,
    le=None,
    motif: str = "",
) -> list[MouvementEnveloppe]:
    enveloppe = _operation(dossier=dossier, acting_user=acting_user)
    if not montants:
        raise MouvementRefuse("Indiquez le montant d'amorçage de chaque domaine.")
    le = le or aujourd_hui()
    domaines = _domaines(dossier, montants)
    lignes = [
        _ligne(
            Nature.AMORCAGE_DECIDE,
            montants[dd.domaine.code],
            dossier=dossier,
            dd=dd,
            le=le,
            derogation=derogation,
        )
        for dd in domaines
    ]
    regles.appliquer_tous(enveloppe.etat(domaines=[dd.pk for dd in domaines]), lignes)
    return _ecrire(
        "enveloppe_amorcage_decide",
        enveloppe,
        lignes,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
    )


@transaction.atomic
def verser(
    *, dossier, domaine: str, volet: str, acting_user, montant=None, le=None, motif: str = ""
) -> MouvementEnveloppe:
    if volet not in Volet.values:
        raise MouvementRefuse("Choisissez le volet versé : amorcage ou usage.")
    enveloppe = _operation(dossier=dossier, acting_user=acting_user)
    [dd] = _domaines(dossier, [domaine])
    etat = enveloppe.etat(domaines=[dd.pk])
    d = etat.domaine(dd.pk)
    reste = d.amorcage_a_verser if volet == Volet.AMORCAGE else d.usage_a_verser
    if montant is None:
        if reste <= 0:
            quoi = (
                "d'amorçage décidé" if volet == Volet.AMORCAGE else "de soutien à l'usage notifié"
            )
            raise MouvementRefuse(f"Le domaine {domaine} n'a pas {quoi} à verser.")
        montant = reste
    nature = Nature.AMORCAGE_VERSE if volet == Volet.AMORCAGE else Nature.USAGE_VERSE
    ligne = _ligne(
        nature,
        montant,
        dossier=dossier,
        dd=dd,
        le=le or aujourd_hui(),
        derogation=volet == Volet.AMORCAGE and d.derogatoire,
    )
    regles.appliquer(etat, ligne)
    [mouvement] = _ecrire(
        "enveloppe_versement",
        enveloppe,
        [ligne],
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
    )
    return mouvement


@transaction.atomic
def notifier_usage(
    *, dossier, domaine: str, acting_user, avance: bool = False, le=None, motif: str = ""
) -> list[MouvementEnveloppe]:
    enveloppe = _operation(dossier=dossier, acting_user=acting_user)
    le = le or aujourd_hui()
    [dd] = _domaines(dossier, [domaine])
    etat = enveloppe.etat(domaines=[dd.pk])
    lignes = []
    if avance:
        forfait_avance = forfaits_du_dossier(dossier)[domaine][1]
        if forfait_avance is None:
            raise MouvementRefuse(f"Le domaine {domaine} n'a pas de forfait avancé.")
        complement = Decimal(forfait_avance) - etat.domaine(dd.pk).engage_selection
        if complement > 0:
            ligne = _ligne(
                Nature.ENGAGEMENT_COMPLEMENTAIRE, complement, dossier=dossier, dd=dd, le=le
            )
            etat = regles.appliquer(etat, ligne)
            lignes.append(ligne)
    montant = regles.usage_a_notifier(etat.domaine(dd.pk), domaine)
    ligne = _ligne(Nature.USAGE_NOTIFIE, montant, dossier=dossier, dd=dd, le=le)
    regles.appliquer(etat, ligne)
    lignes.append(ligne)
    return _ecrire(
        "enveloppe_usage_notifie",
        enveloppe,
        lignes,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
        avance=avance,
    )


@transaction.atomic
def liberer(
    *,
    dossier,
    motif: str,
    acting_user=None,
    domaines: Iterable[str] | None = None,
    audit: bool = False,
    le=None,
) -> list[MouvementEnveloppe]:
    enveloppe = _operation(dossier=dossier, acting_user=acting_user, systeme_admis=True)
    motif = _motif_obligatoire(motif, "La libération d'un engagement doit être motivée.")
    le = le or aujourd_hui()
    if domaines is None:
        concernes = list(
            dossier.domaines.select_related("domaine")
            .filter(
                pk__in=MouvementEnveloppe.objects.filter(
                    enveloppe=enveloppe, dossier=dossier
                ).values("domaine")
            )
            .order_by("domaine__ordre", "pk")
        )
    else:
        concernes = _domaines(dossier, domaines)
    etat = enveloppe.etat(domaines=[dd.pk for dd in concernes])
    usage_remboursable = audit and etat.parametres.usage_remboursable_apres_audit
    lignes = []
    for dd in concernes:
        lignes += regles.cloture(
            etat.domaine(dd.pk),
            cle=dd.pk,
            date=le,
            usage_remboursable=usage_remboursable,
            dossier=dossier.pk,
            etablissement=dossier.etablissement_id,
            statut=dossier.etablissement.statut,
            activites=tuple(dossier.etablissement.activites),
            domaine_code=dd.domaine.code,
        )
    regles.appliquer_tous(etat, lignes)
    if not lignes:
        return []
    return _ecrire(
        "enveloppe_liberation",
        enveloppe,
        lignes,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
        audit=audit,
    )


@transaction.atomic
def exiger_remboursement_derogation(
    *, dossier, prerequis_atteints_le, acting_user=None, le=None
) -> list[MouvementEnveloppe]:
    enveloppe = _operation(dossier=dossier, acting_user=acting_user, systeme_admis=True)
    le = le or aujourd_hui()
    etat = enveloppe.etat(
        domaines=dossier.domaines.values_list("pk", flat=True),
    )
    echeance = etat.parametres.derogation_echeance
    if echeance is None:
        raise MouvementRefuse("Ce programme ne prévoit pas d'amorçage par dérogation.")
    if not regles.remboursement_derogation_exigible(
        echeance=echeance, prerequis_atteints_le=prerequis_atteints_le, aujourd_hui=le
    ):
        raise MouvementRefuse(
            "L'amorçage versé par dérogation n'est à rembourser que si les prérequis ne sont "
            f"pas atteints au plus tard le {echeance:%d/%m/%Y}."
        )
    lignes = []
    for dd in dossier.domaines.select_related("domaine").order_by("domaine__ordre", "pk"):
        d = etat.domaine(dd.pk)
        if not d.derogatoire:
            continue
        if d.amorcage_a_verser > 0:
            lignes.append(
                _ligne(
                    Nature.AMORCAGE_ANNULE,
                    d.amorcage_a_verser,
                    dossier=dossier,
                    dd=dd,
                    le=le,
                    derogation=True,
                )
            )
        if d.consomme_amorcage - d.du_amorcage > 0:
            lignes.append(
                _ligne(
                    Nature.REMBOURSEMENT_AMORCAGE_DU,
                    d.consomme_amorcage - d.du_amorcage,
                    dossier=dossier,
                    dd=dd,
                    le=le,
                    derogation=True,
                )
            )
    regles.appliquer_tous(etat, lignes)
    if not lignes:
        return []
    motif = f"Prérequis non atteints au {echeance:%d/%m/%Y} : amorçage par dérogation à rembourser."
    return _ecrire(
        "enveloppe_remboursement_exige",
        enveloppe,
        lignes,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
    )


@transaction.atomic
def constater_remboursement(
    *, dossier, domaine: str, volet: str, montant, acting_user, le=None, motif: str = ""
) -> list[MouvementEnveloppe]:
    if volet not in Volet.values:
        raise MouvementRefuse("Choisissez le volet remboursé : amorcage ou usage.")
    enveloppe = _operation(dossier=dossier, acting_user=acting_user)
    le = le or aujourd_hui()
    [dd] = _domaines(dossier, [domaine])
    etat = enveloppe.etat(domaines=[dd.pk])
    d = etat.domaine(dd.pk)
    if volet == Volet.AMORCAGE:
        lignes = [
            _ligne(
                Nature.REMBOURSEMENT_AMORCAGE_RECU,
                montant,
                dossier=dossier,
                dd=dd,
                le=le,
                derogation=d.derogatoire,
            )
        ]
    else:
        lignes = [_ligne(Nature.REMBOURSEMENT_USAGE_RECU, montant, dossier=dossier, dd=dd, le=le)]
    if etat.parametres.reprise_des_remboursements:
        lignes.append(_ligne(Nature.REPRISE, montant, dossier=dossier, dd=dd, le=le))
    regles.appliquer_tous(etat, lignes)
    return _ecrire(
        "enveloppe_remboursement_recu",
        enveloppe,
        lignes,
        acting_user=acting_user,
        dossier=dossier,
        motif=motif,
    )


@transaction.atomic
def redeployer(
    *, source, destination, montant, motif: str, acting_user, le=None
) -> tuple[MouvementEnveloppe, MouvementEnveloppe]:
    _exiger_pilotage(acting_user)
    motif = _motif_obligatoire(motif, "Un redéploiement doit être motivé.")
    if source.pk == destination.pk:
        raise MouvementRefuse("Un redéploiement se fait entre deux enveloppes différentes.")
    if source.programme_id != destination.programme_id:
        raise MouvementRefuse("Un redéploiement se fait entre enveloppes d'un même programme.")
    # Both rows locked, always in the same order: two opposite redeployments cannot deadlock.
    verrous = {e.pk: _verrouiller(e) for e in sorted([source, destination], key=lambda e: e.pk)}
    source, destination = verrous[source.pk], verrous[destination.pk]
    le = le or aujourd_hui()
    montant = regles.verifier_montant(montant)
    sortant = regles.Mouvement(Nature.REDEPLOIEMENT_SORTANT, montant, le)
    entrant = regles.Mouvement(Nature.REDEPLOIEMENT_ENTRANT, montant, le)
    regles.appliquer(source.etat(domaines=[]), sortant)
    regles.appliquer(destination.etat(domaines=[]), entrant)
    [ligne_sortante] = _enregistrer(source, [sortant], acting_user=acting_user, motif=motif)
    [ligne_entrante] = _enregistrer(
        destination, [entrant], acting_user=acting_user, motif=motif, contrepartie=ligne_sortante
    )
    for enveloppe, ligne, autre in (
        (source, ligne_sortante, destination),
        (destination, ligne_entrante, source),
    ):
        _tracer(
            "enveloppe_redeploiement",
            enveloppe,
            [ligne],
            acting_user=acting_user,
            motif=motif,
            vers_ou_depuis=str(autre),
        )
    return ligne_sortante, ligne_entrante


@transaction.atomic
def fixer_taux_derogation(
    *, enveloppe, taux, motif: str, acting_user, le=None
) -> DecisionDerogation:
    _exiger_pilotage(acting_user)
    motif = _motif_obligatoire(
        motif,
        "Motivez la décision (par exemple : trop peu d'établissements ont atteint les prérequis).",
    )
    enveloppe = _verrouiller(enveloppe)
    etat = enveloppe.etat(domaines=[])
    taux = regles.changer_taux_derogation(etat, taux).taux_derogation
    avant = etat.taux_derogation
    decision = DecisionDerogation.objects.create(
        enveloppe=enveloppe,
        taux=taux,
        motif=motif,
        decide_le=le or aujourd_hui(),
        acteur=acting_user,
    )
    tracer(
        "enveloppe_taux_derogation",
        acteur=acting_user,
        objet=enveloppe,
        region=enveloppe.region,
        avant={"taux_derogation": avant},
        apres={"taux_derogation": taux},
        commentaire=motif,
    )
    return decision


# --- read-only ----------------------------------------------------------------------------------


def ecarts_equilibre_de(
    enveloppe, *, par_etablissement=None, profils_etablissements=None
) -> list[regles.Ecart]:
    """Balance warnings of the établissements currently engaged on the envelope against the
    établissements of its région (HN: of the former région) (3 queries; 1 when the caller has
    the envelope's figures and profiles per établissement, ``{id: Compteurs}`` and
    ``{id: regles.Profil}``, as ``tableaux.tableau`` gives them)."""
    if par_etablissement is None:
        par_etablissement = MouvementEnveloppe.objects.filter(
            enveloppe=enveloppe
        ).par_etablissement()
    engages = [pk for pk, c in par_etablissement.items() if c.engage > 0]
    champ = "region_historique" if enveloppe.programme.decoupage == Decoupage.ANCIEN else "region"

    def profils(qs):
        # One row per profile with its count (thousands of établissements in a région).
        result = []
        for e in qs.order_by().values("statut", "mco", "ssr", "psy", "had").annotate(n=Count("pk")):
            profil = regles.Profil(
                e["statut"], tuple(a for a in ("mco", "ssr", "psy", "had") if e[a])
            )
            result += [profil] * e["n"]
        return result

    return regles.ecarts_equilibre(
        [profils_etablissements[pk] for pk in engages]
        if profils_etablissements is not None
        else profils(Etablissement.objects.filter(pk__in=engages)),
        profils(Etablissement.objects.filter(**{champ: enveloppe.region_id})),
    )
