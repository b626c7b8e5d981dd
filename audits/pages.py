"""What the audits' HTML pages show (audits/views.py stays thin): the list's filters and
export, the draw's recheck, the detail page's forms, the grid's form, the decision's
consequences. Every rule stays in ``audits.actions``; nothing is written here."""

import random

from audits import actions, grille, regles
from audits.enums import Conclusion, Decision, EtatAudit, Resultat
from audits.pdf import lit_la_fiche
from audits.services import audits_visibles, lit_la_grille
from dossiers import consequences
from dossiers.contributions import CLOTURE, contexte_contribue
from dossiers.enums import MotifCloture
from dossiers.pieces import pieces_actives
from hn.champs import filtre_entier, filtre_texte
from hn.comptes.enums import Role
from hn.comptes.models import User
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.exports import reponse_liste
from hn.referentiel.models import Programme, Region

ENTETES = [
    "Dossier",
    "Établissement",
    "FINESS",
    "Programme",
    "Région",
    "Année",
    "État",
    "Auditeurs",
    "Conclusion",
    "Décision",
]


def audits_filtres(request):
    """The visible audits, filtered by ``etat``, ``programme``, ``annee`` (and ``region``)."""
    qs = audits_visibles(request.user).prefetch_related("designations__auditeur")
    filtres = {
        "etat": filtre_texte(request.GET, "etat"),
        "programme": filtre_texte(request.GET, "programme").upper(),
        "annee": filtre_entier(request.GET, "annee", minimum=2000, maximum=2100),
        "region": filtre_texte(request.GET, "region"),
    }
    if filtres["etat"] in EtatAudit.values:
        qs = qs.filter(etat=filtres["etat"])
    if filtres["programme"]:
        qs = qs.filter(tirage__programme__code=filtres["programme"])
    if filtres["annee"] is not None:
        qs = qs.filter(tirage__annee=filtres["annee"])
    if filtres["region"]:
        qs = qs.filter(tirage__region__code=filtres["region"])
    return qs.order_by("-tirage__annee", "tirage_id", "rang"), filtres


def auditeurs_de(audit) -> str:
    return ", ".join(
        d.auditeur.get_full_name() or d.auditeur.username for d in audit.designations.all()
    )


def fichier_audits(format_, qs):
    lignes = [
        [
            a.dossier.numero,
            a.dossier.etablissement.raison_sociale,
            a.dossier.etablissement.finess,
            a.tirage.programme.code,
            a.tirage.region.nom,
            a.tirage.annee,
            a.get_etat_display(),
            auditeurs_de(a),
            a.get_conclusion_display(),
            a.get_decision_display(),
        ]
        for a in qs
    ]
    return reponse_liste(format_, "audits", "Audits", ENTETES, lignes)


def contexte_liste(request, filtres) -> dict:
    a = acces(request.user)
    seulement_auditeur = not a.national and all(
        role == Role.ARS_AUDITEUR for role in a.regions.values()
    )
    return {
        "title": "Mes audits" if seulement_auditeur and a.regions else "Audits",
        "filtres": filtres,
        "etats": EtatAudit.choices,
        "programmes": Programme.objects.order_by("ordre"),
        "national": a.national,
        "regions": Region.objects.actuelles().order_by("code") if a.national else (),
        "peut_tirer": bool(a.regions_instruction),
        "voit_tirages": a.national or bool(a.regions_lecture),
    }


# --- draws ---------------------------------------------------------------------------------


def verification(tirage) -> dict:
    """The recheck of a recorded draw, recomputed here as anyone can with Python alone."""
    taille = regles.taille(len(tirage.population))
    recalcule = random.Random(tirage.graine).sample(list(tirage.population), taille)
    return {"taille": taille, "recalcule": recalcule, "identique": recalcule == tirage.tires}


def contexte_tirages(request, tirages, errors=None, saisie=None) -> dict:
    a = acces(request.user)
    regions = Region.objects.filter(pk__in=a.regions_instruction).order_by("code")
    return {
        "title": "Tirages des audits",
        "tirages": tirages,
        "regions_tirage": regions,
        "programmes": Programme.objects.order_by("ordre"),
        "errors": errors or {},
        "saisie": saisie or {},
        "annee_max": aujourd_hui().year,
    }


# --- one audit -----------------------------------------------------------------------------


def auditeurs_possibles(audit):
    """The région's ARS auditeurs not yet designated (the action decides, this only offers)."""
    return (
        User.objects.filter(
            is_active=True,
            attributions__role=Role.ARS_AUDITEUR,
            attributions__region=audit.dossier.region,
        )
        .exclude(pk__in=audit.designations.values("auditeur_id"))
        .distinct()
        .order_by("last_name", "username")
    )


