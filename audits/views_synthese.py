"""Pages of the audits' fiche de synthèse and consolidated tables [SPEC §8] (routes in
``audits.urls_synthese``): thin views over ``audits.pdf`` and ``audits.synthese``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audits import pdf, synthese
from audits.services import get_audit_for_user
from hn.comptes.perms import peut_instruire
from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste
from hn.pdf import reponse_pdf


@login_required
def fiche(request, pk):
    """The fiche de synthèse (PDF): the ARS, the national level, the designated auditors; the
    établissement once it was sent (404 before)."""
    audit = get_audit_for_user(request.user, pk)
    if not pdf.lit_la_fiche(request.user, audit):
        raise Http404("Fiche de synthèse introuvable.")
    return reponse_pdf(pdf.fiche_pdf(audit), pdf.nom_fiche(audit))


def _tableau(request, programme, annee, region):
    region = synthese.region_lisible(request.user, region)
    programme = synthese.programme_ou_404(programme)
    annee = synthese.annee_ou_404(programme, annee)
    return synthese.tableau_region(programme, region, annee)


def _nom(t) -> str:
    return f"audits-{t.programme.code}-{t.region.code}-{t.annee}"


@login_required
def synthese_region(request, programme, annee, region):
    """The consolidated table of a région's year: page, ``?format=csv|xlsx``."""
    t = _tableau(request, programme, annee, region)
    if format_ := format_demande(request):
        titre = f"Audits {t.programme.code} {t.annee} {t.region.nom}"
        return reponse_liste(
            format_,
            _nom(t),
            titre,
            synthese.ENTETES_REGION,
            synthese.lignes_region(t),
            montants=(len(synthese.ENTETES_REGION) - 1,),
        )
    contexte = {
        "t": t,
        "peut_transmettre": peut_instruire(request.user, t.region),
        "national": acces(request.user).national,
    }
    return render(request, "audits/synthese.html", contexte)


@login_required
def synthese_region_pdf(request, programme, annee, region):
    t = _tableau(request, programme, annee, region)
    return reponse_pdf(pdf.synthese_pdf(t), f"{_nom(t)}.pdf")


@login_required
@require_POST
def transmettre(request, programme, annee, region):
    """The ARS valideur transmits the table to the national level (dated)."""
    a = acces(request.user)
    if not (a.regions_instruction or a.superuser):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS transmet le tableau des audits.")
    t = _tableau(request, programme, annee, region)
    try:
        transmission = synthese.transmettre(
            programme=t.programme, region=t.region, annee=t.annee, acting_user=request.user
        )
    except synthese.TransmissionRefusee as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Tableau des audits {t.programme.code} {t.annee} transmis au niveau national le "
            f"{transmission.transmise_le:%d/%m/%Y}.",
        )
    return redirect(
        reverse(
            "audits:synthese",
            kwargs={"programme": t.programme.code, "annee": t.annee, "region": t.region.code},
        )
    )


@login_required
def synthese_nationale(request, programme, annee):
    """Every région side by side, the closures for false declaration; ``?format=csv|xlsx``."""
    synthese.exiger_national(request.user)
    programme = synthese.programme_ou_404(programme)
    annee = synthese.annee_ou_404(programme, annee)
    t = synthese.tableau_national(programme, annee)
    if format_ := format_demande(request):
        return reponse_liste(
            format_,
            f"audits-{programme.code}-{annee}-national",
            f"Audits {programme.code} {annee}",
            synthese.ENTETES_NATIONAL,
            synthese.lignes_national(t),
            montants=(len(synthese.ENTETES_NATIONAL) - 1,),
        )
    return render(request, "audits/synthese_nationale.html", {"t": t})
