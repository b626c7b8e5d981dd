"""The campaigns page [SPEC §7]: every call for applications with its dates and semesters, a
link to its programmation (the national table for the national level, the région's for its
ARS), and for the national pilote the form opening a campaign (``candidatures.campagnes``;
a refused form is re-rendered, 200, with what was typed and the messages at the fields)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from candidatures import campagnes, semestres
from candidatures.models import Campagne
from dossiers.actions import DossierError
from hn.champs import date_formulaire
from hn.comptes.scopes import acces
from hn.referentiel.models import Programme, Region

CHAMPS = ("programme", "libelle", *campagnes.SEMESTRES)
LIBELLES_DATES = {
    "ouverture": "Ouverture",
    "cloture": "Clôture",
    "programmation_avant": "Programmation des ARS au plus tard le",
    "reponse_avant": "Réponse aux établissements au plus tard le",
    "tardives_jusqu_au": "Candidatures tardives jusqu’au",
}
LIBELLES_SEMESTRES = {
    "premier_semestre": "Premier semestre proposé",
    "dernier_semestre_prerequis": "Dernier semestre pour les prérequis",
    "dernier_semestre_cibles": "Dernier semestre pour les cibles",
}


def _donnees(post) -> dict:
    """The form as ``campagnes.ouvrir`` reads it (dates typed JJ/MM/AAAA accepted)."""
    donnees = {champ: post.get(champ, "") for champ in CHAMPS}
    donnees |= {champ: date_formulaire(post.get(champ, "")) for champ in campagnes.DATES}
    return donnees


def _contexte(request, errors=None, saisie=None) -> dict:
    a = acces(request.user)
    liste = list(Campagne.objects.select_related("programme").order_by("-ouverture", "pk"))
    for c in liste:
        c.semestres_prerequis = _plage(c.premier_semestre, c.dernier_semestre_prerequis)
        c.semestres_cibles = _plage(c.premier_semestre, c.dernier_semestre_cibles)
    regions = [] if a.national else list(Region.objects.filter(pk__in=a.regions_lecture))
    return {
        "title": "Appels à candidatures",
        "campagnes": liste,
        "national": a.national,
        "regions": regions,
        "peut_ouvrir": a.pilote,
        "programmes": Programme.objects.all(),
        "errors": errors or {},
        "saisie": saisie or {},
        "champs_dates": _champs(LIBELLES_DATES, saisie),
        "champs_semestres": _champs(LIBELLES_SEMESTRES, saisie),
    }


def _champs(libelles, saisie) -> list[tuple[str, str, str]]:
    return [(nom, libelle, (saisie or {}).get(nom, "")) for nom, libelle in libelles.items()]


def _plage(premier: str, dernier: str) -> str:
    if not (premier and dernier):
        return "—"
    return f"{semestres.libelle(premier)} à {semestres.libelle(dernier)}"


@login_required
def liste(request):
    """The ARS and the national level; the pilote opens a campaign (POST)."""
    a = acces(request.user)
    if not (a.national or a.regions_lecture):
        raise PermissionDenied("Les appels à candidatures sont gérés par l'ARS et le national.")
    if request.method == "POST":
        try:
            campagne = campagnes.ouvrir(donnees=_donnees(request.POST), acting_user=request.user)
        except DossierError as exc:
            messages.error(request, exc.message)
            contexte = _contexte(request, exc.errors, request.POST)
            return render(request, "candidatures/campagnes.html", contexte)
        messages.success(request, f"Appel à candidatures « {campagne.libelle} » ouvert.")
        return redirect("candidatures:campagnes")
    return render(request, "candidatures/campagnes.html", _contexte(request))
