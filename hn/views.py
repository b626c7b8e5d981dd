from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hn.accueil import contexte_accueil
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
