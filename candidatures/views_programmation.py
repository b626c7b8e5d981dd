"""Pages of the regional programmation pluriannuelle and of its national table [SPEC §7]: thin
views over ``candidatures.actions`` (every rule, every write) and
``candidatures.pages_programmation`` (what is shown). A refused form is re-rendered (200) with
what was typed and the French message at its field; the transmission is confirmed first
(``dossiers.confirmation``) and, over the envelope or its ceiling, refused with the reasons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from candidatures import actions, chiffrage
from candidatures import pages_programmation as pages
from candidatures.services import campagne_ou_404, region_lisible
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.confirmation import annule, confirme, rendre_confirmation
from hn.comptes.perms import peut_instruire
from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste

GABARIT = "candidatures/programmation.html"
ERREURS = (actions.Depassement, DossierError, TransitionRefusee)


def _lire(request, campagne, region):
    """The campaign and the région read by the caller (404 outside its scope)."""
    return campagne_ou_404(campagne), region_lisible(request.user, region)


def _exiger_cmsi(request, region):
    if not peut_instruire(request.user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS modifie la programmation.")


def _page(request, campagne, region, **kw):
    return render(request, GABARIT, pages.contexte(request, campagne, region, **kw))


def _retour(campagne, region, page=None) -> str:
    url = reverse("candidatures:programmation", args=[campagne.pk, region.code])
    return f"{url}?page={page}" if page and str(page).isdigit() else url


@login_required
def programmation(request, campagne, region):
    """The région's programmation (ARS of the région, national); ``?format=csv|xlsx``."""
    campagne, region = _lire(request, campagne, region)
    if format_ := format_demande(request):
        return reponse_liste(
            format_,
            f"programmation-{campagne.code}-{region.code}",
            f"Programmation {region.code}",
            pages.ENTETES,
            pages.lignes_export(chiffrage.lignes(campagne, region)),
            montants=pages.MONTANTS,
        )
    return _page(request, campagne, region)


@login_required
@require_POST
def ajuster(request, campagne, region):
    """The CMSI sets one line's amorçage."""
    campagne, region = _lire(request, campagne, region)
    _exiger_cmsi(request, region)
    finess = request.POST.get("finess", "")
    domaine = request.POST.get("domaine", "")
    champ = f"amorcage-{finess}-{domaine}"
    try:
        actions.ajuster(
            campagne=campagne,
            region=region,
            lignes=[
                {"finess": finess, "domaine": domaine, "amorcage": request.POST.get("amorcage")}
            ],
            acting_user=request.user,
        )
    except DossierError as exc:
        messages.error(request, exc.message)
        errors = {champ: (exc.errors or {}).get("lignes") or [exc.message]}
        return _page(
            request, campagne, region, errors=errors, saisie=request.POST,
            page=request.POST.get("page"),
        )  # fmt: skip
    messages.success(request, f"Amorçage de la ligne {finess} {domaine} enregistré.")
    return redirect(
        f"{_retour(campagne, region, request.POST.get('page'))}#ligne-{finess}-{domaine}"
    )


def _confirmation(request, campagne, region):
    return rendre_confirmation(
        request,
        lambda: pages.consequences_transmission(campagne, region),
        ERREURS,
        "candidatures/programmation_confirmation.html",
        lambda consequences: {
            "title": consequences.titre,
            "campagne": campagne,
            "region": region,
        },
    )


@login_required
@require_POST
def transmettre(request, campagne, region):
    """The CMSI transmits the programmation to the national level, once confirmed; refused
    (nothing written) while it exceeds the envelope or the amorçage ceiling."""
    campagne, region = _lire(request, campagne, region)
    _exiger_cmsi(request, region)
    if annule(request):
        return redirect(_retour(campagne, region))
    try:
        if not confirme(request):
            return _confirmation(request, campagne, region)
        version = actions.transmettre_programmation(
            campagne=campagne, region=region, acting_user=request.user
        )
    except actions.Depassement as exc:
        messages.error(request, exc.message)
        return _page(request, campagne, region, errors={"transmettre": exc.depassements})
    except (DossierError, TransitionRefusee) as exc:
        messages.error(request, exc.message)
        return _page(request, campagne, region, errors={"transmettre": [exc.message]})
    messages.success(
        request,
        f"Version {version.rang} de la programmation transmise au niveau national le "
        f"{version.transmise_le:%d/%m/%Y}" + (" (en retard)." if version.en_retard else "."),
    )
    return redirect(_retour(campagne, region))


@login_required
def nationale(request, campagne):
    """Every région's latest version side by side (national level); ``?format=csv|xlsx``."""
    if not acces(request.user).national:
        raise PermissionDenied("La programmation nationale est consultée par le niveau national.")
    campagne = campagne_ou_404(campagne)
    t = pages.tableau_national(campagne)
    if format_ := format_demande(request):
        return reponse_liste(
            format_,
            f"programmation-{campagne.code}-national",
            "Programmation nationale",
            pages.ENTETES_NATIONAL,
            pages.lignes_national(t),
            montants=pages.MONTANTS_NATIONAL,
        )
    contexte = {"title": f"Programmation nationale — {campagne.libelle}", "t": t}
    return render(request, "candidatures/programmation_nationale.html", contexte)
