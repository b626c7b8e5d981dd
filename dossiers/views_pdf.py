"""Exports of the dossier (web): PDF download, print preview, deposited version and accusé de
dépôt [SPEC §4 "Exports"]. Same visibility as the dossier's pages (dossiers.services)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dossiers import pdf
from dossiers.services import get_dossier_for_user
from hn.pdf import reponse_pdf


def depot_lisible(user, numero: str, rang: int):
    """Dépôt n° ``rang`` of a dossier the user may read (404 otherwise)."""
    dossier = get_dossier_for_user(user, numero)
    depot = dossier.depots.select_related("depose_par").filter(rang=rang).first()
    if depot is None:
        raise Http404("Dépôt introuvable.")
    depot.dossier = dossier
    return depot


@login_required
def dossier_pdf(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    return reponse_pdf(pdf.pdf_dossier(request.user, dossier), f"{dossier.numero}.pdf")


@login_required
def apercu(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    return render(
        request,
        "dossiers/impression/apercu.html",
        {
            **pdf.contexte_impression(request.user, dossier),
            "title": f"Aperçu avant impression du dossier {dossier.numero}",
            "depots": dossier.depots.order_by("rang"),
        },
    )


@login_required
def accuse(request, numero, rang):
    depot = depot_lisible(request.user, numero, rang)
    return reponse_pdf(
        pdf.accuse_de_depot(depot), f"accuse-de-depot-{depot.dossier.numero}-{depot.rang}.pdf"
    )


@login_required
def depot_pdf(request, numero, rang):
    depot = depot_lisible(request.user, numero, rang)
    return reponse_pdf(pdf.pdf_depot(depot), f"{depot.dossier.numero}-depot-{depot.rang}.pdf")
