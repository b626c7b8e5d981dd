from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from enveloppes.models import enveloppes_visibles
from hn.comptes.scopes import acces


@login_required
def liste(request):
    a = acces(request.user)
    if not (a.national or a.regions):
        raise PermissionDenied("Les enveloppes sont réservées aux ARS et au niveau national.")
    rows = enveloppes_visibles(request.user).order_by("programme__ordre", "region__nom")
    programmes = []
    for programme, lignes in groupby(rows, key=lambda e: e.programme):
        lignes = list(lignes)
        programmes.append(
            {
                "programme": programme,
                "lignes": lignes,
                "total_lignes": sum(e.montant_publie for e in lignes),
                "total_plafond": sum(e.plafond_amorcage for e in lignes),
            }
        )
    return render(
        request,
        "enveloppes/liste.html",
        {"title": "Enveloppes régionales", "programmes": programmes, "national": a.national},
    )
