"""Operations of the calls for applications [SPEC §7]: atomic, row-locked, authorised,
checked, traced, notified (the house's ``actions.py``, as ``dossiers.actions``).

Errors: ``DossierError`` (bad input, 400, French message per field), ``TransitionRefusee``
(not allowed from the current state or outside the window, 409 with ``etat``),
:class:`Incomplete` (``transmettre`` with what is missing, 409 with ``manquants``),
:class:`Depassement` (a programmation over its envelope, 409 with ``depassements``),
``PermissionDenied`` (403). On any error nothing is written.

Lock order: the pré-candidature's row; the programmation's row (one per campaign and région)
for every edit and transmission of the programmation, so two CMSI run one after the other.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from candidatures import chiffrage, regles, saisie
from candidatures.enums import EtatPrecandidature, Position
from candidatures.models import (
    Ajustement,
    DomaineCandidature,
    Precandidature,
    Programmation,
    Version,
)
from candidatures.notifications import notifier_evenement
from dossiers.actions import DossierError, TransitionRefusee
from hn.champs import entier, texte_libre
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.dates import aujourd_hui, date_paris
from hn.journal.services import difference, instantane, tracer
from hn.referentiel.models import Domaine
from hn.saisie import SaisieInvalide


class Incomplete(Exception):
    def __init__(self, manquants: list[dict]):
        n = len(manquants)
        self.message = (
            f"La pré-candidature ne peut pas être transmise : {n} information"
            f"{'s' if n > 1 else ''} manquante{'s' if n > 1 else ''}."
        )
        super().__init__(self.message)
        self.manquants = manquants


class Depassement(Exception):
    def __init__(self, depassements: list[str]):
        self.message = "La programmation ne peut pas être transmise : " + " ".join(depassements)
        super().__init__(self.message)
        self.depassements = depassements


def tracer_precandidature(action, pc, acteur, **kw):
    evenement = tracer(
        action, acteur=acteur, objet=pc, etablissement=pc.etablissement, region=pc.region, **kw
    )
    notifier_evenement(evenement, pc)
    return evenement


def verrouiller(pc) -> Precandidature:
    return (
        Precandidature.objects.select_for_update(of=("self",))
        .select_related("campagne__programme", "etablissement", "region")
        .get(pk=pc.pk)
    )


def _verifier_etat(pc, methode, action):
    if not can_proceed(methode, check_conditions=False):
        raise TransitionRefusee(
            f"Impossible {action} : la pré-candidature est « {pc.get_etat_display()} ».", pc.etat
        )


# --- creation -------------------------------------------------------------------------------


@transaction.atomic
def creer(*, campagne, etablissement, acting_user) -> Precandidature:
    """One pré-candidature per établissement and campaign, inside the window (late after the
    closing date) [SPEC §7]."""
    if not peut_saisir(acting_user, etablissement):
        raise PermissionDenied(
            "Seul le gestionnaire de l'établissement peut déposer sa pré-candidature."
        )
    jour = aujourd_hui()
    if refus := regles.refus_fenetre(campagne.calendrier, jour, campagne.libelle):
        raise TransitionRefusee(refus, "hors_fenetre")
    existante = Precandidature.objects.filter(campagne=campagne, etablissement=etablissement)
    deja = "L'établissement a déjà une pré-candidature dans l'appel « {} » (état : {})."
    if (pc := existante.first()) is not None:
        raise TransitionRefusee(deja.format(campagne.libelle, pc.get_etat_display()), pc.etat)
    try:
        with transaction.atomic():
            pc = Precandidature.objects.create(
                campagne=campagne,
                etablissement=etablissement,
                region=etablissement.region,
                tardive=regles.tardive(campagne.calendrier, jour),
                cree_par=acting_user,
            )
    except IntegrityError:  # the same établissement, at the same instant
        pc = existante.get()
        raise TransitionRefusee(
            deja.format(campagne.libelle, pc.get_etat_display()), pc.etat
        ) from None
    tracer_precandidature(
        "precandidature_creee",
        pc,
        acting_user,
        apres={"campagne": campagne.libelle, "etat": pc.etat, "tardive": pc.tardive},
    )
    return pc


# --- the établissement's tabs ---------------------------------------------------------------

CHAMPS = [
    "position",
    "prerequis_hn_atteints",
    "semestre_prerequis_hn",
    "semestre_prerequis_hopen",
    "referent_nom",
    "referent_fonction",
    "referent_email",
    "referent_telephone",
    "representant_nom",
    "representant_fonction",
    "representant_email",
    "representant_telephone",
    "commentaire",
]


def _semestres_domaines(pc) -> dict[str, str]:
    return {d.domaine.code: d.semestre_cibles for d in pc.domaines.select_related("domaine")}


@transaction.atomic
def modifier(*, precandidature, donnees, acting_user) -> Precandidature:
    """The établissement's gestionnaire, while ``brouillon`` (API ``PATCH``, the tabs)."""
    pc = verrouiller(precandidature)
    if not peut_saisir(acting_user, pc.etablissement):
        raise PermissionDenied(
            "Seul le gestionnaire de l'établissement peut modifier sa pré-candidature."
        )
    if pc.etat != EtatPrecandidature.BROUILLON:
        raise TransitionRefusee(
            f"La pré-candidature est « {pc.get_etat_display()} » : elle n'est plus modifiable.",
            pc.etat,
        )
    domaines_programme = {
        d.code: d for d in Domaine.objects.filter(programme=pc.campagne.programme)
    }
    champs, domaines = saisie.lire(donnees, pc.campagne, set(domaines_programme))
    avant = {**instantane(pc, CHAMPS), "domaines": _semestres_domaines(pc)}
    for champ, valeur in champs.items():
        setattr(pc, champ, valeur)
    if pc.prerequis_hn_atteints:
        pc.semestre_prerequis_hn = ""
    pc.save()
    if domaines is not None:
        retires = [code for code, semestre in domaines.items() if not semestre]
        pc.domaines.filter(domaine__code__in=retires).delete()
        for code, semestre in domaines.items():
            if semestre:
                DomaineCandidature.objects.update_or_create(
                    precandidature=pc,
                    domaine=domaines_programme[code],
                    defaults={"semestre_cibles": semestre},
                )
    apres = {**instantane(pc, CHAMPS), "domaines": _semestres_domaines(pc)}
    avant, apres = difference(avant, apres)
    if apres:
        if pc.validee_par_support_le is not None:  # the support validated another content
            avant["validee_par_support_le"] = pc.validee_par_support_le
            apres["validee_par_support_le"] = None
            pc.validee_par_support_le = pc.validee_par_support_par = None
            pc.save(update_fields=["validee_par_support_le", "validee_par_support_par"])
        tracer_precandidature("precandidature_modifiee", pc, acting_user, avant=avant, apres=apres)
    return pc


