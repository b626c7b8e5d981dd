from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from hn.accueil import contexte_accueil
from hn.api.exceptions import MESSAGES
from hn.comptes.enums import Role
from hn.comptes.scopes import acces
from hn.referentiel.models import Etablissement, Programme, Region


@login_required
def home(request):
    """Home page per role: what this role can do, with its own figures."""
    a = acces(request.user)
    context = {
        "title": "Accueil",
        "acces": a,
        "roles": sorted(Role(r).label for r in a.roles()),
        "programmes": Programme.objects.prefetch_related("calendrier"),
    }
    if a.etablissements:
        context["mes_etablissements"] = (
            Etablissement.objects.filter(pk__in=a.etablissements_lecture)
            .select_related("region")
            .order_by("raison_sociale")
        )
        context["peut_saisir"] = Role.ES_GESTIONNAIRE in a.etablissements.values()
    if a.regions:
        regions = Region.objects.filter(pk__in=a.regions_lecture)
        context["mes_regions"] = regions
        context["nb_etablissements_region"] = Etablissement.objects.filter(
            region__in=regions
        ).count()
        context["valideur"] = Role.ARS_VALIDEUR in a.regions.values()
    if a.national:
        context["nb_etablissements"] = Etablissement.objects.count()
    # The apps' blocks (hn.accueil): the dossiers and demands of the établissements, the count
    # of envelopes for the national level.
    context.update(contexte_accueil(a))
    return render(request, "home.html", context)


# --- Error pages (hn.urls handler400/403/404/500) ------------------------------------------
# Under /api/ the answer is JSON in the API's error format (API.md), elsewhere the platform's
# French pages (templates/404.html...). 400 and 500 pages render without the request: no
# context processor, no database (templates/erreur_simple.html).
API_PREFIX = "/api/"
MESSAGE_400 = "Requête invalide."
# The DSFR's mandatory pages, open to everyone (the footer links them on every page).
PAGES_PUBLIQUES = {
    "accessibilite": "Accessibilité",
    "mentions_legales": "Mentions légales",
    "donnees_personnelles": "Données personnelles",
}


def page_publique(request, gabarit: str):
    return render(
        request,
        f"pages/{gabarit}.html",
        {"title": PAGES_PUBLIQUES[gabarit], "hebergeur": settings.HEBERGEUR},
    )


MESSAGE_500 = "Erreur interne du serveur : elle a été enregistrée, réessayez plus tard."


def _api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def erreur_400(request, exception):
    if _api(request):
        return JsonResponse({"detail": MESSAGE_400}, status=400)
    return defaults.bad_request(request, exception)


def erreur_403(request, exception):
    if _api(request):
        return JsonResponse({"detail": MESSAGES[403]}, status=403)
    return defaults.permission_denied(request, exception)


def erreur_404(request, exception):
    if _api(request):
        return JsonResponse({"detail": MESSAGES[404]}, status=404)
    return defaults.page_not_found(request, exception)


def erreur_500(request):
    if _api(request):
        return JsonResponse({"detail": MESSAGE_500}, status=500)
    return defaults.server_error(request)


class RouteInconnue(APIView):
    """The last route of the API's table: any unknown address under /api/v1/, whatever the
    method, is a JSON 404, with or without credentials and whatever DEBUG is (Django's debug
    404 page would otherwise answer HTML)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound()
