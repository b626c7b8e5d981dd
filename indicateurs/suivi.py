"""Phase suivi of an accepted dossier [SPEC §5; 000 A1, A4, A6 §3; 003 A4].

Each selected domaine follows ``sélectionné → cibles atteintes → financement notifié``, or
``clos`` (protected FSM field on ``DomaineDossier``). The ES files follow-up reports at the
frequency set by the ARS (at least every semester); a report that shows every prérequis
indicator and every indicator of a domaine at target moves that domaine to "cibles atteintes"
and prompts the ARS, which then notifies the usage funding (forfait − amorçage, forfait avancé
when its interoperability condition holds). Closures release the engagement and make paid
amorçage repayable. The money itself is written by ``enveloppes.actions`` (the ledger), in the
same transaction, under the dossier's row lock taken first here.

Every function is atomic, row-locked, permission-checked and traced; a refusal changes nothing.
The closures (of a domaine, of the dossier, at the programme's end) are in
``indicateurs.clotures``; the dossier's acceptance and total closure reach the follow-up
through ``dossiers.evenements`` (handlers in ``indicateurs.evenements``).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from dossiers.actions import (
    DossierError,
    TransitionRefusee,
    instruire,
    tracer_dossier,
    verrouiller,
)
from dossiers.enums import (
    SUIVI_OUVERT,
    Avancement,
    DecisionDomaine,
    Etat,
    SuiviDomaine,
)
from dossiers.ght import candidats
from dossiers.models import DomaineDossier
from enveloppes import actions as enveloppes
from enveloppes.evenements import MONTANT_SAISI, argent, decider_amorcage_saisi
from hn import formats
from hn.champs import (
    TEXTE_LIBRE_MAX,
    booleen,
    booleen_ou_erreur,
    date_ou_erreur,
    decimal_ou_erreur,
    entier,
    exiger,
    oui_non,
    texte_ou_erreur,
)
from hn.comptes.perms import peut_saisir
from hn.dates import ajouter_mois, aujourd_hui, date_paris
from hn.saisie import nombre
from indicateurs.models import AvancementSuivi, RapportSuivi, ValeurSuivi
from indicateurs.regles import blocages_financement, blocages_financement_ght

BUDGET_MAX = Decimal("9999999999.99")  # RapportSuivi.budget_engage: 12 digits, 2 decimals
ETP_MAX = Decimal("9999.99")
FREQUENCES = range(1, 7)  # months: at least one report per semester [SPEC §5]


def exiger_suivi(dossier, action: str):
    if dossier.etat != Etat.ACCEPTE:
        raise TransitionRefusee(
            f"Impossible {action} : le dossier est « {dossier.get_etat_display()} » ; le suivi "
            "concerne les dossiers acceptés.",
            dossier.etat,
        )


def domaine_suivi(dossier, code: str) -> DomaineDossier:
    dd = (
        DomaineDossier.objects.select_for_update()
        .select_related("domaine")
        .filter(dossier=dossier, domaine__code=str(code or "").upper())
        .first()
    )
    if dd is None or dd.suivi == SuiviDomaine.HORS_SUIVI:
        raise DossierError(
            f"Le domaine {code} n'est pas suivi dans ce dossier.",
            {"domaine": ["Choisissez un domaine sélectionné du dossier."]},
        )
    return dd


# --- entering the follow-up (at the acceptance, indicateurs.evenements) ---------------


def entrer_en_suivi(dossier, *, le: date) -> list[DomaineDossier]:
    """Selected domaines enter the follow-up; the first report is due one period later."""
    selectionnes = [
        dd for dd in dossier.domaines.all() if dd.decision == DecisionDomaine.SELECTIONNE
    ]
    for dd in selectionnes:
        dd.entrer_en_suivi()
        dd.save(update_fields=["suivi"])
    dossier.prochain_rapport_le = ajouter_mois(le, dossier.frequence_suivi)
    dossier.save(update_fields=["prochain_rapport_le"])
    return selectionnes


# --- reading the latest report -----------------------------------------------------------------


def dernier_rapport(dossier) -> RapportSuivi | None:
    return dossier.rapports.order_by("-rang").first()


def valeurs_du_rapport(rapport) -> dict | None:
    """``{indicateur_id: (valeur, non_applicable)}`` of the report's own values, and
    ``{(indicateur_id, etablissement_id): …}`` of a GHT member's values [SPEC §10]."""
    if rapport is None:
        return None
    return {
        (
            v.indicateur_id if v.etablissement_id is None else (v.indicateur_id, v.etablissement_id)
        ): (
            v.valeur,
            v.non_applicable,
        )
        for v in rapport.valeurs.all()
    }


