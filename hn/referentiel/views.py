from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from hn.champs import filtre_texte
from hn.comptes.perms import droits_sur_etablissements
from hn.exports import format_demande, libelles, reponse_liste
from hn.referentiel import regles
from hn.referentiel.enums import Statut
from hn.referentiel.models import Etablissement, Indicateur, Programme, Region


@login_required
def programmes(request):
    return render(
        request,
        "referentiel/programmes.html",
        {"title": "Programmes", "programmes": Programme.objects.prefetch_related("calendrier")},
    )


@login_required
def programme(request, code):
    programme = get_object_or_404(Programme, code=code.upper())
    indicateurs = Prefetch("indicateurs", queryset=Indicateur.objects.order_by("ordre"))
    domaines = programme.domaines.prefetch_related(indicateurs, "grille")
    return render(
        request,
        "referentiel/programme.html",
        {
            "title": programme.nom,
            "programme": programme,
            "prerequis": programme.prerequis.prefetch_related(indicateurs),
            "domaines": domaines,
            "categories": programme.categories.all(),
            "coefficients": programme.coefficients.all(),
            "calendrier": programme.calendrier.all(),
        },
    )


@login_required
def etablissements(request):
    qs = Etablissement.objects.visibles_par(request.user).select_related("region")
    q = filtre_texte(request.GET, "q")
    if q:
        qs = qs.filter(Q(raison_sociale__icontains=q) | Q(finess__startswith=q.upper()))
    region = filtre_texte(request.GET, "region")
    if region:
        qs = qs.filter(region__code=region)
    statut = filtre_texte(request.GET, "statut")
    if statut:
        qs = qs.filter(statut=statut)
    qs = qs.order_by("raison_sociale", "finess")
    if format_ := format_demande(request):
        return _fichier_etablissements(format_, request.user, qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    droits = droits_sur_etablissements(request.user, page.object_list)
    for etab in page.object_list:
        etab.droit = droits.get(etab.pk, "")
    return render(
        request,
        "referentiel/etablissements.html",
        {
            "title": "Établissements",
            "page_obj": page,
            "q": q,
            "region": region,
            "statut": statut,
            "regions": Region.objects.actuelles(),
            "statuts": Statut.choices,
        },
    )


ENTETES_ETABLISSEMENTS = ["FINESS", "Raison sociale", "Région", "Statut", "Activités", "Vos droits"]


def _fichier_etablissements(format_, user, qs):
    """Every filtered row of the list, with the caller's right on each (by batches: the
    object permissions of a batch in a fixed number of queries)."""
    statuts = libelles(Etablissement, "statut")
    lignes = []
    for debut in range(0, len(etabs := list(qs)), 2000):
        lot = etabs[debut : debut + 2000]
        droits = droits_sur_etablissements(user, lot)
        lignes += [
            [
                e.finess,
                e.raison_sociale,
                e.region.nom,
                statuts.get(e.statut, e.statut),
                ", ".join(e.activites).upper(),
                droits.get(e.pk, ""),
            ]
            for e in lot
        ]
    return reponse_liste(
        format_, "etablissements", "Établissements", ENTETES_ETABLISSEMENTS, lignes
    )


@login_required
def etablissement(request, finess):
    etab = get_object_or_404(
        Etablissement.objects.visibles_par(request.user).select_related(
            "region", "region_historique", "ght__support"
        ),
        finess=finess,
    )
    estimations = []
    volumes_par_programme = {v.programme_id: v for v in etab.volumes.all()}
    for programme in Programme.objects.prefetch_related("domaines"):
        volumes = volumes_par_programme.get(programme.pk)
        if volumes is None:
            continue
        reg = programme.regles()
        ac = regles.activite_combinee(volumes.volumes(), reg.coefficients)
        forfaits = regles.forfaits_par_domaine(reg, ac)
        lignes = [
            {
                "domaine": domaine,
                "montant": forfaits[domaine.code][0],
                "avance": forfaits[domaine.code][1],
            }
            for domaine in programme.domaines.all()
        ]
        estimations.append(
            {
                "programme": programme,
                "volumes": [
                    (volumes._meta.get_field(name).verbose_name, volumes.volumes()[name], coef)
                    for name, coef in reg.coefficients.items()
                ],
                "activite_combinee": ac,
                "categorie": regles.categorie(ac, reg.categories).code,
                "lignes": lignes,
                "total": sum(ligne["montant"] for ligne in lignes),
            }
        )
    return render(
        request,
        "referentiel/etablissement.html",
        {"title": etab.raison_sociale, "etab": etab, "estimations": estimations},
    )
