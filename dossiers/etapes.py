"""The instruction page's forms (dossiers.views.instruction): what each posted ``etape`` does,
what the irreversible ones will do before they are confirmed (``dossiers.consequences``), and
the page's context, the CMSI's typed values kept when a form is refused."""

from django.contrib import messages

from dossiers import actions, consequences
from dossiers.contenu import domaines_demandes
from dossiers.contextes import contexte_dossier, forfaits_du_dossier, lignes_indicateurs
from dossiers.contributions import CLOTURE, INSTRUCTION, contexte_contribue
from dossiers.eligibilite import controles
from dossiers.enums import (
    MOTIFS_ARS,
    DecisionDomaine,
    DecisionPrerequis,
    MotifRefus,
)
from dossiers.services import contenu_lisible
from hn.champs import case_cochee


def _amorcage(request) -> dict:
    return {
        k.removeprefix("amorcage."): v.strip()
        for k, v in request.POST.items()
        if k.startswith("amorcage.") and v.strip()
    }


def _enveloppe(dossier) -> dict:
    """The région's envelope and its situation, as the ledger gives them to the page."""
    contexte = contexte_contribue(INSTRUCTION, dossier)
    return {"enveloppe": contexte.get("enveloppe"), "situation": contexte.get("situation")}


def _valider_prerequis(request, dossier) -> str:
    actions.valider_prerequis(
        dossier=dossier,
        decisions={
            p.code: request.POST[f"prerequis.{p.code}"]
            for p in dossier.programme.prerequis.all()
            if request.POST.get(f"prerequis.{p.code}")
        },
        commentaire=request.POST.get("commentaire_prerequis", ""),
        acting_user=request.user,
    )
    return "Validation des prérequis enregistrée."


def _valider_domaines(request, dossier) -> str:
    actions.valider_domaines(
        dossier=dossier,
        decisions={
            dd.domaine.code: (
                request.POST.get(f"domaines.{dd.domaine.code}", ""),
                request.POST.get(f"domaines.{dd.domaine.code}.commentaire", ""),
            )
            for dd in dossier.domaines.select_related("domaine")
            if dd.demande and request.POST.get(f"domaines.{dd.domaine.code}")
        },
        acting_user=request.user,
    )
    return "Sélection des domaines enregistrée."


def _accepter(request, dossier) -> str:
    accepte = actions.accepter(
        dossier=dossier,
        commentaire=request.POST.get("commentaire", ""),
        acting_user=request.user,
        amorcage=_amorcage(request),
        derogation=case_cochee(request.POST, "derogation"),
    )
    messages.success(
        request,
        "Dossier accepté : ses forfaits sont engagés sur l'enveloppe régionale et il "
        "passe en suivi de projet.",
    )
    for avertissement in accepte.avertissements:
        messages.warning(request, avertissement)
    return ""  # the messages are already given, the warnings after the success


def _reporter(request, dossier) -> str:
    actions.reporter(
        dossier=dossier, commentaire=request.POST.get("commentaire", ""), acting_user=request.user
    )
    return "Dossier reporté : il est renvoyé à l'établissement."


def _refuser(request, dossier) -> str:
    actions.refuser(
        dossier=dossier,
        motif=request.POST.get("motif", ""),
        commentaire=request.POST.get("commentaire", ""),
        acting_user=request.user,
    )
    return "Dossier refusé."


def _clore(request, dossier) -> str:
    actions.clore(
        dossier=dossier,
        motif=request.POST.get("motif_cloture", ""),
        commentaire=request.POST.get("commentaire_cloture", ""),
        acting_user=request.user,
    )
    return "Dossier clos."


def _commenter_pages(request, dossier) -> str:
    for page_code in actions.COMMENTAIRES_DE_PAGE:
        actions.commenter_page(
            dossier=dossier,
            page=page_code,
            texte=request.POST.get(f"commentaire_{page_code}", ""),
            acting_user=request.user,
        )
    return "Commentaires des pages 2 et 3 enregistrés."


def _commenter(request, dossier) -> str:
    actions.commenter(
        dossier=dossier, texte=request.POST.get("texte", ""), acting_user=request.user
    )
    return "Commentaire ajouté."