def membres_suivis(dossier) -> list:
    """The candidate members whose values the domaine indicators carry ([] for a single ES)."""
    return candidats(dossier) if dossier.ght_id else []


def indicateurs_requis(dossier, domaines) -> list:
    """The prérequis indicators, then the indicators of ``domaines``, in programme order."""
    codes = {dd.domaine_id for dd in domaines}
    return [
        i
        for i in dossier.programme.indicateurs.all()
        if i.prerequis_id is not None or i.domaine_id in codes
    ]


def blocages(dossier, dd, valeurs, indicateurs=None, membres=None) -> list[str]:
    """Why ``dd``'s funding cannot be notified on these values ([] when it can). A GHT
    dossier's domaine is judged on every candidate member (``membres``: read when None)."""
    indicateurs = indicateurs if indicateurs is not None else indicateurs_requis(dossier, [dd])
    requis = [i for i in indicateurs if i.prerequis_id is not None or i.domaine_id == dd.domaine_id]
    if dossier.ght_id:
        membres = membres if membres is not None else membres_suivis(dossier)
        return blocages_financement_ght(requis, valeurs, membres)
    return blocages_financement(requis, valeurs)


# --- the ES's report -----------------------------------------------------------------------


# Report figures: positive, cents at most (hn.saisie, the one parser of typed numbers).
MONTANT_SUIVI = {"obligatoire": True, "minimum": 0, "max_digits": 12, "decimal_places": 2}
MESSAGES_SUIVI = {
    "minimum": "Saisissez un nombre positif.",
    "maximum": "La valeur ne peut dépasser {maximum}.",
}


def _montant(valeur, champ, errors, manquant: str, *, maximum, message_maximum=None):
    messages = {**MESSAGES_SUIVI, "obligatoire": manquant}
    if message_maximum:
        messages["maximum"] = message_maximum
    return decimal_ou_erreur(
        valeur, champ, errors, maximum=maximum, messages=messages, **MONTANT_SUIVI
    )


def _date(valeur, champ, errors) -> date | None:
    return date_ou_erreur(valeur, champ, errors, obligatoire=True)


def _lire_chiffres(data, errors, jour):
    """The report's date (not in the future), budget and ETP engaged."""
    arrete_le = _date(data.get("arrete_le") or jour, "arrete_le", errors)
    if arrete_le and arrete_le > jour:
        errors.setdefault("arrete_le", []).append(
            "Les valeurs ne peuvent pas être datées du futur."
        )
    budget = _montant(
        data.get("budget_engage"),
        "budget_engage",
        errors,
        "Indiquez le budget engagé.",
        maximum=BUDGET_MAX,
    )
    etp = _montant(
        data.get("etp_engages"),
        "etp_engages",
        errors,
        "Indiquez les ETP engagés.",
        maximum=ETP_MAX,
    )
    commentaire = texte_ou_erreur(
        data.get("commentaire"), "commentaire", errors, longueur=TEXTE_LIBRE_MAX
    )
    return arrete_le, budget, etp, commentaire


def _lire_valeur(indicateur, saisie, champ, errors) -> tuple:
    """``(valeur, non_applicable)`` of one typed value (errors at ``champ``)."""
    saisie = saisie if isinstance(saisie, dict) else {}
    non_applicable = booleen_ou_erreur(
        saisie.get("non_applicable", False), f"{champ}.non_applicable", errors
    )
    valeur = None
    brute = saisie.get("valeur")
    if non_applicable:
        pass
    elif indicateur.type == "existence" and brute not in (None, ""):
        valeur = oui_non(brute)
        if valeur is None:
            errors.setdefault(champ, []).append("Répondez oui ou non.")
    else:
        valeur = _montant(
            brute,
            champ,
            errors,
            f"Indiquez la valeur de l'indicateur {indicateur.code}.",
            maximum=100,
            message_maximum="Une valeur d'indicateur est comprise entre 0 et 100.",
        )
    return valeur, non_applicable


