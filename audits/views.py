"""Audit pages [SPEC §8]: the draws, the list (« Mes audits » for an auditor), an audit's page
with the designation, the ES's answer and the CMSI's decision, the control grid. Thin views
over ``audits.actions`` (every rule) and ``audits.pages`` (what is shown): a refused form is
re-rendered (200) with the typed values and the French message at its field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audits import actions, pages
from audits.models import Tirage
from audits.services import exiger_lecture_grille, get_audit_for_user
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.confirmation import annule, confirme, rendre_confirmation
from hn.comptes.scopes import acces
from hn.exports import format_demande

ERREURS = (DossierError, TransitionRefusee)


def _erreurs(exc, champ) -> dict:
    """An action's refusal as ``{field: [messages]}``: a 409 (state, second draw, incomplete
    grid) has no field of its own, it is shown at ``champ``."""
    return getattr(exc, "errors", None) or {champ: [exc.message]}


# --- list ----------------------------------------------------------------------------------


@login_required
def liste(request):
    qs, filtres = pages.audits_filtres(request)
    if format_ := format_demande(request):
        return pages.fichier_audits(format_, qs)
    context = pages.contexte_liste(request, filtres)
    context["audits"] = qs
    return render(request, "audits/liste.html", context)


# --- draws ---------------------------------------------------------------------------------


def _tirages_visibles(user):
    a = acces(user)
    if not (a.national or a.regions_lecture):
        raise PermissionDenied("Les tirages sont consultés par l'ARS et le niveau national.")
    return Tirage.objects.visibles_par(user).select_related("programme", "region", "tire_par")


@login_required
def tirages(request):
    qs = _tirages_visibles(request.user).order_by("-annee", "programme__ordre", "region__code")
    errors = {}
    if request.method == "POST":
        try:
            tirage = actions.tirer(
                programme=request.POST.get("programme"),
                region=request.POST.get("region"),
                annee=request.POST.get("annee"),
                graine=request.POST.get("graine") or None,
                acting_user=request.user,
            )
        except actions.DejaTire as exc:
            errors = {"annee": [exc.message]}
        except DossierError as exc:
            errors = exc.errors or {"annee": [exc.message]}
        else:
            messages.success(
                request,
                f"Tirage fait : {len(tirage.tires)} dossier(s) tiré(s) sur "
                f"{len(tirage.population)}, graine {tirage.graine}.",
            )
            return redirect("audits:tirage", pk=tirage.pk)
        messages.error(request, "Le tirage n'a pas été fait.")
    context = pages.contexte_tirages(request, qs, errors, request.POST)
    return render(request, "audits/tirages.html", context)


@login_required
def tirage(request, pk):
    t = _tirages_visibles(request.user).filter(pk=pk).first()
    if t is None:
        raise Http404("Tirage introuvable.")
    audits = t.audits.select_related("dossier__etablissement").order_by("rang")
    context = {
        "title": f"Tirage {t.programme.code} {t.annee} — {t.region.nom}",
        "tirage": t,
        "audits": audits,
        "verification": pages.verification(t),
    }
    return render(request, "audits/tirage.html", context)


# --- one audit -----------------------------------------------------------------------------


def _page_audit(request, audit, errors=None, formulaire=""):
    context = pages.contexte_audit(request, audit, errors, request.POST, formulaire)
    return render(request, "audits/detail.html", context)


@login_required
def detail(request, pk):
    return _page_audit(request, get_audit_for_user(request.user, pk))


@login_required
@require_POST
def designer(request, pk):
    audit = get_audit_for_user(request.user, pk)
    try:
        d = actions.designer(
            audit=audit, username=request.POST.get("username"), acting_user=request.user
        )
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page_audit(request, audit, _erreurs(exc, "username"), "designation")
    messages.success(request, f"{d.auditeur.get_full_name() or d.auditeur.username} désigné.")
    return redirect("audits:detail", pk=pk)


@login_required
@require_POST
def repondre(request, pk):
    audit = get_audit_for_user(request.user, pk)
    try:
        actions.repondre(
            audit=audit,
            reponse=request.POST.get("reponse", ""),
            fichiers=request.FILES.getlist("pieces"),
            acting_user=request.user,
        )
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page_audit(request, audit, _erreurs(exc, "reponse"), "reponse")
    messages.success(request, "Votre réponse a été transmise à l'ARS.")
    return redirect("audits:detail", pk=pk)


def _confirmation(request, audit):
    """The closure's confirmation (dossiers.confirmation's pattern, modal or full page)."""
    return rendre_confirmation(
        request,
        lambda: pages.consequences_decision(request, audit),
        ERREURS,
        "audits/confirmation.html",
        lambda consequences: {"title": consequences.titre, "audit": audit},
    )


@login_required
@require_POST
def decider(request, pk):
    audit = get_audit_for_user(request.user, pk)
    if annule(request):
        return _page_audit(request, audit, formulaire="decision")
    decision = request.POST.get("decision")
    try:
        if decision == "cloturer" and not confirme(request):
            return _confirmation(request, audit)
        actions.decider(
            audit=audit,
            decision=decision,
            commentaire=request.POST.get("commentaire", ""),
            acting_user=request.user,
        )
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page_audit(request, audit, _erreurs(exc, "decision"), "decision")
    messages.success(request, "Décision enregistrée : l'audit est terminé.")
    return redirect("audits:detail", pk=pk)


# --- the control grid ----------------------------------------------------------------------


def _page_grille(request, audit, errors=None, manquants=()):
    context = pages.contexte_grille(request, audit, errors, request.POST, manquants)
    return render(request, "audits/grille.html", context)


@login_required
def grille(request, pk):
    audit = get_audit_for_user(request.user, pk)
    exiger_lecture_grille(request.user, audit)
    if request.method == "POST":
        try:
            actions.enregistrer_grille(
                audit=audit,
                lignes=pages.lignes_postees(request.POST, audit),
                acting_user=request.user,
            )
        except ERREURS as exc:
            messages.error(request, exc.message)
            return _page_grille(request, audit, _erreurs(exc, "grille"))
        messages.success(request, "Grille enregistrée.")
        return redirect("audits:grille", pk=pk)
    return _page_grille(request, audit)


@login_required
@require_POST
def terminer(request, pk):
    audit = get_audit_for_user(request.user, pk)
    exiger_lecture_grille(request.user, audit)
    try:
        actions.terminer(
            audit=audit,
            conclusion=request.POST.get("conclusion"),
            observations=request.POST.get("observations", ""),
            acting_user=request.user,
        )
    except actions.GrilleIncomplete as exc:
        messages.error(request, exc.message)
        return _page_grille(request, audit, {"conclusion": [exc.message]}, exc.manquants)
    except ERREURS as exc:
        messages.error(request, exc.message)
        return _page_grille(request, audit, _erreurs(exc, "conclusion"))
    messages.success(request, "Audit conclu.")
    return redirect("audits:detail", pk=pk)
