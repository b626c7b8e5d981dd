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
"""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from dossiers.actions import (
    DossierError,
    TransitionRefusee,
    clore_le_dossier,
    instruire,
    motif_et_commentaire,
    oui_non,
    tracer_dossier,
    verrouiller,
)
from dossiers.enums import (
    SUIVI_OUVERT,
    Avancement,
    DecisionDomaine,
    Etat,
    MotifCloture,
    SuiviDomaine,
)
from dossiers.models import DomaineDossier
from enveloppes import actions as enveloppes
from enveloppes.regles import MouvementRefuse
from hn.comptes.perms import peut_saisir
from hn.dates import ajouter_mois, aujourd_hui, date_paris
from indicateurs.models import AvancementSuivi, RapportSuivi, ValeurSuivi
from indicateurs.regles import blocages_financement

BUDGET_MAX = Decimal("9999999999.99")  # RapportSuivi.budget_engage: 12 digits, 2 decimals
ETP_MAX = Decimal("9999.99")
FREQUENCES = range(1, 7)  # months: at least one report per semester [SPEC §5]
MOTIFS_ARS = (
    MotifCloture.CIBLES_INATTEIGNABLES,
    MotifCloture.DECLARATIONS_ERRONEES,
    MotifCloture.DEMANDE_ETABLISSEMENT,
)


@contextmanager
def _argent():
    """The ledger's refusals are the dossier's errors (same French message, nothing written)."""
    try:
        yield
    except MouvementRefuse as exc:
        raise DossierError(exc.message, {"montant": [exc.message]}) from exc


def _exiger_suivi(dossier, action: str):
    if dossier.etat != Etat.ACCEPTE:
        raise TransitionRefusee(
            f"Impossible {action} : le dossier est « {dossier.get_etat_display()} » ; le suivi "
            "concerne les dossiers acceptés.",
            dossier.etat,
        )


def _domaine(dossier, code: str) -> DomaineDossier:
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


# --- entering the follow-up (called by dossiers.actions.accepter) ----------------------------


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


def valeurs_du_rapport(rapport) -> dict[int, tuple[Decimal | None, bool]] | None:
    if rapport is None:
        return None
    return {v.indicateur_id: (v.valeur, v.non_applicable) for v in rapport.valeurs.all()}


def indicateurs_requis(dossier, domaines) -> list:
    """The prérequis indicators, then the indicators of ``domaines``, in programme order."""
    codes = {dd.domaine_id for dd in domaines}
    return [
        i
        for i in dossier.programme.indicateurs.all()
        if i.prerequis_id is not None or i.domaine_id in codes
    ]


def blocages(dossier, dd, valeurs, indicateurs=None) -> list[str]:
    """Why ``dd``'s funding cannot be notified on these values ([] when it can)."""
    indicateurs = indicateurs if indicateurs is not None else indicateurs_requis(dossier, [dd])
    return blocages_financement(
        [i for i in indicateurs if i.prerequis_id is not None or i.domaine_id == dd.domaine_id],
        valeurs,
    )


# --- the ES's report -----------------------------------------------------------------------