def _lire_valeurs(indicateurs, saisies, errors, membres=(), saisies_membres=None) -> list[tuple]:
    """``(indicateur, valeur, non_applicable, établissement)`` for every indicator asked: the
    établissement is None for the report's own values, a candidate member for a GHT
    dossier's domaine indicators (one value per member, ``saisies_membres[finess][code]``,
    errors at ``valeurs.<code>.<finess>``)."""
    valeurs = []
    saisies_membres = saisies_membres if isinstance(saisies_membres, dict) else {}
    for indicateur in indicateurs:
        if membres and indicateur.domaine_id is not None:
            for membre in membres:
                par_code = saisies_membres.get(membre.finess)
                saisie = par_code.get(indicateur.code) if isinstance(par_code, dict) else None
                champ = f"valeurs.{indicateur.code}.{membre.finess}"
                valeurs.append(
                    (indicateur, *_lire_valeur(indicateur, saisie, champ, errors), membre)
                )
            continue
        saisie = saisies.get(indicateur.code) if isinstance(saisies, dict) else None
        champ = f"valeurs.{indicateur.code}"
        valeurs.append((indicateur, *_lire_valeur(indicateur, saisie, champ, errors), None))
    return valeurs


def _lire_avancements(ouverts, saisis, errors) -> list[tuple]:
    """``(domaine du dossier, avancement, condition_avance, commentaire)`` per open domaine."""
    avancements = []
    for dd in ouverts:
        saisie = saisis.get(dd.domaine.code) or {}
        cle = f"avancements.{dd.domaine.code}"
        avancement = saisie.get("avancement") or ""
        if not isinstance(avancement, str) or avancement not in Avancement.values:
            errors.setdefault(f"avancements.{dd.domaine.code}", []).append(
                f"Indiquez l'état d'avancement du domaine {dd.domaine.code}."
            )
        avancements.append(
            (
                dd,
                avancement,
                bool(booleen_ou_erreur(saisie.get("condition_avance", False), cle, errors))
                and bool(dd.domaine.avance_indicateur),
                texte_ou_erreur(saisie.get("commentaire"), cle, errors, longueur=TEXTE_LIBRE_MAX),
            )
        )
    return avancements


def _enregistrer_rapport(dossier, acting_user, data, chiffres, valeurs, avancements):
    arrete_le, budget, etp, commentaire = chiffres
    rapport = RapportSuivi.objects.create(
        dossier=dossier,
        rang=dossier.rapports.count() + 1,
        arrete_le=arrete_le,
        attendu_le=dossier.prochain_rapport_le,
        depose_par=acting_user,
        budget_engage=budget,
        etp_engages=etp,
        commentaire=commentaire,
    )
    ValeurSuivi.objects.bulk_create(
        ValeurSuivi(rapport=rapport, indicateur=i, etablissement=e, valeur=v, non_applicable=na)
        for i, v, na, e in valeurs
    )
    AvancementSuivi.objects.bulk_create(
        AvancementSuivi(
            rapport=rapport,
            domaine_dossier=dd,
            avancement=av,
            condition_avance=cond,
            commentaire=com,
        )
        for dd, av, cond, com in avancements
    )
    return rapport


def _constater_cibles(dossier, ouverts, indicateurs, valeurs, jour, membres):
    """Each open domaine at target moves to "cibles atteintes"; one that no longer is goes
    back (a GHT's: when every member meets every indicator). Returns ``(atteints, perdus)``."""
    lus = {(i.pk if e is None else (i.pk, e.pk)): (v, na) for i, v, na, e in valeurs}
    atteints, perdus = [], []
    for dd in ouverts:
        ok = not blocages(dossier, dd, lus, indicateurs, membres)
        if ok and dd.suivi == SuiviDomaine.SELECTIONNE:
            dd.constater_cibles(le=jour)
            atteints.append(dd)
        elif not ok and dd.suivi == SuiviDomaine.CIBLES_ATTEINTES:
            dd.perdre_cibles()
            perdus.append(dd)
        else:
            continue
        dd.save(update_fields=["suivi", "cibles_atteintes_le"])
    return atteints, perdus


