"""The pilotage dashboards (issue 16): thin views over ``pilotage.chiffres`` (the figures, scoped
and cached) and ``pilotage.tableaux`` (their tiles, charts and tables, every number a link).

``/pilotage/<programme>/``: the national level, every région side by side (an ARS is redirected
to its région); ``/pilotage/<programme>/<region>/``: one région against the national figure.
``?format=csv|xlsx&table=<name>`` answers one table of the page as a file (≤ 18 rows:
synchronous)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste
from hn.referentiel.models import Programme
from pilotage import chiffres, tableaux


@login_required
def accueil(request):
    """The first programme's dashboard (national, or the ARS's région)."""
    programme = Programme.objects.order_by("ordre", "code").first()
    if programme is None:
        raise Http404("Aucun programme.")
    return nationale(request, programme.code, accueil=True)


def _fichier(request, liste, programme, region=""):
    nom = request.GET.get("table", "")
    table = tableaux.table_nommee(liste, nom)
    if table is None:
        raise Http404("Tableau inconnu.")
    entetes, lignes, montants = table.export()
    fichier = "-".join(filter(None, ["pilotage", programme.code.lower(), region, nom]))
    return reponse_liste(
        format_demande(request), fichier, table.feuille, entetes, lignes, montants=montants
    )


def _programmes(courant):
    return [
        {"code": p.code, "nom": p.nom, "courant": p.code == courant.code}
        for p in Programme.objects.order_by("ordre", "code")
    ]


@login_required
def nationale(request, programme, accueil=False):
    p = chiffres.perimetre(request.user, programme)
    if accueil or not p.national:  # an ARS: its own région
        if not p.regions:
            raise Http404("Aucune région dans votre périmètre.")
        if not p.national:
            return redirect(
                "pilotage:regionale", programme=p.programme.code, region=p.regions[0].code
            )
        return redirect("pilotage:nationale", programme=p.programme.code)
    t = chiffres.tableau_en_cache(p)
    li = tableaux.liens(p.programme)
    liste = tableaux.sections(t, national=True, appel=chiffres.a_un_appel(p.programme))
    if format_demande(request):
        return _fichier(request, liste, p.programme)
    return render(
        request,
        "pilotage/tableau.html",
        {
            "title": f"Pilotage national {p.programme.code}",
            "tableau": t,
            "programmes": _programmes(p.programme),
            "tuiles": tableaux.tuiles(t, li),
            "sections": liste,
            "national": True,
        },
    )


@login_required
def regionale(request, programme, region):
    p = chiffres.perimetre(request.user, programme, region)
    t = chiffres.tableau_en_cache(p)
    nationale_ = chiffres.reference_nationale(p.programme)
    li = tableaux.liens(p.programme)
    liste = tableaux.sections(
        t, national=False, appel=chiffres.a_un_appel(p.programme), nationale=nationale_
    )
    if format_demande(request):
        return _fichier(request, liste, p.programme, region)
    lig = t.lignes[0]
    return render(
        request,
        "pilotage/tableau.html",
        {
            "title": f"Pilotage {p.programme.code} : {lig.nom}",
            "tableau": t,
            "ligne": lig,
            "programmes": _programmes(p.programme),
            "tuiles": tableaux.tuiles(t, li, lig.code, nationale_),
            "sections": liste,
            "national": False,
            "national_visible": acces(request.user).national,
        },
    )
