"""Pages of the background exports (``hn.taches.exports``): ask for one (POST from a list's
export buttons), follow its progress, download its file, "Mes exports". Only the requester,
under the scope they asked with, sees an export: anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hn.exports import FORMATS
from hn.formats import compter, nombre
from hn.taches import exports
from hn.taches.models import StatutExport

# The page polls its state every so many milliseconds (static/hn/export.js).
INTERVALLE_MS = 1000


# --- what the list pages use ------------------------------------------------------------------


def en_fond(code: str, lignes: int) -> bool:
    return exports.en_fond(code, lignes)


def bouton(code: str, lignes: int, request) -> dict | None:
    """For ``includes/exports.html``: above the threshold, the list's export buttons post to
    ``exports:demander`` (None: plain download links)."""
    if not exports.en_fond(code, lignes):
        return None
    return {
        "producteur": code,
        "lignes": lignes,
        "parametres": [
            (k, v) for k, vs in request.GET.lists() if k not in ("page", "format") for v in vs
        ],
    }


def proposer(request, code: str):
    """A file link (GET) above the threshold: a page whose button starts the export (a GET
    creates nothing)."""
    return render(
        request,
        "taches/export_proposer.html",
        {
            "title": "Export en tâche de fond",
            "producteur": exports.PRODUCTEURS[code],
            "export_fond": bouton(code, exports.seuil(code) + 1, request),
            "format": request.GET.get("format"),
        },
    )


# --- the pages ----------------------------------------------------------------------------------


def _export_ou_404(request, pk):
    export = exports.export_du_demandeur(request.user, pk)
    if export is None:
        raise Http404("Export introuvable.")
    return export


@login_required
@require_POST
def demander(request):
    code = request.POST.get("producteur", "")
    format_ = request.POST.get("format", "")
    prod = exports.PRODUCTEURS.get(code)
    if prod is None or format_ not in FORMATS:
        messages.error(request, "Choisissez la liste et le format (CSV ou XLSX) de l'export.")
        return redirect("exports:liste")
    if not prod.autorise(request.user):
        raise PermissionDenied("Cette liste ne vous est pas ouverte.")
    # The list's filters, as its page reads them (each producer checks its own values).
    parametres = {
        cle[2:]: [v[:200] for v in request.POST.getlist(cle)[:20]]
        for cle in request.POST
        if cle.startswith("f_") and len(cle) <= 42 and cle != "f_format"
    }
    parametres["format"] = [format_]
    export = exports.demander(request.user, code, parametres)
    messages.success(
        request,
        f"Export lancé : {prod.libelle} ({format_.upper()}). "
        "Vous serez notifié quand il sera prêt.",
    )
    return redirect("exports:detail", pk=export.pk)


def etat(export) -> dict:
    pret = export.statut == StatutExport.PRET
    if export.statut == StatutExport.EN_ATTENTE:
        texte = "En attente de traitement…"
    elif export.statut == StatutExport.EN_COURS:
        texte = (
            f"En cours : {compter(export.faites, 'ligne(s)')} sur "
            f"{nombre(export.total, decimales=0)} ({export.pourcentage} %)"
            if export.total
            else "En cours : préparation des lignes…"
        )
    elif pret:
        texte = f"Prêt : {compter(export.total, 'ligne(s)')}. Le fichier peut être téléchargé."
    else:
        texte = f"Échec : {export.erreur}"
    return {
        "statut": export.statut,
        "statut_libelle": export.get_statut_display(),
        "faites": export.faites,
        "total": export.total,
        "pourcentage": export.pourcentage,
        "texte": texte,
        "pret": pret,
        "fini": export.statut in (StatutExport.PRET, StatutExport.ECHEC),
        "fichier": reverse("exports:fichier", kwargs={"pk": export.pk}) if pret else "",
        "nom_fichier": export.nom_fichier,
    }


@login_required
def detail(request, pk):
    export = _export_ou_404(request, pk)
    prod = exports.PRODUCTEURS.get(export.producteur)
    return render(
        request,
        "taches/export.html",
        {
            "title": f"Export : {prod.libelle if prod else export.producteur}",
            "export": export,
            "libelle": prod.libelle if prod else export.producteur,
            "etat": etat(export),
            "intervalle": INTERVALLE_MS,
        },
    )


@login_required
def etat_json(request, pk):
    return JsonResponse(etat(_export_ou_404(request, pk)))


@login_required
def fichier(request, pk):
    export = _export_ou_404(request, pk)
    if export.statut != StatutExport.PRET or not export.fichier:
        messages.info(request, "Le fichier de cet export n'est pas (encore) disponible.")
        return redirect("exports:detail", pk=export.pk)
    try:
        contenu = export.fichier.open("rb")
    except OSError:
        raise Http404("Le fichier de cet export n'est plus disponible.") from None
    format_ = export.nom_fichier.rsplit(".", 1)[-1]
    return FileResponse(
        contenu,
        as_attachment=True,
        filename=export.nom_fichier,
        content_type=FORMATS.get(format_, "application/octet-stream"),
    )


@login_required
def liste(request):
    lignes = [(e, exports.PRODUCTEURS.get(e.producteur)) for e in exports.mes_exports(request.user)]
    return render(request, "taches/exports.html", {"title": "Mes exports", "lignes": lignes})