@transaction.atomic
def deposer_rapport(*, dossier, data: dict, acting_user) -> RapportSuivi:
    """File a follow-up report. ``data``: ``arrete_le`` (date of the values, not in the future),
    ``budget_engage`` (€), ``etp_engages``, ``commentaire``, ``valeurs``: ``{code: {"valeur":
    x, "non_applicable": bool}}`` for every prérequis indicator and every indicator of the
    domaines still in follow-up (a GHT dossier's domaine indicators: ``valeurs_membres``:
    ``{finess: {code: {…}}}``, one value per candidate member), ``avancements``:
    ``{domaine: {"avancement", "condition_avance", "commentaire"}}`` for those domaines."""
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement dépose les rapports.")
    exiger_suivi(dossier, "de déposer un rapport de suivi")
    errors: dict[str, list[str]] = {}
    jour = aujourd_hui()
    chiffres = _lire_chiffres(data, errors, jour)
    ouverts = [dd for dd in dossier.domaines.select_related("domaine") if dd.suivi in SUIVI_OUVERT]
    if not ouverts:
        raise TransitionRefusee(
            "Aucun domaine du dossier n'est plus en attente de ses cibles.", dossier.etat
        )
    indicateurs = indicateurs_requis(dossier, ouverts)
    membres = membres_suivis(dossier)
    valeurs = _lire_valeurs(
        indicateurs, data.get("valeurs") or {}, errors, membres, data.get("valeurs_membres")
    )
    avancements = _lire_avancements(ouverts, data.get("avancements") or {}, errors)
    if errors:
        raise DossierError("Le rapport de suivi est incomplet ou invalide.", errors)

    rapport = _enregistrer_rapport(dossier, acting_user, data, chiffres, valeurs, avancements)
    # Next report: one period after this one, so that two reports are never further apart
    # than the frequency ("au moins semestriel").
    prochain = ajouter_mois(jour, dossier.frequence_suivi)
    dossier.prochain_rapport_le = prochain
    dossier.save(update_fields=["prochain_rapport_le"])
    atteints, perdus = _constater_cibles(dossier, ouverts, indicateurs, valeurs, jour, membres)
    arrete_le, budget, etp, _commentaire = chiffres
    tracer_dossier(
        "rapport_suivi_depose",
        dossier,
        acting_user,
        apres={
            "rapport": rapport.rang,
            "arrete_le": arrete_le,
            "budget_engage": budget,
            "etp_engages": etp,
            "prochain_rapport_le": prochain,
            "cibles_atteintes": [dd.domaine.code for dd in atteints],
            "cibles_perdues": [dd.domaine.code for dd in perdus],
        },
    )
    for dd in atteints:
        tracer_dossier(
            "cibles_atteintes",
            dossier,
            None,
            apres={"domaine": dd.domaine.code, "rapport": rapport.rang},
        )
    return rapport


# --- the ARS's decisions ---------------------------------------------------------------------


@transaction.atomic
def fixer_frequence(*, dossier, mois, acting_user):
    dossier = instruire(dossier, acting_user)
    exiger_suivi(dossier, "de fixer la fréquence des rapports")
    mois = exiger(
        entier,
        mois,
        "frequence_suivi",
        resume="Un rapport de suivi au moins par semestre : choisissez de 1 à 6 mois.",
        message="Choisissez de 1 à 6 mois.",
        minimum=FREQUENCES.start,
        maximum=FREQUENCES.stop - 1,
        obligatoire=True,
    )
    avant = {"frequence_suivi": dossier.frequence_suivi, "prochain": dossier.prochain_rapport_le}
    dernier = dernier_rapport(dossier)
    base = date_paris(dernier.depose_le) if dernier else dossier.decide_le
    dossier.frequence_suivi = mois
    dossier.prochain_rapport_le = ajouter_mois(base or aujourd_hui(), mois)
    dossier.save(update_fields=["frequence_suivi", "prochain_rapport_le"])
    tracer_dossier(
        "frequence_suivi_fixee",
        dossier,
        acting_user,
        avant=avant,
        apres={"frequence_suivi": mois, "prochain": dossier.prochain_rapport_le},
    )
    return dossier


