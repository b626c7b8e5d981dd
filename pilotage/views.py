"""The pilotage dashboards (issue 16): thin views over ``pilotage.chiffres`` (the figures, scoped
and cached) and ``pilotage.tableaux`` (their tiles, charts and tables, every number a link).

``/pilotage/<programme>/``: the national level, every région side by side (an ARS is redirected
to its région); ``/pilotage/<programme>/<region>/``: one région against the national figure.
``?format=csv|xlsx&table=<name>`` answers one table of the page as a file (≤ 18 rows:
synchronous).

The dashboard's body (tiles, charts, tables) is the same for everyone who may read it while its
figures do not change: it is rendered once and kept under the figures' key
(``chiffres.cle``, four small queries), so a warm page costs those queries and no rendering.
"""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste
from hn.referentiel.models import Programme
from pilotage import chiffres, tableaux

DUREE_PAGE_S = chiffres.DUREE_CACHE_S


@login_required
def accueil(request):
    """The first programme's dashboard (national, or the ARS's région)."""
    programme = Programme.objects.order_by("ordre", "code").first()
    if programme is None:
        raise Http404("Aucun programme.")
    p = chiffres.perimetre(request.user, programme.code)
    return _vers_la_region(p) or redirect("pilotage:nationale", programme=programme.code)


def _vers_la_region(p):
    """An ARS opening a national dashboard: its own région's."""
    if p.national:
        return None
    if not p.regions:
        raise Http404("Aucune région dans votre périmètre.")
    return redirect("pilotage:regionale", programme=p.programme.code, region=p.regions[0].code)


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


def _contenu(cle_page: str, construire) -> str:
    """The dashboard's body rendered once per state of its figures."""
    contenu = cache.get(cle_page)
    if contenu is None:
        contenu = render_to_string("pilotage/_contenu.html", construire())
        cache.set(cle_page, contenu, DUREE_PAGE_S)
    return mark_safe(contenu)  # our own template's output


@login_required
def nationale(request, programme):
    p = chiffres.perimetre(request.user, programme)
    if vers := _vers_la_region(p):
        return vers
    cle = chiffres.cle(p)

    def construire():
        t = chiffres.tableau_en_cache(p, cle)
        liste = tableaux.sections(t, national=True, appel=chiffres.a_un_appel(p.programme))
        li = tableaux.liens(p.programme)
        return {"tableau": t, "tuiles": tableaux.tuiles(t, li), "sections": liste}

    if format_demande(request):
        return _fichier(request, construire()["sections"], p.programme)
    return render(
        request,
        "pilotage/tableau.html",
        {
            "title": f"Pilotage national {p.programme.code}",
            "programme": p.programme,
            "programmes": _programmes(p.programme),
            "national": True,
            "contenu": _contenu(f"pilotage:page:national:{cle}", construire),
        },
    )


@login_required
def regionale(request, programme, region):
    p = chiffres.perimetre(request.user, programme, region)
    pn = chiffres.perimetre_national(p.programme)
    cle, cle_nationale = chiffres.cle(p), chiffres.cle(pn)
    region_ = p.regions[0]

    def construire():
        t = chiffres.tableau_en_cache(p, cle)
        nationale_ = chiffres.reference_nationale(p.programme, cle_nationale)
        liste = tableaux.sections(
            t, national=False, appel=chiffres.a_un_appel(p.programme), nationale=nationale_
        )
        li = tableaux.liens(p.programme)
        return {
            "tableau": t,
            "tuiles": tableaux.tuiles(t, li, region_.code, nationale_),
            "sections": liste,
        }

    if format_demande(request):
        return _fichier(request, construire()["sections"], p.programme, region)
    return render(
        request,
        "pilotage/tableau.html",
        {
            "title": f"Pilotage {p.programme.code} : {region_.nom}",
            "programme": p.programme,
            "region": region_,
            "programmes": _programmes(p.programme),
            "national": False,
            "national_visible": acces(request.user).national,
            "contenu": _contenu(f"pilotage:page:{region_.code}:{cle}:{cle_nationale}", construire),
        },
    )
