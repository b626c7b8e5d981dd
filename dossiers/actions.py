"""Dossier operations: atomic, row-locked, authorised, traced (Zulip's do_* style).

Errors: :class:`DossierError` (bad input, 400), :class:`TransitionRefusee` (not allowed from
the current state, 409), :class:`DepotIncomplet` (missing fields, 409), ``PermissionDenied``
(the role may not, 403). Messages are French, for the user.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from dossiers import evenements, ght
from dossiers.analyse import blocage_depot
from dossiers.contenu import contenu, empreinte, manquants
from dossiers.enums import (
    ETATS_REFUSES,
    MOTIFS_ARS,
    DecisionDomaine,
    DecisionPrerequis,
    Etat,
    MotifRefus,
)
from dossiers.models import (
    Commentaire,
    DecisionPrerequisDossier,
    DemandeInitialisation,
    Depot,
    DomaineDossier,
    Dossier,
)
from dossiers.notifications import notifier_evenement
from dossiers.preselection import domaines_initiaux, refus_sans_preselection
from hn.champs import SaisieRefusee, booleen, exiger, texte_libre
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.dates import (
    aujourd_hui,
    date_paris,
    echeance_decision,
    echeance_initialisation,
    recandidature_possible_le,
)
from hn.journal.services import tracer
from hn.referentiel.models import Region

DossierError = SaisieRefusee  # bad input: a French message and {champ: [messages]}


class TransitionRefusee(Exception):
    def __init__(self, message: str, etat: str):
        super().__init__(message)
        self.message = message
        self.etat = etat


class DepotIncomplet(Exception):
    def __init__(self, manquants: list[dict]):
        super().__init__("Le dossier est incomplet.")
        self.message = (
            f"Le dossier ne peut pas être déposé : {len(manquants)} information"
            f"{'s' if len(manquants) > 1 else ''} obligatoire{'s' if len(manquants) > 1 else ''} "
            "manquante" + ("s." if len(manquants) > 1 else ".")
        )
        self.manquants = manquants


def tracer_dossier(action, dossier, acteur, **kw):
    """Trace the event and notify whoever its table says (``dossiers.notifications``)."""
    evenement = tracer(
        action,
        acteur=acteur,
        objet=dossier,
        etablissement=dossier.etablissement,
        region=dossier.etablissement.region,
        **kw,
    )
    notifier_evenement(evenement, dossier)
    return evenement


def verrouiller(dossier) -> Dossier:
    """Lock the row and reload it: concurrent actions on one dossier run one after the other."""
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("programme", "etablissement__region")
        .get(pk=dossier.pk)
    )


# --- initialisation -------------------------------------------------------------------------


def _verifier_recandidature(programme, etablissement):
    dernier_refus = (
        Dossier.objects.filter(
            programme=programme, etablissement=etablissement, etat__in=ETATS_REFUSES
        )
        .order_by("-decide_le")
        .first()
    )
    if dernier_refus is None or dernier_refus.decide_le is None:
        return
    possible = recandidature_possible_le(
        dernier_refus.decide_le, motif_financier=dernier_refus.motif_refus == MotifRefus.ENVELOPPE
    )
    if aujourd_hui() < possible:
        raison = (
            "refus pour maîtrise de l'enveloppe : nouvelle candidature à partir du 1er janvier "
            "de l'année suivante"
            if dernier_refus.motif_refus == MotifRefus.ENVELOPPE
            else "délai de six mois après la date de refus"
        )
        raise DossierError(
            f"Nouvelle candidature possible à partir du {possible:%d/%m/%Y} : le dossier "
            f"{dernier_refus.numero} a été refusé le {dernier_refus.decide_le:%d/%m/%Y} "
            f"({raison})."
        )


def _sans_dossier_ouvert(programme, etablissement):
    if Dossier.objects.ouverts().filter(programme=programme, etablissement=etablissement).exists():
        raise DossierError(f"L'établissement a déjà un dossier {programme.code} en cours.")


@transaction.atomic
def demander_initialisation(
    *, programme, etablissement, acting_user, membres=None
) -> DemandeInitialisation:
    """A request for a dossier; ``membres`` (FINESS) makes it the support's GHT request."""
    if not peut_saisir(acting_user, etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement peut demander un dossier.")
    # The région's lock serialises its requests and initialisations (dossiers.ght).
    Region.objects.select_for_update().get(pk=etablissement.region_id)
    _sans_dossier_ouvert(programme, etablissement)
    if (
        DemandeInitialisation.objects.en_attente()
        .filter(programme=programme, etablissement=etablissement)
        .exists()
    ):
        raise DossierError("Une demande est déjà en attente d'initialisation par l'ARS.")
    ght_demande, candidats = ght.membres_demandes(etablissement, membres)
    ght.verifier_disponibles(programme, candidats)
    _verifier_recandidature(programme, etablissement)
    if refus := refus_sans_preselection(programme, etablissement):
        raise DossierError(refus)
    demande = DemandeInitialisation.objects.create(
        programme=programme,
        etablissement=etablissement,
        ght=ght_demande,
        demandeur=acting_user,
        echeance=echeance_initialisation(aujourd_hui()),
    )
    apres = {"programme": programme.code, "echeance": demande.echeance}
    apres |= ght.enregistrer_membres(demande, candidats)
    tracer(
        "dossier_demande",
        acteur=acting_user,
        objet=demande,
        etablissement=etablissement,
        region=etablissement.region,
        apres=apres,
    )
    return demande


def _numero(region: Region, jour) -> str:
    """RR-AAAAMMJJ-NNN; the caller holds the région's row lock, so increments never collide."""
    prefixe = f"{region.code}-{jour:%Y%m%d}-"
    existants = Dossier.objects.filter(numero__startswith=prefixe).count()
    return f"{prefixe}{existants + 1:03d}"


@transaction.atomic
def initialiser_dossier(
    *, programme, etablissement, nom: str, acting_user, demande=None
) -> Dossier:
    region = Region.objects.select_for_update().get(pk=etablissement.region_id)
    if not peut_instruire(acting_user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS peut initialiser un dossier.")
    nom = texte_libre(nom, "nom", longueur=200) or etablissement.raison_sociale
    if demande is None:
        # The établissement's pending request for this programme is answered by this dossier.
        demande = (
            DemandeInitialisation.objects.en_attente()
            .filter(programme=programme, etablissement=etablissement)
            .first()
        )
    if demande is not None:
        demande = DemandeInitialisation.objects.select_for_update().get(pk=demande.pk)
        if demande.etablissement_id != etablissement.pk or demande.programme_id != programme.pk:
            raise DossierError("Cette demande concerne un autre établissement ou programme.")
        if demande.initialisee_le is not None:
            raise DossierError("Cette demande a déjà été initialisée.")
    _sans_dossier_ouvert(programme, etablissement)
    candidats = ght.candidats_de_la_demande(demande) if demande is not None else [etablissement]
    ght.verifier_disponibles(programme, candidats, sauf_demande=demande)
    _verifier_recandidature(programme, etablissement)
    now = timezone.now()
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                numero=_numero(region, date_paris(now)),
                programme=programme,
                etablissement=etablissement,
                region=region,
                demande=demande,
                ght_id=demande.ght_id if demande is not None else None,
                nom=nom[:200],
                cree_par=acting_user,
            )
    except IntegrityError as exc:
        raise DossierError(f"L'établissement a déjà un dossier {programme.code} en cours.") from exc
    if dossier.ght_id:
        ght.creer_membres(dossier, candidats)
    DomaineDossier.objects.bulk_create(domaines_initiaux(dossier))
    if demande is not None:
        demande.initialisee_le = now
        demande.save(update_fields=["initialisee_le"])
    tracer_dossier(
        "dossier_initialise",
        dossier,
        acting_user,
        apres={"numero": dossier.numero, "etat": dossier.etat, "nom": dossier.nom}
        | ({"membres": [e.finess for e in candidats]} if dossier.ght_id else {}),
    )
    return dossier


# --- transitions ----------------------------------------------------------------------------


def motif_et_commentaire(motif, commentaire, motifs, msg_motif, msg_commentaire, message):
    """A decision that must be motivated: a known motif and a non-empty comment, both
    reported at once. Returns the cleaned comment."""
    errors = {}
    if motif not in getattr(motifs, "values", motifs):
        errors["motif"] = [msg_motif]
    commentaire = texte_libre(commentaire, "commentaire")
    if not commentaire:
        errors["commentaire"] = [msg_commentaire]
    if errors:
        raise DossierError(message, errors)
    return commentaire


def verifier_etat(dossier, methode, action):
    """``action`` with its preposition, French elision included ("d'accepter le dossier")."""
    if not can_proceed(methode, check_conditions=False):
        raise TransitionRefusee(
            f"Impossible {action} : le dossier est « {dossier.get_etat_display()} ».",
            dossier.etat,
        )


@transaction.atomic
def deposer(*, dossier, acting_user) -> Dossier:
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement peut déposer le dossier.")
    verifier_etat(dossier, dossier.deposer, "de déposer")
    manque = manquants(dossier)
    if manque:
        raise DepotIncomplet(manque)
    if bloque := blocage_depot(dossier):  # antivirus: a piece being scanned or infected
        raise TransitionRefusee(bloque, dossier.etat)
    avant = dossier.etat
    dossier.deposer(user=acting_user)
    now = timezone.now()
    dossier.depose_le = now
    dossier.echeance_decision = echeance_decision(date_paris(now))
    dossier.save()
    data = contenu(dossier)
    depot = Depot.objects.create(
        dossier=dossier,
        rang=dossier.depots.count() + 1,
        depose_le=now,
        depose_par=acting_user,
        contenu=data,
        empreinte=empreinte(data),
    )
    tracer_dossier(
        "dossier_depose",
        dossier,
        acting_user,
        avant={"etat": avant},
        apres={
            "etat": dossier.etat,
            "depot": depot.rang,
            "empreinte": depot.empreinte,
            "echeance_decision": dossier.echeance_decision,
        },
    )
    return dossier


def instruire(dossier, acting_user) -> Dossier:
    dossier = verrouiller(dossier)
    if not peut_instruire(acting_user, dossier.etablissement.region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS peut instruire ce dossier.")
    return dossier


@transaction.atomic
def valider_prerequis(*, dossier, decisions: dict, commentaire: str, acting_user) -> Dossier:
    """Page II.2: accepté / non accepté per prérequis; a comment is mandatory when any is not
    accepted or undecided."""
    dossier = instruire(dossier, acting_user)
    if dossier.etat != Etat.DEPOSE:
        raise TransitionRefusee("Les prérequis se valident sur un dossier déposé.", dossier.etat)
    prerequis = {p.code: p for p in dossier.programme.prerequis.all()}
    errors = {}
    for code, decision in decisions.items():
        if code not in prerequis:
            errors.setdefault("decisions", []).append(f"Prérequis inconnu : {code}.")
        elif decision not in DecisionPrerequis.values:
            errors.setdefault(f"decisions.{code}", []).append("Décision inconnue.")
    existantes = {
        d.prerequis.code: d.decision
        for d in dossier.decisions_prerequis.select_related("prerequis")
    }
    finales = {**existantes, **decisions}
    commentaire = texte_libre(commentaire, "commentaire")
    tous_acceptes = all(finales.get(c) == DecisionPrerequis.ACCEPTE for c in prerequis)
    if not tous_acceptes and not commentaire:
        errors.setdefault("commentaire", []).append(
            "Un commentaire est obligatoire quand un prérequis n'est pas accepté ou pas décidé."
        )
    if errors:
        raise DossierError("La validation des prérequis est incomplète.", errors)
    for code, decision in decisions.items():
        DecisionPrerequisDossier.objects.update_or_create(
            dossier=dossier, prerequis=prerequis[code], defaults={"decision": decision}
        )
    dossier.commentaire_ars_prerequis = commentaire
    dossier.save(update_fields=["commentaire_ars_prerequis"])
    tracer_dossier(
        "prerequis_valides",
        dossier,
        acting_user,
        avant=existantes,
        apres={**finales, "commentaire": commentaire},
    )
    return dossier


@transaction.atomic
def valider_domaines(*, dossier, decisions: dict, acting_user) -> Dossier:
    """Page II.4: sélectionné / non sélectionné per requested domaine, with a comment visible
    to the ES; only once every prérequis is accepted. ``decisions``: code -> (decision,
    commentaire)."""
    dossier = instruire(dossier, acting_user)
    if dossier.etat != Etat.DEPOSE:
        raise TransitionRefusee("Les domaines se valident sur un dossier déposé.", dossier.etat)
    acceptes = {
        d.prerequis_id
        for d in dossier.decisions_prerequis.all()
        if d.decision == DecisionPrerequis.ACCEPTE
    }
    if any(p.pk not in acceptes for p in dossier.programme.prerequis.all()):
        raise DossierError("Validez d'abord tous les prérequis avant de sélectionner des domaines.")
    domaines = {dd.domaine.code: dd for dd in dossier.domaines.select_related("domaine")}
    errors = {}
    for code, (decision, _commentaire) in decisions.items():
        dd = domaines.get(code)
        if dd is None or not dd.demande:
            errors.setdefault("decisions", []).append(f"Domaine non demandé : {code}.")
        elif decision not in DecisionDomaine.values:
            errors.setdefault(f"decisions.{code}", []).append("Décision inconnue.")
    if errors:
        raise DossierError("La sélection des domaines est invalide.", errors)
    avant = {c: domaines[c].decision for c in decisions}
    for code, (decision, commentaire) in decisions.items():
        dd = domaines[code]
        dd.decision = decision
        dd.commentaire_ars = texte_libre(commentaire, f"domaines.{code}.commentaire")
        dd.save(update_fields=["decision", "commentaire_ars"])
    tracer_dossier(
        "domaines_valides",
        dossier,
        acting_user,
        avant=avant,
        apres={c: d for c, (d, _) in decisions.items()},
    )
    return dossier


@transaction.atomic
def reporter(*, dossier, commentaire: str, acting_user) -> Dossier:
    dossier = instruire(dossier, acting_user)
    verifier_etat(dossier, dossier.reporter, "de reporter le dossier")
    commentaire = texte_libre(commentaire, "commentaire")
    if not commentaire:
        raise DossierError(
            "Indiquez à l'établissement ce qu'il doit corriger.",
            {"commentaire": ["Le commentaire est obligatoire pour reporter un dossier."]},
        )
    dossier.reporter(user=acting_user)
    dossier.commentaire_ars_decision = commentaire
    dossier.save()
    tracer_dossier(
        "dossier_reporte",
        dossier,
        acting_user,
        avant={"etat": Etat.DEPOSE},
        apres={"etat": dossier.etat},
        commentaire=commentaire,
    )
    return dossier


@transaction.atomic
def refuser(*, dossier, motif: str, commentaire: str, acting_user) -> Dossier:
    dossier = instruire(dossier, acting_user)
    verifier_etat(dossier, dossier.refuser, "de refuser le dossier")
    commentaire = motif_et_commentaire(
        motif,
        commentaire,
        MotifRefus,
        "Choisissez le motif du refus : enveloppe, prerequis ou autre.",
        "Le commentaire est obligatoire pour refuser un dossier.",
        "Le refus doit être motivé.",
    )
    dossier.refuser(user=acting_user, motif=motif, le=aujourd_hui())
    dossier.commentaire_ars_decision = commentaire
    dossier.save()
    tracer_dossier(
        "dossier_refuse",
        dossier,
        acting_user,
        avant={"etat": Etat.DEPOSE},
        apres={"etat": dossier.etat, "motif": motif},
        commentaire=commentaire,
    )
    return dossier


@transaction.atomic
def accepter(
    *, dossier, commentaire: str = "", acting_user, amorcage=None, derogation: bool = False
) -> Dossier:
    """Acceptance [SPEC §4]: the selected domaines enter the follow-up, their forfaits are
    engaged on the région's envelope, and the optional amorçage (``{domaine: montant}``) is
    decided within the envelope rules (§3), each by the app that owns it, told through
    ``dossiers.evenements`` in this transaction. All or nothing: a refused amount refuses the
    acceptance, with the envelope's message."""
    dossier = instruire(dossier, acting_user)
    derogation = exiger(booleen, derogation, "derogation")
    verifier_etat(dossier, dossier.accepter, "d'accepter le dossier")
    raisons = dossier.raisons_non_acceptable()
    if raisons:
        raise TransitionRefusee(
            "Le dossier ne peut pas être accepté : " + " ".join(raisons), dossier.etat
        )
    le = aujourd_hui()
    dossier.accepter(user=acting_user, le=le)
    dossier.commentaire_ars_decision = texte_libre(commentaire, "commentaire")
    dossier.save()
    selectionnes = [
        dd.domaine.code
        for dd in dossier.domaines.select_related("domaine")
        if dd.decision == DecisionDomaine.SELECTIONNE
    ]
    tracer_dossier(
        "dossier_accepte",
        dossier,
        acting_user,
        avant={"etat": Etat.DEPOSE},
        apres={"etat": dossier.etat, "domaines": selectionnes},
    )
    # Never blocking, set by the ledger's handler: the selection drifts from the région's
    # statut/activité balance.
    dossier.avertissements = []
    # The follow-up entered, then the money (traced by the ledger): the forfaits engaged, the
    # amorçage decided.
    evenements.annoncer(
        evenements.ACCEPTE,
        dossier=dossier,
        acting_user=acting_user,
        le=le,
        amorcage=amorcage,
        derogation=derogation,
    )
    return dossier


@transaction.atomic
def commenter(*, dossier, texte: str, acting_user) -> Commentaire:
    """ARS comments are possible in every state, refused included."""
    dossier = instruire(dossier, acting_user)
    texte = texte_libre(texte, "texte")
    if not texte:
        raise DossierError("Le commentaire est vide.", {"texte": ["Saisissez un commentaire."]})
    commentaire = Commentaire.objects.create(dossier=dossier, auteur=acting_user, texte=texte)
    tracer_dossier("dossier_commente", dossier, acting_user, commentaire=texte)
    return commentaire


@transaction.atomic
def refuser_implicitement(*, dossier) -> Dossier:
    """No ARS decision within 4 months of the dépôt: refused implicitly, the refusal date being
    the expiry date [000 §2, A2 §3]. Acted by the system; refused before the deadline is past."""
    dossier = verrouiller(dossier)
    verifier_etat(dossier, dossier.refuser_implicitement, "de refuser implicitement le dossier")
    if dossier.echeance_decision is None or aujourd_hui() <= dossier.echeance_decision:
        raise TransitionRefusee(
            "Le délai de décision de l'ARS n'est pas expiré "
            f"(échéance : {dossier.echeance_decision:%d/%m/%Y}).",
            dossier.etat,
        )
    dossier.refuser_implicitement(le=dossier.echeance_decision)
    dossier.save()
    tracer_dossier(
        "dossier_refuse_implicitement",
        dossier,
        None,
        avant={"etat": Etat.DEPOSE},
        apres={"etat": dossier.etat, "refuse_le": dossier.decide_le},
    )
    return dossier


COMMENTAIRES_DE_PAGE = {
    "etablissement": "commentaire_ars_etablissement",
    "contacts": "commentaire_ars_contacts",
}


@transaction.atomic
def commenter_page(*, dossier, page: str, texte: str, acting_user) -> Dossier:
    """The ARS's comment shown under the ES's own comment on pages 2 and 3 [000 A9 §9];
    possible in every state."""
    dossier = instruire(dossier, acting_user)
    champ = COMMENTAIRES_DE_PAGE.get(page) if isinstance(page, str) else None
    if champ is None:
        raise DossierError("Page inconnue.", {"page": ["Choisissez etablissement ou contacts."]})
    avant = getattr(dossier, champ)
    setattr(dossier, champ, texte_libre(texte, "texte"))
    dossier.save(update_fields=[champ])
    tracer_dossier(
        "dossier_commente",
        dossier,
        acting_user,
        avant={champ: avant},
        apres={champ: getattr(dossier, champ)},
    )
    return dossier


def verifier_cloture(dossier, motif: str, commentaire: str) -> str:
    """The checks of a total closure by the ARS (its state, its motif and comment), before it
    is done or announced (``dossiers.consequences``); the comment as it will be kept."""
    verifier_etat(dossier, dossier.clore, "de clore le dossier")
    return motif_et_commentaire(
        motif,
        commentaire,
        MOTIFS_ARS,
        "Choisissez le motif de la clôture : cibles_inatteignables, "
        "declarations_erronees ou demande_etablissement.",
        "Le commentaire est obligatoire pour clore un dossier.",
        "La clôture doit être motivée.",
    )


@transaction.atomic
def clore(*, dossier, motif: str, commentaire: str, acting_user) -> Dossier:
    """Total closure by the ARS, with its reason [000 A4 §2, SPEC §5]: the domaines still
    awaiting their targets are closed, their engagement released and paid amorçage made
    repayable (the follow-up's handler of ``dossiers.evenements.CLOTURE``), then the dossier."""
    dossier = instruire(dossier, acting_user)
    commentaire = verifier_cloture(dossier, motif, commentaire)
    le = aujourd_hui()
    evenements.annoncer(
        evenements.CLOTURE,
        dossier=dossier,
        motif=motif,
        commentaire=commentaire,
        acting_user=acting_user,
        le=le,
    )
    return clore_le_dossier(
        dossier, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )


def clore_le_dossier(dossier, *, motif, commentaire, acting_user, le, action="dossier_clos"):
    """The dossier's own closure (its domaines already handled), under the caller's lock:
    the total closure, the last open domaine closed, the programme's end (``action``)."""
    dossier.clore(user=acting_user, motif=motif, le=le)
    dossier.commentaire_ars_decision = commentaire
    dossier.save()
    tracer_dossier(
        action,
        dossier,
        acting_user,
        avant={"etat": Etat.ACCEPTE},
        apres={"etat": dossier.etat, "motif": motif},
        commentaire=commentaire,
    )
    return dossier