def manquants(pc) -> list[dict]:
    """What the établissement must still fill before transmitting, by tab (as the dossier's
    dépôt lists them by page)."""
    result = []

    def manque(page, champ, libelle):
        result.append({"page": page, "champ": champ, "libelle": libelle})

    interet = "Manifestation d'intérêt"
    if not pc.position:
        manque(interet, "position", "Position dans l'appel à manifestation d'intérêt")
    if pc.prerequis_hn_atteints is None:
        manque(interet, "prerequis_hn_atteints", "Prérequis HN atteints (oui ou non)")
    elif not pc.prerequis_hn_atteints and not pc.semestre_prerequis_hn:
        manque(interet, "semestre_prerequis_hn", "Semestre prévisionnel des prérequis HN")
    if not pc.semestre_prerequis_hopen:
        manque(interet, "semestre_prerequis_hopen", "Semestre prévisionnel des prérequis HOP'EN")
    if pc.position in (Position.EN_PROJET, Position.DEFINITIVE) and not pc.domaines.exists():
        manque(interet, "domaines", "Au moins un domaine avec son semestre d'atteinte des cibles")
    contacts = "Contacts"
    if not pc.referent_nom:
        manque(contacts, "referent.nom", "Nom du référent HOP'EN")
    if not pc.referent_email:
        manque(contacts, "referent.email", "Courriel du référent HOP'EN")
    if not pc.representant_nom:
        manque(contacts, "representant_legal.nom", "Nom du représentant légal")
    return result


REFUS_SANS_VALIDATION = (
    "La pré-candidature d'un établissement membre d'un GHT doit être validée par son "
    "établissement support ({}) avant d'être transmise à l'ARS."
)