def contexte_audit(request, audit, errors=None, saisie=None, formulaire="") -> dict:
    user = request.user
    region = audit.dossier.region
    instruit = peut_instruire(user, region)
    ouvert = audit.etat in (EtatAudit.A_PLANIFIER, EtatAudit.EN_COURS)
    designe = audit.designations.filter(auditeur=user).exists()
    return {
        "title": f"Audit du dossier {audit.dossier.numero}",
        "audit": audit,
        "dossier": audit.dossier,
        "designations": audit.designations.select_related("auditeur", "designe_par"),
        "pieces_reponse": audit.pieces_reponse.select_related("piece").order_by("pk"),
        "peut_designer": instruit and ouvert,
        "auditeurs_possibles": auditeurs_possibles(audit) if instruit and ouvert else (),
        "lit_grille": lit_la_grille(user, audit),
        "remplit_grille": designe and audit.etat == EtatAudit.EN_COURS,
        "peut_repondre": audit.etat == EtatAudit.CONTRADICTOIRE
        and peut_saisir(user, audit.dossier.etablissement),
        "peut_decider": audit.etat == EtatAudit.CONTRADICTOIRE and instruit,
        "fiche_lisible": bool(audit.conclusion) and lit_la_fiche(user, audit),
        "decisions": Decision.choices,
        "a_rembourser": actions.a_rembourser(audit.dossier) if audit.decision else None,
        "errors": errors or {},
        "saisie": saisie or {},
        "formulaire": formulaire,
    }


def contexte_grille(request, audit, errors=None, saisie=None, manquants=()) -> dict:
    designe = audit.designations.filter(auditeur=request.user).exists()
    return {
        "title": f"Grille de contrôle — audit du dossier {audit.dossier.numero}",
        "audit": audit,
        "dossier": audit.dossier,
        "lignes": _avec_saisie(grille.lignes(audit), saisie),
        "resultats": Resultat.choices,
        "conclusions": Conclusion.choices,
        "modifiable": designe and audit.etat == EtatAudit.EN_COURS,
        "pieces": list(pieces_actives(audit.dossier)),
        "errors": errors or {},
        "saisie": saisie or {},
        "manquants": list(manquants),
    }


def _avec_saisie(lignes, saisie):
    """A refused save shows the lines as they were typed, not as stored."""
    if not saisie or "enregistrer" not in saisie:
        return lignes
    for ligne in lignes:
        ligne.resultat = saisie.get(f"resultat.{ligne.code}", "")
        ligne.preuves_verifiees = saisie.get(f"preuves.{ligne.code}") == "1"
        ligne.observations = saisie.get(f"observations.{ligne.code}", "")
    return lignes


def lignes_postees(post, audit) -> list[dict]:
    """The grid's form as the action's lines: every line of the grid, as shown."""
    lignes = []
    for indicateur in grille.indicateurs_audites(audit.dossier):
        code = indicateur.code
        lignes.append(
            {
                "code": code,
                "resultat": post.get(f"resultat.{code}", ""),
                "preuves_verifiees": post.get(f"preuves.{code}") == "1",
                "observations": post.get(f"observations.{code}", ""),
            }
        )
    return lignes


def consequences_decision(request, audit):
    """What ``cloturer`` will do, checked first as the action would (its errors at the
    fields): the dossier's closure, the repayment due, the national alert."""
    decision = request.POST.get("decision")
    commentaire = actions.verifier_decision(
        audit, decision, request.POST.get("commentaire"), request.user
    )
    dossier = audit.dossier
    cloture = consequences.cloture(
        dossier,
        motif=MotifCloture.DECLARATIONS_ERRONEES,
        commentaire=commentaire,
        montants=contexte_contribue(CLOTURE, dossier).get("montants_cloture"),
    )
    deja = actions.a_rembourser(dossier)
    points = [
        f"Le dossier {dossier.numero} est clos pour fausse déclaration (clôture totale).",
        *cloture.points,
        "Le remboursement dû de ce qui a été versé (HN : l'amorçage ; HOP'EN : l'amorçage "
        "et l'usage) est inscrit au grand livre de l'enveloppe"
        + (f" (déjà dû : {consequences.euros(deja)})." if deja else "."),
        "Le niveau national est alerté (notification et page nationale des audits).",
        "L'audit est terminé avec la décision « Dossier clos pour fausse déclaration ».",
    ]
    return consequences.Consequences(
        titre=f"Clore le dossier {dossier.numero} pour fausse déclaration ?",
        bouton="Confirmer la clôture",
        points=points,
        notifies=list(dict.fromkeys([*cloture.notifies, "le niveau national (DGOS)"])),
        irreversible="La clôture du dossier et la décision ne peuvent pas être annulées.",
    )