# The posted "etape" -> what it does; each returns its success message (raises the actions'
# errors).
ETAPES_INSTRUCTION = {
    "prerequis": _valider_prerequis,
    "domaines": _valider_domaines,
    "accepter": _accepter,
    "reporter": _reporter,
    "refuser": _refuser,
    "clore": _clore,
    "commentaires_pages": _commenter_pages,
    "commenter": _commenter,
}

# The irreversible ones, confirmed first: "etape" -> its consequences (raises the actions'
# errors for bad input, like the act would).
A_CONFIRMER = {
    "accepter": lambda request, dossier: consequences.acceptation(
        dossier, amorcage=_amorcage(request), **_enveloppe(dossier)
    ),
    "refuser": lambda request, dossier: consequences.refus(
        dossier,
        motif=request.POST.get("motif", ""),
        commentaire=request.POST.get("commentaire", ""),
    ),
    "clore": lambda request, dossier: consequences.cloture(
        dossier,
        motif=request.POST.get("motif_cloture", ""),
        commentaire=request.POST.get("commentaire_cloture", ""),
        montants=contexte_contribue(CLOTURE, dossier).get("montants_cloture"),
    ),
}

# Which form of the page each "etape" is, for its errors and typed values.
FORMULAIRES = {
    "prerequis": "prerequis",
    "domaines": "domaines",
    "accepter": "decision",
    "reporter": "decision",
    "refuser": "decision",
    "clore": "cloture",
}


def _saisie(request) -> tuple[str, dict]:
    """(the form posted, its typed values), ("", {}) on a GET."""
    if request.method != "POST":
        return "", {}
    return FORMULAIRES.get(request.POST.get("etape", ""), ""), request.POST


def contexte_instruction(request, dossier, errors) -> dict:
    contenu, _source, depot = contenu_lisible(request.user, dossier)
    formulaire, saisie = _saisie(request)
    decisions = {d.prerequis_id: d.decision for d in dossier.decisions_prerequis.all()}
    prerequis = list(dossier.programme.prerequis.prefetch_related("indicateurs"))
    demandes = domaines_demandes(contenu)
    domaines = [
        dd for dd in dossier.domaines.select_related("domaine") if dd.domaine.code in demandes
    ]
    tous_refuses = bool(domaines) and all(
        dd.decision == DecisionDomaine.NON_SELECTIONNE for dd in domaines
    )
    if formulaire == "domaines":  # the typed decisions and comments, not the saved ones
        for dd in domaines:
            dd.decision = saisie.get(f"domaines.{dd.domaine.code}", dd.decision)
            dd.commentaire_ars = saisie.get(f"domaines.{dd.domaine.code}.commentaire", "")
    forfaits, _ = forfaits_du_dossier(dossier)
    return contexte_dossier(
        request,
        dossier,
        title=f"Instruction du dossier {dossier.numero}",
        contenu=contenu,
        depot=depot,
        prerequis=[
            {
                "prerequis": p,
                "decision": saisie.get(f"prerequis.{p.code}", "")
                if formulaire == "prerequis"
                else decisions.get(p.pk, ""),
                "lignes": lignes_indicateurs(p.indicateurs.all(), contenu),
            }
            for p in prerequis
        ],
        domaines=[{"dd": dd, "forfait": forfaits.get(dd.domaine.code)} for dd in domaines],
        tous_acceptes=all(decisions.get(p.pk) == DecisionPrerequis.ACCEPTE for p in prerequis),
        tous_refuses=tous_refuses,
        raisons=dossier.raisons_non_acceptable(),
        motifs=MotifRefus.choices,
        motifs_cloture=[(m.value, m.label) for m in MOTIFS_ARS],
        errors=errors,
        # The errors and typed values of the form posted only: several forms name a field
        # "commentaire" or "motif".
        erreurs={formulaire: errors} if formulaire else {},
        formulaire=formulaire,
        decisions_prerequis=DecisionPrerequis.choices,
        decisions_domaines=DecisionDomaine.choices,
        commentaires=dossier.commentaires.select_related("auteur"),
        controles=controles(dossier, contenu),
        **contexte_contribue(INSTRUCTION, dossier),  # the région's envelope (enveloppes)
        saisie=saisie,
    )
