"""Pages of the calls for applications (SPEC §7): the établissement's and the ARS's list, a
pré-candidature in tabs as oSIS had them, its transmission and the ARS's answer. Thin views
over ``candidatures.actions`` (every rule) and ``candidatures.pages`` (what is shown): a
refused form is re-rendered (200) with the typed values and the French message at its field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from candidatures import actions, chiffrage, pages
from candidatures.enums import EtatPrecandidature
from candidatures.services import (
    campagne_ou_404,
    get_precandidature_for_user,
)
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.confirmation import annule, confirme, rendre_confirmation
from dossiers.consequences import Consequences
from hn.champs import ENTIER_MAX, filtre_entier
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces
from hn.exports import format_demande
from hn.taches import vues_exports as exports_fond

ERREURS = (DossierError, TransitionRefusee)


def _erreurs(exc, champ) -> dict:
    return getattr(exc, "errors", None) or {champ: [exc.message]}


# --- the list -------------------------------------------------------------------------------


@login_required
def accueil(request):
    a = acces(request.user)
    qs, filtres = pages.precandidatures_filtrees(request)
    voit_liste = a.national or bool(a.regions_lecture)
    if voit_liste and (format_ := format_demande(request)):
        if exports_fond.en_fond("precandidatures", qs.count()):
            return exports_fond.proposer(request, "precandidatures")
        return pages.fichier(format_, qs)
    context = {
        "title": "Appels à candidatures",
        "voit_liste": voit_liste,
        "campagnes": pages.campagnes_avec_fenetre(),
        "gestionnaire_de": pages.etablissements_gestionnaire(a),
        "etablissement": a.etablissements and not voit_liste,
    }
    if voit_liste:
        context.update(pages.contexte_liste(request, filtres))
    context["page_obj"] = pages.page_de_liste(request, qs)
    if voit_liste:
        context["export_fond"] = exports_fond.bouton(
            "precandidatures", context["page_obj"].paginator.count, request
        )
    return render(request, "candidatures/accueil.html", context)


@login_required
@require_POST
def creer(request):
    a = acces(request.user)
    etablissements = pages.etablissements_gestionnaire(a)
    etab = etablissements.filter(finess=request.POST.get("finess", "")).first()
    if etab is None:
        if not etablissements.exists():
            raise PermissionDenied(
                "Seul le gestionnaire d'un établissement dépose une pré-candidature."
            )
        messages.error(request, "Choisissez l'établissement de la pré-candidature.")
        return redirect("candidatures:accueil")
    numero = filtre_entier(request.POST, "campagne", minimum=1, maximum=ENTIER_MAX)
    campagne = campagne_ou_404(numero)
    try:
        pc = actions.creer(campagne=campagne, etablissement=etab, acting_user=request.user)
    except ERREURS as exc:
        messages.error(request, exc.message)
        return redirect("candidatures:accueil")
    messages.success(
        request,
        "Pré-candidature créée"
        + (" (tardive : après la clôture de l'appel)." if pc.tardive else "."),
    )
    return redirect("candidatures:detail", pk=pc.pk)


# --- one pré-candidature --------------------------------------------------------------------


def _page(request, pc, errors=None, saisie=None, manquants=None, formulaire="", onglet=""):
    estimation = chiffrage.estimation(pc)
    user = request.user
    brouillon = pc.etat == EtatPrecandidature.BROUILLON
    modifiable = brouillon and peut_saisir(user, pc.etablissement)
    support = pc.support_ght  # a GHT member's support, which validates it [SPEC §10]
    if not onglet and errors and formulaire == "saisie":
        onglet = pages.onglet_du_champ(next(iter(errors)))
    onglet = onglet if onglet in dict(pages.ONGLETS) else request.GET.get("onglet", "")
    context = {
        "title": f"Pré-candidature de {pc.etablissement.raison_sociale}",
        "pc": pc,
        "campagne": pc.campagne,
        "estimation": estimation,
        "modifiable": modifiable,
        "onglets": pages.ONGLETS,
        "onglet": onglet if onglet in dict(pages.ONGLETS) else "estimation",
        "manquants": pages.manquants_par_onglet(
            manquants if manquants is not None else (actions.manquants(pc) if modifiable else ())
        ),
        "peut_decider": pc.etat == EtatPrecandidature.TRANSMISE and peut_instruire(user, pc.region),
        "peut_demander_dossier": pc.etat == EtatPrecandidature.PRESELECTIONNEE
        and peut_saisir(user, pc.etablissement),
        "support_ght": support,
        "peut_valider_support": brouillon
        and support is not None
        and pc.validee_par_support_le is None
        and peut_saisir(user, support),
        "errors": errors or {},
        "erreurs_saisie": (errors or {}) if formulaire == "saisie" else {},
        "saisie": saisie or {},
        "formulaire": formulaire,
        **pages.contexte_formulaire(pc, estimation, saisie if formulaire == "saisie" else None),
    }
    return render(request, "candidatures/detail.html", context)


@login_required
def detail(request, pk):
    pc = get_precandidature_for_user(request.user, pk)
    if request.method != "POST":
        return _page(request, pc)
    try:
        actions.modifier(
            precandidature=pc,
            donnees=pages.donnees_postees(request.POST, pc.campagne),
            acting_user=request.user,
        )
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page(request, pc, _erreurs(exc, "position"), request.POST, formulaire="saisie")
    messages.success(request, "Pré-candidature enregistrée.")
    onglet = request.POST.get("onglet", "")
    suffixe = f"?onglet={onglet}" if onglet in dict(pages.ONGLETS) else ""
    return redirect(request.path + suffixe)


def _consequences_transmission(pc) -> Consequences:
    campagne = pc.campagne
    return Consequences(
        titre="Transmettre la pré-candidature à l’ARS ?",
        bouton="Confirmer la transmission",
        points=[
            f"La pré-candidature de {pc.etablissement.raison_sociale} est transmise à l’ARS "
            f"{pc.region.nom} ; elle n’est plus modifiable.",
            f"L’ARS doit vous répondre au plus tard le {campagne.reponse_avant:%d/%m/%Y} "
            "(pré-sélection ou rejet motivé).",
        ],
        notifies=[f"l’ARS {pc.region.nom}"],
        irreversible="Une pré-candidature transmise ne peut plus être modifiée.",
    )


@login_required
@require_POST
def transmettre(request, pk):
    pc = get_precandidature_for_user(request.user, pk)
    if not peut_saisir(request.user, pc.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement transmet.")
    if annule(request):
        return redirect("candidatures:detail", pk=pk)
    if not confirme(request):
        manque = actions.manquants(pc) if pc.etat == EtatPrecandidature.BROUILLON else []
        # Without the GHT support's validation the action refuses: no confirmation first.
        if (
            not manque
            and pc.etat == EtatPrecandidature.BROUILLON
            and not pc.attend_validation_support
        ):
            return rendre_confirmation(
                request,
                lambda: _consequences_transmission(pc),
                ERREURS,
                "candidatures/confirmation.html",
                lambda c: {"title": c.titre, "pc": pc},
            )
    try:
        actions.transmettre(precandidature=pc, acting_user=request.user)
    except actions.Incomplete as exc:
        messages.error(request, exc.message)
        return _page(request, pc, manquants=exc.manquants, formulaire="transmettre")
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page(request, pc, _erreurs(exc, "transmettre"), formulaire="transmettre")
    messages.success(
        request,
        f"Pré-candidature transmise à l'ARS : réponse attendue au plus tard le "
        f"{pc.campagne.reponse_avant:%d/%m/%Y}.",
    )
    return redirect("candidatures:detail", pk=pk)


@login_required
@require_POST
def valider_support(request, pk):
    """The GHT support's gestionnaire validates a member's draft [SPEC §10]."""
    pc = get_precandidature_for_user(request.user, pk)
    try:
        actions.valider_support(precandidature=pc, acting_user=request.user)
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page(request, pc, _erreurs(exc, "valider_support"), formulaire="valider_support")
    messages.success(
        request,
        f"Pré-candidature de {pc.etablissement.raison_sociale} validée : elle peut être "
        "transmise à l'ARS.",
    )
    return redirect("candidatures:detail", pk=pk)


@login_required
@require_POST
def decider(request, pk):
    pc = get_precandidature_for_user(request.user, pk)
    decision = request.POST.get("decision")
    action = {"preselectionner": actions.preselectionner, "rejeter": actions.rejeter}.get(decision)
    if not peut_instruire(request.user, pc.region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS répond aux pré-candidatures.")
    if action is None:
        errors = {"decision": ["Choisissez : pré-sélectionner ou rejeter."]}
        return _page(request, pc, errors, request.POST, formulaire="decision")
    try:
        action(
            precandidature=pc,
            acting_user=request.user,
            commentaire=request.POST.get("commentaire", ""),
        )
    except ERREURS as exc:
        messages.error(request, exc.message)
        errors = _erreurs(exc, "decision")
        return _page(request, pc, errors, request.POST, formulaire="decision")
    messages.success(
        request,
        "Pré-candidature pré-sélectionnée."
        if decision == "preselectionner"
        else "Pré-candidature rejetée.",
    )
    return redirect("candidatures:detail", pk=pk)
