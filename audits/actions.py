"""Audit operations [SPEC §8]: atomic, row-locked, authorised, checked, traced (the house's
``actions.py``, as ``dossiers.actions``).

Errors: ``DossierError`` (bad input, 400, French message per field), ``TransitionRefusee``
(not allowed from the current state, 409 with ``etat``), :class:`DejaTire` (second draw, 409),
:class:`GrilleIncomplete` (``terminer`` with lines without a result, 409 with ``manquants``),
``PermissionDenied`` (403). On any error nothing is written.

Lock order: the audit's row, then (``decider``/``cloturer``) the dossier's through
``dossiers.actions.clore``, then the envelope's (the ledger): nothing locks a dossier then an
audit.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django_fsm import can_proceed

from audits import regles
from audits.enums import Conclusion, Decision, EtatAudit, Resultat
from audits.grille import indicateurs_audites, manquants
from audits.models import Audit, Designation, LigneGrille, PieceReponse, Tirage
from audits.notifications import notifier_audit
from audits.parametres import DELAI_REPONSE_MOIS, premiere_annee
from audits.pdf import envoyer_fiche
from dossiers import actions as dossiers
from dossiers import pieces
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.enums import ETATS_SUIVI, Etat, MotifCloture
from dossiers.models import Dossier
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.champs import booleen_ou_erreur, entier, exiger, texte_libre
from hn.comptes.enums import Role
from hn.comptes.models import User
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces
from hn.dates import ajouter_mois, aujourd_hui
from hn.journal.services import tracer
from hn.referentiel.models import Programme, Region
from hn.referentiel.regles import arrondi_euro


class DejaTire(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GrilleIncomplete(Exception):
    def __init__(self, codes: list[str]):
        n = len(codes)
        self.message = (
            f"L'audit ne peut pas être terminé : {n} ligne{'s' if n > 1 else ''} de la grille "
            f"sans résultat ({', '.join(codes)})."
        )
        super().__init__(self.message)
        self.manquants = codes


def verrouiller(audit) -> Audit:
    """Lock the audit's row and reload it: concurrent actions run one after the other."""
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related(
            "tirage__programme", "tirage__region", "dossier__programme", "dossier__etablissement"
        )
        .get(pk=audit.pk)
    )


def tracer_audit(action, audit, acteur, *, auditeur=None, valeurs=None, **kw):
    """Trace on the dossier's établissement and région, then notify (``audits.notifications``)."""
    evenement = tracer(
        action,
        acteur=acteur,
        objet=audit,
        etablissement=audit.dossier.etablissement,
        region=audit.dossier.region,
        **kw,
    )
    notifier_audit(evenement, audit, auditeur=auditeur, **(valeurs or {}))
    return evenement


def _verifier_etat(audit, methode, action):
    if not can_proceed(methode, check_conditions=False):
        raise TransitionRefusee(
            f"Impossible {action} : l'audit est « {audit.get_etat_display()} ».", audit.etat
        )


def exiger_auditeur(user, audit, geste="remplir cet audit"):
    """A designated auditor who still holds the région's auditeur role."""
    if not (
        user.has_perm("referentiel.auditer", audit.dossier.region)
        and audit.designations.filter(auditeur=user).exists()
    ):
        raise PermissionDenied(f"Seul un auditeur désigné sur cet audit peut {geste}.")


# --- the draw -------------------------------------------------------------------------------


def _programme_region(programme, region) -> tuple[Programme, Region]:
    errors = {}
    prog = Programme.objects.filter(code=str(programme or "").strip().upper()).first()
    if prog is None:
        errors["programme"] = [f"Programme inconnu : {programme}."]
    reg = Region.objects.actuelles().filter(code=str(region or "").strip()).first()
    if reg is None:
        errors["region"] = [f"Région inconnue : {region} (code INSEE d'une région actuelle)."]
    if errors:
        raise DossierError("Le tirage demande un programme et une région connus.", errors)
    return prog, reg