@transaction.atomic
def valider_support(*, precandidature, acting_user) -> Precandidature:
    """The GHT support's gestionnaire validates a member's draft [SPEC §7, §10]."""
    pc = verrouiller(precandidature)
    support = pc.support_ght
    # Outside a GHT, the établissement's own gestionnaire is told why there is nothing to do.
    if not peut_saisir(acting_user, support or pc.etablissement):
        raise PermissionDenied(
            "Seul le gestionnaire de l'établissement support du GHT valide les pré-candidatures "
            "de ses membres."
        )
    if support is None:
        raise TransitionRefusee(
            "Seule la pré-candidature d'un établissement membre d'un GHT (autre que son "
            "établissement support) est validée par l'établissement support.",
            pc.etat,
        )
    if pc.etat != EtatPrecandidature.BROUILLON:
        raise TransitionRefusee(
            f"Impossible de valider : la pré-candidature est « {pc.get_etat_display()} ».",
            pc.etat,
        )
    if pc.validee_par_support_le is not None:
        raise TransitionRefusee(
            "La pré-candidature est déjà validée par l'établissement support (le "
            f"{date_paris(pc.validee_par_support_le):%d/%m/%Y}).",
            pc.etat,
        )
    pc.validee_par_support_le = timezone.now()
    pc.validee_par_support_par = acting_user
    pc.save(update_fields=["validee_par_support_le", "validee_par_support_par", "modifie_le"])
    tracer_precandidature(
        "precandidature_validee_support",
        pc,
        acting_user,
        apres={"validee_par_support_le": pc.validee_par_support_le, "support": support.finess},
    )
    return pc


@transaction.atomic
def transmettre(*, precandidature, acting_user) -> Precandidature:
    pc = verrouiller(precandidature)
    if not peut_saisir(acting_user, pc.etablissement):
        raise PermissionDenied(
            "Seul le gestionnaire de l'établissement peut transmettre sa pré-candidature."
        )
    _verifier_etat(pc, pc.transmettre, "de transmettre")
    jour = aujourd_hui()
    calendrier = pc.campagne.calendrier
    if refus := regles.refus_fenetre(calendrier, jour, pc.campagne.libelle):
        raise TransitionRefusee(refus, pc.etat)
    if pc.attend_validation_support:
        raise TransitionRefusee(
            REFUS_SANS_VALIDATION.format(pc.support_ght.raison_sociale), pc.etat
        )
    if manque := manquants(pc):
        raise Incomplete(manque)
    avant = pc.etat
    pc.transmettre()
    pc.transmise_le = timezone.now()
    pc.transmise_par = acting_user
    pc.tardive = pc.tardive or regles.tardive(calendrier, jour)
    pc.save()
    tracer_precandidature(
        "precandidature_transmise",
        pc,
        acting_user,
        avant={"etat": avant},
        apres={"etat": pc.etat, "tardive": pc.tardive},
    )
    return pc


# --- the ARS's answer -----------------------------------------------------------------------


