"""The derogation pages (SPEC §3 "HOP'EN derogation"; figures: ``enveloppes.derogations``):
the national page (every région of the programme the caller may read: ARS its own) and a
région's page (the établissements and dossiers that used it). Read by the national level and
the région's ARS, like the envelopes (403 for the others, 404 outside the scope); a programme
without derogation is a 404 saying so. Each table as CSV or XLSX (``?format=``)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from enveloppes import derogations
from enveloppes.models import enveloppes_visibles
from enveloppes.tableaux import enveloppe_visible, exiger_lecture
from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste

ENTETES_REGIONS = [
    "Région",
    "Crédits d'amorçage (€)",
    "Part autorisée",
    "Part fixée par",
    "Part fixée le",
    "Limite de l'amorçage par dérogation (€)",
    "Amorçage par dérogation engagé (€)",
    "Amorçage par dérogation versé (€)",
    "Part des crédits utilisée",
    "Reste sous la limite (€)",
    "Établissements",
    "Remboursable à l'échéance (€)",
    "Remboursements dus non reçus (€)",
    "Remboursements reçus (€)",
]
ENTETES_DOSSIERS = [
    "FINESS",
    "Établissement",
    "Dossier",
    "Amorçage par dérogation engagé (€)",
    "Versé (€)",
    "Prérequis HOP'EN atteints le",
    "Situation",
    "Remboursable à l'échéance (€)",
    "Remboursements dus non reçus (€)",
    "Remboursements reçus (€)",
]


def _sans_derogation(request, exc: derogations.SansDerogation):
    return render(
        request,
        "enveloppes/derogation_absente.html",
        {"title": "Pas d'amorçage par dérogation", "programme": exc.programme},
        status=404,
    )


def _qui(region) -> tuple[str, object]:
    d = region.decision
    if d is None:
        return "Part de base du programme", None
    return d.acteur.get_username(), d.decide_le


@login_required
def nationale(request, programme):
    exiger_lecture(request.user)
    try:
        programme, parametres = derogations.programme_avec_derogation(programme)
    except derogations.SansDerogation as exc:
        return _sans_derogation(request, exc)
    enveloppes = sorted(
        enveloppes_visibles(request.user).filter(programme=programme),
        key=lambda e: e.region.nom,
    )
    lignes = derogations.regions(enveloppes, parametres)
    if format_ := format_demande(request):
        rangees = [
            [
                f"{r.enveloppe.region.nom} ({r.enveloppe.region.code})",
                r.credits_amorcage,
                r.taux,
                *_qui(r),
                r.plafond,
                r.chiffres.engage,
                r.chiffres.verse,
                r.part_utilisee.quantize(Decimal("0.0001")),
                r.reste,
                r.etablissements,
                r.chiffres.a_rembourser,
                r.chiffres.du,
                r.chiffres.rembourse,
            ]
            for r in lignes
        ]
        return reponse_liste(
            format_,
            f"derogations-{programme.code.lower()}",
            f"Dérogations {programme.code}",
            ENTETES_REGIONS,
            rangees,
            montants=(1, 5, 6, 7, 9, 11, 12, 13),
        )
    return render(
        request,
        "enveloppes/derogations.html",
        {
            "title": f"Amorçage par dérogation — {programme.code}",
            "programme": programme,
            "parametres": parametres,
            "lignes": [
                (
                    r,
                    reverse(
                        "enveloppes:derogation", args=[programme.code, r.enveloppe.region.code]
                    ),
                )
                for r in lignes
            ],
            "total": derogations.total(lignes),
            "national": acces(request.user).national,
        },
    )


@login_required
def regionale(request, programme, region):
    enveloppe = enveloppe_visible(request.user, programme, region)
    try:
        programme, parametres = derogations.programme_avec_derogation(enveloppe.programme.code)
    except derogations.SansDerogation as exc:
        return _sans_derogation(request, exc)
    [ligne] = derogations.regions([enveloppe], parametres)
    dossiers = derogations.dossiers(enveloppe, parametres)
    if format_ := format_demande(request):
        rangees = [
            [
                d.dossier.etablissement.finess,
                d.dossier.etablissement.raison_sociale,
                d.dossier.numero,
                d.chiffres.engage,
                d.chiffres.verse,
                d.prerequis_atteints_le,
                d.statut,
                d.chiffres.a_rembourser,
                d.chiffres.du,
                d.chiffres.rembourse,
            ]
            for d in dossiers
        ]
        return reponse_liste(
            format_,
            f"derogation-{programme.code.lower()}-{enveloppe.region.code}",
            f"Dérogation {programme.code} {enveloppe.region.code}",
            ENTETES_DOSSIERS,
            rangees,
            montants=(3, 4, 7, 8, 9),
        )
    return render(
        request,
        "enveloppes/derogation.html",
        {
            "title": f"Amorçage par dérogation — {programme.code} — {enveloppe.region.nom}",
            "enveloppe": enveloppe,
            "programme": programme,
            "parametres": parametres,
            "r": ligne,
            "dossiers": dossiers,
            "national": acces(request.user).national,
        },
    )