def _annee_graine(programme, annee, graine) -> tuple[int, int]:
    premiere, derniere = premiere_annee(programme), aujourd_hui().year
    annee = exiger(
        entier,
        annee,
        "annee",
        obligatoire=True,
        minimum=premiere,
        maximum=derniere,
        message=f"L'année doit être comprise entre {premiere} (début du programme "
        f"{programme.code}) et {derniere} (l'année en cours).",
    )
    if graine is None or graine == "":
        return annee, regles.nouvelle_graine()
    graine = exiger(
        entier,
        graine,
        "graine",
        minimum=0,
        maximum=regles.GRAINE_MAX,
        message=f"La graine est un entier entre 0 et {regles.GRAINE_MAX}.",
    )
    return annee, graine


def population_de(programme, region, annee) -> list[str]:
    """The year's population [SPEC §8]: the programme's dossiers of the région accepted on or
    before 31 December and not closed before 1 January, sorted by numéro."""
    lignes = (
        Dossier.objects.filter(
            programme=programme,
            region=region,
            etat__in=ETATS_SUIVI,
            decide_le__lte=dt.date(annee, 12, 31),
        )
        .exclude(clos_le__lt=dt.date(annee, 1, 1))
        .values_list("numero", "decide_le", "clos_le")
    )
    return regles.population(annee, lignes)


def _existe_deja(programme, region, annee) -> DejaTire:
    return DejaTire(
        f"Le tirage {programme.code} {annee} de la région {region.nom} a déjà été fait : "
        "un tirage par programme, région et année, jamais refait."
    )