def _decider(precandidature, acting_user, methode: str, action, commentaire, obligatoire):
    pc = verrouiller(precandidature)
    if not peut_instruire(acting_user, pc.region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS répond aux pré-candidatures.")
    _verifier_etat(pc, getattr(pc, methode), action)
    commentaire = texte_libre(commentaire, "commentaire")
    if obligatoire and not commentaire:
        raise DossierError(
            "Le motif du rejet est obligatoire.",
            {"commentaire": ["Indiquez le motif du rejet : l'établissement le lira."]},
        )
    avant = pc.etat
    getattr(pc, methode)()
    pc.decidee_le = timezone.now()
    pc.decidee_par = acting_user
    pc.commentaire_decision = commentaire
    pc.reponse_tardive = regles.reponse_en_retard(pc.campagne.calendrier, aujourd_hui())
    pc.save()
    tracer_precandidature(
        f"precandidature_{pc.etat}",
        pc,
        acting_user,
        avant={"etat": avant},
        apres={"etat": pc.etat, "reponse_tardive": pc.reponse_tardive},
        commentaire=commentaire,
    )
    return pc


@transaction.atomic
def preselectionner(*, precandidature, acting_user, commentaire="") -> Precandidature:
    return _decider(
        precandidature, acting_user, "preselectionner", "de pré-sélectionner", commentaire, False
    )


@transaction.atomic
def rejeter(*, precandidature, acting_user, commentaire="") -> Precandidature:
    return _decider(precandidature, acting_user, "rejeter", "de rejeter", commentaire, True)


# --- the programmation ----------------------------------------------------------------------


def _exiger_cmsi(acting_user, region):
    if not peut_instruire(acting_user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS établit la programmation.")


def verrouiller_programmation(campagne, region) -> Programmation:
    chiffrage.programmation_de(campagne, region)
    return Programmation.objects.select_for_update().get(campagne=campagne, region=region)


def _ajustements(donnees, lignes) -> list[tuple[regles.Ligne, int]]:
    if not isinstance(donnees, list) or not donnees:
        raise DossierError(
            "Indiquez les lignes à modifier.",
            {"lignes": ['Une liste est attendue : [{"finess", "domaine", "amorcage"}].']},
        )
    par_cle = {(lg.finess, lg.domaine): lg for lg in lignes}
    errors: dict[str, list[str]] = {}
    result = []
    for element in donnees:
        element = element if isinstance(element, dict) else {}
        cle = (str(element.get("finess") or "").strip(), str(element.get("domaine") or "").upper())
        lg = par_cle.get(cle)
        if lg is None:
            errors.setdefault("lignes", []).append(
                f"Aucune ligne de la programmation pour le FINESS « {cle[0]} » et le domaine "
                f"« {cle[1]} » (seules les pré-candidatures pré-sélectionnées y figurent)."
            )
            continue
        try:
            montant = entier(
                element.get("amorcage"),
                obligatoire=True,
                minimum=0,
                message="l'amorçage est un nombre entier d'euros, positif ou nul.",
            )
        except SaisieInvalide as exc:
            errors.setdefault("lignes", []).append(f"{cle[0]} {cle[1]} : {exc.message}")
            continue
        if refus := regles.amorcage_refuse(lg.forfait, montant):
            errors.setdefault("lignes", []).append(f"{cle[0]} {cle[1]} : {refus}")
            continue
        result.append((lg, montant))
    if errors:
        raise DossierError("La programmation n'est pas modifiée.", errors)
    return result


@transaction.atomic
def ajuster(*, campagne, region, lignes, acting_user) -> Programmation:
    """The CMSI sets the amorçage of some lines (API ``PATCH programmations/…``)."""
    _exiger_cmsi(acting_user, region)
    programmation = verrouiller_programmation(campagne, region)
    actuelles = chiffrage.lignes(campagne, region)
    changes = _ajustements(lignes, actuelles)
    ids = dict(
        campagne.precandidatures.filter(
            etablissement__finess__in=[lg.finess for lg, _ in changes]
        ).values_list("etablissement__finess", "etablissement_id")
    )
    domaines = dict(Domaine.objects.filter(programme=campagne.programme).values_list("code", "pk"))
    for lg, montant in changes:
        Ajustement.objects.update_or_create(
            programmation=programmation,
            etablissement_id=ids[lg.finess],
            domaine_id=domaines[lg.domaine],
            defaults={"amorcage": montant, "modifie_par": acting_user},
        )
    tracer(
        "programmation_ajustee",
        acteur=acting_user,
        objet=programmation,
        region=region,
        avant={f"{lg.finess} {lg.domaine}": lg.amorcage for lg, _ in changes},
        apres={f"{lg.finess} {lg.domaine}": m for lg, m in changes},
    )
    return programmation


@transaction.atomic
def transmettre_programmation(*, campagne, region, acting_user) -> Version:
    """A dated version for the national level; refused over the envelope or its amorçage
    ceiling [SPEC §7]."""
    _exiger_cmsi(acting_user, region)
    programmation = verrouiller_programmation(campagne, region)
    lignes = chiffrage.lignes(campagne, region)
    totaux = chiffrage.totaux(campagne, region, lignes)
    if totaux.depassements:
        raise Depassement(totaux.depassements)
    now = timezone.now()
    version = Version.objects.create(
        programmation=programmation,
        rang=programmation.versions.count() + 1,
        transmise_le=now,
        transmise_par=acting_user,
        en_retard=regles.programmation_en_retard(campagne.calendrier, date_paris(now)),
        lignes=[chiffrage.ligne_api(lg) for lg in lignes],
        total=totaux.total,
        total_amorcage=totaux.total_amorcage,
        enveloppe=totaux.enveloppe,
        plafond_amorcage=totaux.plafond_amorcage,
    )
    evenement = tracer(
        "programmation_transmise",
        acteur=acting_user,
        objet=programmation,
        region=region,
        apres={
            "version": version.rang,
            "total": totaux.total,
            "total_amorcage": totaux.total_amorcage,
            "en_retard": version.en_retard,
        },
    )
    notifier_evenement(evenement, programmation)
    return version