@transaction.atomic
def notifier_financement(*, dossier, domaine: str, acting_user):
    """Usage funding of one domaine = forfait − its amorçage (forfait avancé when the latest
    report declares its interoperability condition) [000 A1 §3, A6 §3; 003 A3]."""
    dossier = instruire(dossier, acting_user)
    exiger_suivi(dossier, "de notifier un financement")
    dd = domaine_suivi(dossier, domaine)
    rapport = dernier_rapport(dossier)
    raisons = blocages(dossier, dd, valeurs_du_rapport(rapport))
    if dd.suivi != SuiviDomaine.CIBLES_ATTEINTES or raisons:
        if dd.suivi in (SuiviDomaine.FINANCE, SuiviDomaine.CLOS):
            message = f"Le domaine {dd.domaine.code} est déjà « {dd.get_suivi_display()} »."
        else:
            message = (
                f"Le financement du domaine {dd.domaine.code} ne peut pas être notifié : "
                + " ".join(raisons or ["ses cibles ne sont pas atteintes."])
            )
        raise TransitionRefusee(message, dd.suivi)
    avance = bool(
        dd.domaine.avance_indicateur
        and rapport.avancements.filter(domaine_dossier=dd, condition_avance=True).exists()
    )
    with argent():
        lignes = enveloppes.notifier_usage(
            dossier=dossier, domaine=dd.domaine.code, acting_user=acting_user, avance=avance
        )
    dd.financer(le=aujourd_hui())
    dd.save(update_fields=["suivi", "finance_le"])
    montant = sum((m.montant for m in lignes if m.nature == "usage_notifie"), Decimal(0))
    tracer_dossier(
        "financement_notifie",
        dossier,
        acting_user,
        apres={
            "domaine": dd.domaine.code,
            "montant": formats.nombre(montant, decimales=0),
            "forfait_avance": avance,
            "rapport": rapport.rang,
        },
    )
    return dd


@transaction.atomic
def verser(*, dossier, domaine: str, volet: str, acting_user):
    """The ARS records a payment (amorçage decided, or usage notified) of one domaine."""
    dossier = instruire(dossier, acting_user)
    dd = domaine_suivi(dossier, domaine)
    with argent():
        return enveloppes.verser(
            dossier=dossier, domaine=dd.domaine.code, volet=volet, acting_user=acting_user
        )


@transaction.atomic
def constater_remboursement(*, dossier, domaine: str, volet: str, montant, acting_user):
    """A repayment due (after a closure) is received, in full or in part."""
    dossier = instruire(dossier, acting_user)
    dd = domaine_suivi(dossier, domaine)
    montant = exiger(nombre, montant, "montant", obligatoire=True, messages=MONTANT_SAISI)
    with argent():
        return enveloppes.constater_remboursement(
            dossier=dossier,
            domaine=dd.domaine.code,
            volet=volet,
            montant=montant,
            acting_user=acting_user,
        )


@transaction.atomic
def decider_amorcage(*, dossier, montants: dict, acting_user, derogation: bool = False):
    """Amorçage per selected domaine, after the acceptance too (it is optional at the
    decision) [SPEC §4 step 4, §3]."""
    dossier = instruire(dossier, acting_user)
    exiger_suivi(dossier, "de décider un amorçage")
    derogation = exiger(booleen, derogation, "derogation")
    return decider_amorcage_saisi(dossier, montants, acting_user, derogation)


@transaction.atomic
def constater_prerequis_atteints(*, dossier, le, acting_user):
    """The ARS records the date the programme's prérequis were met by an établissement whose
    amorçage was paid by derogation: met by the deadline, nothing is repayable [003 A2 §2]."""
    dossier = instruire(dossier, acting_user)
    errors: dict[str, list[str]] = {}
    jour = _date(le, "prerequis_atteints_le", errors)
    if jour and jour > aujourd_hui():
        errors.setdefault("prerequis_atteints_le", []).append("Cette date est dans le futur.")
    if errors:
        raise DossierError("Indiquez la date d'atteinte des prérequis.", errors)
    avant = dossier.prerequis_atteints_le
    dossier.prerequis_atteints_le = jour
    dossier.save(update_fields=["prerequis_atteints_le"])
    tracer_dossier(
        "prerequis_atteints_constates",
        dossier,
        acting_user,
        avant={"prerequis_atteints_le": avant},
        apres={"prerequis_atteints_le": jour},
    )
    return dossier