@transaction.atomic
def tirer(*, programme, region, annee, graine=None, acting_user) -> Tirage:
    """The yearly draw of a programme and a région by its CMSI [SPEC §8]: one ``Audit`` per
    drawn dossier. ``graine`` (int ≥ 0) is drawn from ``secrets`` when not given."""
    programme, region = _programme_region(programme, region)
    if not peut_instruire(acting_user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS de la région tire les audits.")
    annee, graine = _annee_graine(programme, annee, graine)
    population = population_de(programme, region, annee)
    tires = regles.echantillon(population, graine)
    try:
        with transaction.atomic():
            tirage = Tirage.objects.create(
                programme=programme,
                region=region,
                annee=annee,
                graine=graine,
                population=population,
                tires=tires,
                tire_le=timezone.now(),
                tire_par=acting_user,
            )
    except IntegrityError:  # already drawn, perhaps by another CMSI at the same instant
        raise _existe_deja(programme, region, annee) from None
    ids = dict(Dossier.objects.filter(numero__in=tires).values_list("numero", "pk"))
    Audit.objects.bulk_create(
        Audit(tirage=tirage, dossier_id=ids[numero], rang=rang)
        for rang, numero in enumerate(tires, start=1)
    )
    tracer(
        "audit_tirage",
        acteur=acting_user,
        objet=tirage,
        region=region,
        apres={
            "programme": programme.code,
            "annee": annee,
            "graine": graine,
            "population": len(population),
            "tires": tires,
        },
    )
    return tirage


# --- auditors -------------------------------------------------------------------------------


def _auditeur(username, region) -> User:
    user = User.objects.filter(username=str(username or "").strip(), is_active=True).first()
    if user is None:
        raise DossierError(
            "Désignez un compte existant.",
            {"username": [f"Aucun compte actif ne s'appelle « {username} »."]},
        )
    roles = acces(user).regions
    if Role.ARS_VALIDEUR in roles.values():
        raise DossierError(
            "Le valideur (CMSI) ne peut jamais être auditeur.",
            {
                "username": [
                    f"{user.username} est valideur (CMSI) d'une ARS : il instruit les dossiers "
                    "et décide des suites de l'audit, il ne peut pas en être l'auditeur "
                    "[000 A5 §2]."
                ]
            },
        )
    if roles.get(region.pk) != Role.ARS_AUDITEUR:
        raise DossierError(
            "L'auditeur doit être un auditeur de l'ARS de la région.",
            {"username": [f"{user.username} n'est pas auditeur de l'ARS {region.nom}."]},
        )
    return user


@transaction.atomic
def designer(*, audit, username, acting_user) -> Designation:
    """The CMSI designates an auditor among the région's ARS auditeurs; the first one starts
    the audit (``a_planifier → en_cours``)."""
    audit = verrouiller(audit)
    region = audit.dossier.region
    if not peut_instruire(acting_user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS désigne les auditeurs.")
    if audit.etat not in (EtatAudit.A_PLANIFIER, EtatAudit.EN_COURS):
        raise TransitionRefusee(
            f"Impossible de désigner un auditeur : l'audit est « {audit.get_etat_display()} ».",
            audit.etat,
        )
    auditeur = _auditeur(username, region)
    if audit.designations.filter(auditeur=auditeur).exists():
        raise DossierError(
            "Cet auditeur est déjà désigné.",
            {"username": [f"{auditeur.username} est déjà désigné sur cet audit."]},
        )
    designation = Designation.objects.create(
        audit=audit, auditeur=auditeur, designe_par=acting_user
    )
    avant = audit.etat
    if audit.etat == EtatAudit.A_PLANIFIER:
        audit.commencer(le=aujourd_hui())
        audit.save()
    tracer_audit(
        "audit_auditeur_designe",
        audit,
        acting_user,
        auditeur=auditeur,
        avant={"etat": avant},
        apres={"etat": audit.etat, "auditeur": auditeur.username},
    )
    return designation


# --- the grid -------------------------------------------------------------------------------


def _lire_ligne(item, index, par_code, errors) -> tuple | None:
    champ = f"lignes[{index}]"
    if not isinstance(item, dict):
        errors.setdefault(champ, []).append("Chaque ligne est un objet {code, resultat, …}.")
        return None
    code = str(item.get("code") or "").strip()
    indicateur = par_code.get(code)
    if indicateur is None:
        errors.setdefault(champ, []).append(
            f"L'indicateur « {code} » n'est pas dans la grille de cet audit (prérequis et "
            "domaines sélectionnés du dossier)."
        )
        return None
    valeurs = {}
    if "resultat" in item:
        resultat = item["resultat"] if item["resultat"] is not None else ""
        if resultat not in ("", *Resultat.values):
            errors.setdefault(champ, []).append(
                "Le résultat est conforme, non_conforme ou non_verifiable."
            )
        valeurs["resultat"] = resultat
    if "preuves_verifiees" in item:
        valeurs["preuves_verifiees"] = booleen_ou_erreur(item["preuves_verifiees"], champ, errors)
    if "observations" in item:
        try:
            valeurs["observations"] = texte_libre(item["observations"], champ)
        except DossierError as exc:
            errors.setdefault(champ, []).append(exc.message)
    return indicateur, valeurs


@transaction.atomic
def enregistrer_grille(*, audit, lignes, acting_user) -> Audit:
    """A designated auditor saves some lines of the grid, while ``en_cours`` (a half-filled
    grid is normal). Unknown codes refuse the whole save."""
    audit = verrouiller(audit)
    exiger_auditeur(acting_user, audit)
    _verifier_etat(audit, audit.conclure_conforme, "de modifier la grille")
    if not isinstance(lignes, list):
        raise DossierError(
            "La grille attend une liste de lignes.", {"lignes": ["Une liste de lignes."]}
        )
    par_code = {i.code: i for i in indicateurs_audites(audit.dossier)}
    errors: dict = {}
    lues = [_lire_ligne(item, n, par_code, errors) for n, item in enumerate(lignes)]
    if errors:
        raise DossierError("La grille n'a pas été enregistrée.", errors)
    modifiees = []
    for indicateur, valeurs in filter(None, lues):
        ligne, _ = LigneGrille.objects.get_or_create(audit=audit, indicateur=indicateur)
        for champ, valeur in valeurs.items():
            setattr(ligne, champ, valeur)
        ligne.save()
        modifiees.append(indicateur.code)
    # Traced on the région only: the auditor's work in progress is not the établissement's.
    tracer(
        "audit_grille",
        acteur=acting_user,
        objet=audit,
        region=audit.dossier.region,
        apres={"lignes": modifiees},
    )
    return audit


# --- conclusion, contradictory phase, decision ---------------------------------------------


@transaction.atomic
def terminer(*, audit, conclusion, observations, acting_user) -> Audit:
    """The auditor concludes: conforme ends the audit; non conforme opens the contradictory
    phase (the ES answers within one calendar month)."""
    audit = verrouiller(audit)
    exiger_auditeur(acting_user, audit, "conclure cet audit")
    _verifier_etat(audit, audit.conclure_conforme, "de terminer l'audit")
    errors = {}
    if conclusion not in Conclusion.values:
        errors["conclusion"] = ["La conclusion est conforme ou non_conforme."]
    observations = texte_libre(observations, "observations")
    if not observations:
        errors["observations"] = ["Les observations sont obligatoires pour conclure."]
    if errors:
        raise DossierError("La conclusion de l'audit est incomplète.", errors)
    if codes := manquants(audit):
        raise GrilleIncomplete(codes)
    le = aujourd_hui()
    if conclusion == Conclusion.CONFORME:
        audit.conclure_conforme(user=acting_user, observations=observations, le=le)
        action = "audit_termine_conforme"
    else:
        echeance = ajouter_mois(le, DELAI_REPONSE_MOIS)
        audit.conclure_non_conforme(
            user=acting_user, observations=observations, le=le, echeance=echeance
        )
        action = "audit_contradictoire"
    audit.save()
    tracer_audit(
        action,
        audit,
        acting_user,
        avant={"etat": EtatAudit.EN_COURS},
        apres={
            "etat": audit.etat,
            "conclusion": conclusion,
            "echeance_reponse": audit.echeance_reponse,
        },
        commentaire=observations,
    )
    envoyer_fiche(audit)  # the fiche de synthèse goes to the ES (rendered when read)
    return audit


PIECES_MAX = 5  # attachments of one answer (each checked as the dossier's: 2 Mo, PDF or Word)


def _pieces_verifiees(fichiers) -> list:
    fichiers = list(fichiers or [])
    if len(fichiers) > PIECES_MAX:
        raise DossierError(
            f"{PIECES_MAX} pièces jointes au plus par réponse.",
            {"pieces": [f"{len(fichiers)} fichiers envoyés : {PIECES_MAX} au plus."]},
        )
    errors, verifies = {}, []
    for fichier in fichiers:
        verifie, messages = pieces.verifier_fichier(fichier)
        if messages:
            errors.setdefault("pieces", []).extend(
                f"{getattr(fichier, 'name', 'fichier')} : {m}" for m in messages
            )
        verifies.append(verifie)
    if errors:
        raise DossierError("Les pièces jointes n'ont pas été enregistrées.", errors)
    return verifies


def repondre(*, audit, reponse, acting_user, fichiers=()) -> Audit:
    """The ES gestionnaire answers in writing, with attachments, during the contradictory
    phase (a later answer replaces the text and adds its pieces; one after the deadline is
    kept, the deadline stays flagged). A refused file refuses the whole answer; files stored
    by a failed answer are deleted (``dossiers.pieces.avec_nettoyage``)."""

    def operation(stockes):
        a = verrouiller(audit)
        if not peut_saisir(acting_user, a.dossier.etablissement):
            raise PermissionDenied("Seul le gestionnaire de l'établissement répond à l'audit.")
        if a.etat != EtatAudit.CONTRADICTOIRE:
            raise TransitionRefusee(
                "Impossible de répondre : l'audit n'est pas en phase contradictoire (il est « "
                f"{a.get_etat_display()} »).",
                a.etat,
            )
        texte_ = texte_libre(reponse, "reponse")
        if not texte_:
            raise DossierError("La réponse est vide.", {"reponse": ["Écrivez votre réponse."]})
        verifies = _pieces_verifiees(fichiers)
        a.reponse_es = texte_
        a.repondu_le = timezone.now()
        a.repondu_par = acting_user
        a.save(update_fields=["reponse_es", "repondu_le", "repondu_par"])
        noms = []
        for verifie in verifies:
            piece = pieces.joindre_piece(
                dossier=a.dossier, verifie=verifie, acting_user=acting_user, stockes=stockes
            )
            PieceReponse.objects.create(audit=a, piece=piece)
            noms.append(piece.nom)
        tracer_audit("audit_reponse_es", a, acting_user, apres={"pieces": noms}, commentaire=texte_)
        return a

    return pieces.avec_nettoyage(operation)


def a_rembourser(dossier) -> int:
    """Repayment due recorded for the dossier in the ledger, whole euros."""
    total = MouvementEnveloppe.objects.filter(
        dossier=dossier,
        nature__in=(Nature.REMBOURSEMENT_AMORCAGE_DU, Nature.REMBOURSEMENT_USAGE_DU),
    ).aggregate(total=Sum("montant"))["total"]
    return arrondi_euro(total or Decimal(0))


def verifier_decision(audit, decision, commentaire, acting_user) -> str:
    """The checks of the CMSI's decision, before it is done or announced (the decision page's
    confirmation): who, the audit's state, the decision and its comment; the comment as kept."""
    if not peut_instruire(acting_user, audit.dossier.region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS décide des suites de l'audit.")
    _verifier_etat(audit, audit.decider, "de décider")
    errors = {}
    if decision not in Decision.values:
        errors["decision"] = ["La décision est classer ou cloturer."]
    commentaire = texte_libre(commentaire, "commentaire")
    if not commentaire:
        errors["commentaire"] = ["Motivez la décision."]
    if errors:
        raise DossierError("La décision doit être motivée.", errors)
    if decision == Decision.CLOTURER and audit.dossier.etat != Etat.ACCEPTE:
        raise TransitionRefusee(
            f"Le dossier {audit.dossier.numero} est « {audit.dossier.get_etat_display()} » : "
            "seul un dossier accepté peut être clos pour fausse déclaration ; classez l'audit.",
            audit.etat,
        )
    return commentaire


@transaction.atomic
def decider(*, audit, decision, commentaire, acting_user) -> Audit:
    """The CMSI decides after the contradictory phase: ``classer`` or ``cloturer`` — the total
    closure of the dossier for false declaration through the dossier's own closure (its
    domaines closed, engagement released, paid amorçage — HOP'EN: and usage — due back in the
    ledger), and an alert to the national level."""
    audit = verrouiller(audit)
    commentaire = verifier_decision(audit, decision, commentaire, acting_user)
    le = aujourd_hui()
    valeurs = {}
    if decision == Decision.CLOTURER:
        dossiers.clore(
            dossier=audit.dossier,
            motif=MotifCloture.DECLARATIONS_ERRONEES,
            commentaire=f"Audit {audit.tirage.annee} : {commentaire}",
            acting_user=acting_user,
        )
        valeurs["a_rembourser"] = f"{a_rembourser(audit.dossier):,}".replace(",", "\u00a0")
    audit.decider(user=acting_user, decision=decision, commentaire=commentaire, le=le)
    audit.save()
    tracer_audit(
        "audit_cloture" if decision == Decision.CLOTURER else "audit_classe",
        audit,
        acting_user,
        valeurs=valeurs,
        avant={"etat": EtatAudit.CONTRADICTOIRE},
        apres={"etat": audit.etat, "decision": decision},
        commentaire=commentaire,
    )
    return audit