def _decimal(valeur, champ, errors, message, *, maximum=None):
    if valeur in (None, ""):
        errors.setdefault(champ, []).append(message)
        return None
    try:
        nombre = Decimal(str(valeur).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        errors.setdefault(champ, []).append("Saisissez un nombre.")
        return None
    if not nombre.is_finite() or nombre < 0:
        errors.setdefault(champ, []).append("Saisissez un nombre positif.")
        return None
    if nombre != nombre.quantize(Decimal("0.01")):
        errors.setdefault(champ, []).append("Deux décimales au plus.")
        return None
    if maximum is not None and nombre > maximum:
        errors.setdefault(champ, []).append(f"La valeur ne peut dépasser {maximum}.")
        return None
    return nombre


def _vrai(valeur) -> bool:
    if isinstance(valeur, str):
        return valeur.strip().lower() in ("1", "true", "oui", "on")
    return valeur is True or valeur == 1


def _date(valeur, champ, errors) -> date | None:
    if isinstance(valeur, date):
        return valeur
    try:
        return date.fromisoformat(str(valeur or ""))
    except ValueError:
        errors.setdefault(champ, []).append("Saisissez une date (AAAA-MM-JJ).")
        return None


@transaction.atomic
def deposer_rapport(*, dossier, data: dict, acting_user) -> RapportSuivi:
    """File a follow-up report. ``data``: ``arrete_le`` (date of the values, not in the future),
    ``budget_engage`` (€), ``etp_engages``, ``commentaire``, ``valeurs``: ``{code: {"valeur":
    x, "non_applicable": bool}}`` for every prérequis indicator and every indicator of the
    domaines still in follow-up, ``avancements``: ``{domaine: {"avancement", "condition_avance",
    "commentaire"}}`` for those domaines."""
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement dépose les rapports.")
    _exiger_suivi(dossier, "de déposer un rapport de suivi")
    errors: dict[str, list[str]] = {}
    jour = aujourd_hui()
    arrete_le = _date(data.get("arrete_le") or jour, "arrete_le", errors)
    if arrete_le and arrete_le > jour:
        errors.setdefault("arrete_le", []).append(
            "Les valeurs ne peuvent pas être datées du futur."
        )
    budget = _decimal(
        data.get("budget_engage"),
        "budget_engage",
        errors,
        "Indiquez le budget engagé.",
        maximum=BUDGET_MAX,
    )
    etp = _decimal(
        data.get("etp_engages"),
        "etp_engages",
        errors,
        "Indiquez les ETP engagés.",
        maximum=ETP_MAX,
    )
    ouverts = [dd for dd in dossier.domaines.select_related("domaine") if dd.suivi in SUIVI_OUVERT]
    if not ouverts:
        raise TransitionRefusee(
            "Aucun domaine du dossier n'est plus en attente de ses cibles.", dossier.etat
        )
    indicateurs = indicateurs_requis(dossier, ouverts)
    saisies = data.get("valeurs") or {}
    valeurs = []
    for indicateur in indicateurs:
        saisie = saisies.get(indicateur.code) or {}
        non_applicable = _vrai(saisie.get("non_applicable"))
        champ = f"valeurs.{indicateur.code}"
        valeur = None
        brute = saisie.get("valeur")
        if non_applicable:
            pass
        elif indicateur.type == "existence" and brute not in (None, ""):
            valeur = oui_non(brute)
            if valeur is None:
                errors.setdefault(champ, []).append("Répondez oui ou non.")
        else:
            valeur = _decimal(
                brute, champ, errors, f"Indiquez la valeur de l'indicateur {indicateur.code}."
            )
            if valeur is not None and valeur > 100:
                errors.setdefault(champ, []).append(
                    "Une valeur d'indicateur est comprise entre 0 et 100."
                )
        valeurs.append((indicateur, valeur, non_applicable))
    avancements = []
    saisis = data.get("avancements") or {}
    for dd in ouverts:
        saisie = saisis.get(dd.domaine.code) or {}
        avancement = saisie.get("avancement") or ""
        if avancement not in Avancement.values:
            errors.setdefault(f"avancements.{dd.domaine.code}", []).append(
                f"Indiquez l'état d'avancement du domaine {dd.domaine.code}."
            )
        avancements.append(
            (
                dd,
                avancement,
                _vrai(saisie.get("condition_avance")) and bool(dd.domaine.avance_indicateur),
                str(saisie.get("commentaire") or "").strip(),
            )
        )
    if errors:
        raise DossierError("Le rapport de suivi est incomplet ou invalide.", errors)

    rapport = RapportSuivi.objects.create(
        dossier=dossier,
        rang=dossier.rapports.count() + 1,
        arrete_le=arrete_le,
        attendu_le=dossier.prochain_rapport_le,
        depose_par=acting_user,
        budget_engage=budget,
        etp_engages=etp,
        commentaire=str(data.get("commentaire") or "").strip(),
    )
    ValeurSuivi.objects.bulk_create(
        ValeurSuivi(rapport=rapport, indicateur=i, valeur=v, non_applicable=na)
        for i, v, na in valeurs
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
    # Next report: one period after this one, so that two reports are never further apart
    # than the frequency ("au moins semestriel").
    prochain = ajouter_mois(jour, dossier.frequence_suivi)
    dossier.prochain_rapport_le = prochain
    dossier.save(update_fields=["prochain_rapport_le"])

    lus = {i.pk: (v, na) for i, v, na in valeurs}
    atteints, perdus = [], []
    for dd in ouverts:
        ok = not blocages(dossier, dd, lus, indicateurs)
        if ok and dd.suivi == SuiviDomaine.SELECTIONNE:
            dd.constater_cibles(le=jour)
            atteints.append(dd)
        elif not ok and dd.suivi == SuiviDomaine.CIBLES_ATTEINTES:
            dd.perdre_cibles()
            perdus.append(dd)
        else:
            continue
        dd.save(update_fields=["suivi", "cibles_atteintes_le"])
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
    _exiger_suivi(dossier, "de fixer la fréquence des rapports")
    try:
        mois = int(mois)
    except (TypeError, ValueError):
        mois = 0
    if mois not in FREQUENCES:
        raise DossierError(
            "Un rapport de suivi au moins par semestre : choisissez de 1 à 6 mois.",
            {"frequence_suivi": ["Choisissez de 1 à 6 mois."]},
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
    _exiger_suivi(dossier, "de notifier un financement")
    dd = _domaine(dossier, domaine)
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
    with _argent():
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
            "montant": f"{montant:,.0f}".replace(",", " "),
            "forfait_avance": avance,
            "rapport": rapport.rang,
        },
    )
    return dd


def _clore_domaines(dossier, domaines, *, motif, commentaire, acting_user, le):
    for dd in domaines:
        dd.clore(motif=motif, commentaire=commentaire, le=le)
        dd.save(update_fields=["suivi", "motif_cloture", "commentaire_cloture", "clos_le"])
    if not domaines:
        return []
    with _argent():
        return enveloppes.liberer(
            dossier=dossier,
            motif=commentaire,
            acting_user=acting_user,
            domaines=[dd.domaine.code for dd in domaines],
            audit=motif == MotifCloture.DECLARATIONS_ERRONEES,
            le=le,
        )


def _motif(motif, commentaire) -> str:
    return motif_et_commentaire(
        motif,
        commentaire,
        MOTIFS_ARS,
        "Choisissez le motif de la clôture : cibles_inatteignables, declarations_erronees ou "
        "demande_etablissement.",
        "Le commentaire est obligatoire pour clore.",
        "La clôture doit être motivée.",
    )


@transaction.atomic
def clore_domaine(*, dossier, domaine: str, motif: str, commentaire: str, acting_user):
    """Partial closure [000 A4 §2; SPEC §5]: the domaine's engagement is released, its paid
    amorçage (after false declarations on HOP'EN: also its paid usage) becomes repayable; the
    ES and the national level are told. When no selected domaine is left open, the dossier
    itself is closed."""
    dossier = instruire(dossier, acting_user)
    _exiger_suivi(dossier, "de clore un domaine")
    commentaire = _motif(motif, commentaire)
    dd = _domaine(dossier, domaine)
    ouverts = (*SUIVI_OUVERT, SuiviDomaine.FINANCE)
    if dd.suivi not in ouverts or (
        dd.suivi == SuiviDomaine.FINANCE and motif != MotifCloture.DECLARATIONS_ERRONEES
    ):
        raise TransitionRefusee(
            f"Le domaine {dd.domaine.code} est « {dd.get_suivi_display()} » : il ne peut pas "
            "être clos (un domaine financé ne l'est qu'après des déclarations erronées).",
            dd.suivi,
        )
    le = aujourd_hui()
    _clore_domaines(
        dossier, [dd], motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )
    tracer_dossier(
        "domaine_clos",
        dossier,
        acting_user,
        apres={"domaine": dd.domaine.code, "motif": motif},
        commentaire=commentaire,
    )
    restants = dossier.domaines.filter(suivi__in=SUIVI_OUVERT).exists()
    finances = dossier.domaines.filter(suivi=SuiviDomaine.FINANCE).exists()
    if not restants and not finances:
        clore_le_dossier(
            dossier, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
        )
    return dd


def clore_tous_les_domaines(dossier, *, motif, commentaire, acting_user, le):
    """For the dossier's total closure (``dossiers.actions.clore``): every domaine still
    awaiting its targets — and, after false declarations, the funded ones — is closed."""
    etats = list(SUIVI_OUVERT)
    if motif == MotifCloture.DECLARATIONS_ERRONEES:
        etats.append(SuiviDomaine.FINANCE)
    domaines = list(
        dossier.domaines.select_for_update().select_related("domaine").filter(suivi__in=etats)
    )
    return _clore_domaines(
        dossier, domaines, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )


def clore_fin_de_programme(dossier, *, fin: date) -> bool:
    """Called by the sweep under the dossier's lock: the domaines still awaiting their targets
    are closed by the system; the dossier too when none was funded."""
    commentaire = (
        f"Fin du programme {dossier.programme.code} : cibles à atteindre avant le "
        f"{fin:%d/%m/%Y}, non atteintes. Domaine clos sans financement."
    )
    # Not at target: a domaine whose targets are met keeps its funding to be notified.
    domaines = list(
        dossier.domaines.select_for_update()
        .select_related("domaine")
        .filter(suivi=SuiviDomaine.SELECTIONNE)
    )
    if not domaines:
        return False
    le = aujourd_hui()
    motif = MotifCloture.FIN_PROGRAMME
    _clore_domaines(
        dossier, domaines, motif=motif, commentaire=commentaire, acting_user=None, le=le
    )
    for dd in domaines:
        tracer_dossier(
            "domaine_clos_fin_programme",
            dossier,
            None,
            apres={"domaine": dd.domaine.code, "motif": motif},
            commentaire=commentaire,
        )
    if not dossier.domaines.filter(
        suivi__in=(SuiviDomaine.FINANCE, SuiviDomaine.CIBLES_ATTEINTES)
    ).exists():
        clore_le_dossier(
            dossier,
            motif=motif,
            commentaire=commentaire,
            acting_user=None,
            le=le,
            action="dossier_clos_fin_programme",
        )
    return True


@transaction.atomic
def demander_cloture(*, dossier, commentaire: str, acting_user, domaine: str = ""):
    """The ES asks its ARS to close the dossier (or one domaine); the ARS decides."""
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement demande une clôture.")
    _exiger_suivi(dossier, "de demander la clôture")
    commentaire = (commentaire or "").strip()
    if not commentaire:
        raise DossierError(
            "Expliquez la demande de clôture.",
            {"commentaire": ["Le commentaire est obligatoire."]},
        )
    code = ""
    if domaine:
        code = _domaine(dossier, domaine).domaine.code
    dossier.cloture_demandee_le = timezone.now()
    dossier.cloture_demandee_motif = (f"{code} : " if code else "") + commentaire
    dossier.save(update_fields=["cloture_demandee_le", "cloture_demandee_motif"])
    tracer_dossier(
        "cloture_demandee",
        dossier,
        acting_user,
        apres={"domaine": code or "tous"},
        commentaire=commentaire,
    )
    return dossier


@transaction.atomic
def verser(*, dossier, domaine: str, volet: str, acting_user):
    """The ARS records a payment (amorçage decided, or usage notified) of one domaine."""
    dossier = instruire(dossier, acting_user)
    dd = _domaine(dossier, domaine)
    with _argent():
        return enveloppes.verser(
            dossier=dossier, domaine=dd.domaine.code, volet=volet, acting_user=acting_user
        )


@transaction.atomic
def constater_remboursement(*, dossier, domaine: str, volet: str, montant, acting_user):
    """A repayment due (after a closure) is received, in full or in part."""
    dossier = instruire(dossier, acting_user)
    dd = _domaine(dossier, domaine)
    with _argent():
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
    _exiger_suivi(dossier, "de décider un amorçage")
    return _decider_amorcage(dossier, montants, acting_user, derogation)


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


def exiger_remboursement_derogation(dossier) -> bool:
    """Called by the sweep under the dossier's lock once the derogation deadline is past."""
    with _argent():
        lignes = enveloppes.exiger_remboursement_derogation(
            dossier=dossier, prerequis_atteints_le=dossier.prerequis_atteints_le
        )
    dossier.derogation_remboursement_exige_le = aujourd_hui()
    dossier.save(update_fields=["derogation_remboursement_exige_le"])
    return bool(lignes)


def _normaliser(montant):
    """French typing of an amount ("12 000,50") as the ledger reads it ("12000.50")."""
    if isinstance(montant, str):
        return montant.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return montant


def _nul(montant) -> bool:
    """An empty or zero amount is no amorçage (the ledger validates the others)."""
    if montant in (None, ""):
        return True
    try:
        return Decimal(str(_normaliser(montant))) == 0
    except InvalidOperation:
        return False


def _decider_amorcage(dossier, montants, acting_user, derogation):
    montants = {
        str(code).upper(): _normaliser(m) for code, m in (montants or {}).items() if not _nul(m)
    }
    if not montants:
        return []
    with _argent():
        return enveloppes.decider_amorcage(
            dossier=dossier, montants=montants, acting_user=acting_user, derogation=derogation
        )
