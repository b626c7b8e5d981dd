"""Envelope pages: the list (national: every région side by side), an envelope's page with its
charts, the annual synthesis with the CMSI's comments, its PDF and XLSX.

Thin views over ``enveloppes.tableaux`` (figures, fetch-and-authorise), ``enveloppes.graphiques``
(SVG charts), ``enveloppes.exports`` and ``enveloppes.commentaires``. Each page runs a fixed
number of queries whatever the number of établissements, dossiers and ledger lines.
"""

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.db.models.functions import ExtractYear
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from enveloppes import documents, exports, graphiques, nationale, tasks
from enveloppes.actions import ecarts_equilibre_de
from enveloppes.commentaires import CommentaireRefuse, commenter_synthese, peut_commenter
from enveloppes.derogations import a_une_derogation
from enveloppes.models import CommentaireSynthese, MouvementEnveloppe, enveloppes_visibles
from enveloppes.tableaux import (
    COLONNES,
    COLONNES_DOMAINE,
    PREMIERE_ANNEE,
    annee_par_defaut,
    annees,
    enveloppe_visible,
    exiger_lecture,
    redeploiements,
    synthese,
    tableau,
    verifier_annee,
)
from hn.champs import DATE_MAX, DATE_MIN, ENTIER_MAX, filtre_entier, filtre_texte
from hn.comptes.perms import peut_piloter
from hn.comptes.scopes import acces
from hn.exports import format_demande
from hn.pdf import reponse_pdf
from hn.referentiel.enums import Decoupage
from hn.referentiel.models import Programme

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ETABLISSEMENTS_PAR_PAGE = 25
COLONNES_LISTE = [
    ("engage_amorcage", "Engagé amorçage"),
    ("engage_usage", "Engagé usage"),
    ("consomme_amorcage", "Consommé amorçage"),
    ("consomme_usage", "Consommé usage"),
    ("disponible", "Disponible"),
]


def _libelle_region(enveloppe) -> str:
    return f"{enveloppe.region.nom} ({enveloppe.region.code})"


@login_required
def liste(request):
    """Every envelope the caller may read with its figures; the national level sees every
    région side by side with the national totals (sum of the lines and published total)."""
    exiger_lecture(request.user)
    a = acces(request.user)
    qs = enveloppes_visibles(request.user)
    # Narrowed from the pilotage dashboards: a programme, a current région (HN: its former ones).
    filtres = {k: filtre_texte(request.GET, k, longueur=10) for k in ("programme", "region")}
    if filtres["programme"]:
        qs = qs.filter(programme__code=filtres["programme"].upper())
    if filtres["region"]:
        qs = qs.filter(
            Q(region__code=filtres["region"]) | Q(region__region_actuelle__code=filtres["region"])
        )
    situations = qs.situations()
    rows = sorted(
        qs,
        key=lambda e: (
            e.programme.ordre,
            e.programme.code,
            e.region.region_actuelle.nom if e.region.region_actuelle_id else "",
            e.region.nom,
        ),
    )
    programmes = []
    for programme, lignes in groupby(rows, key=lambda e: e.programme):
        lignes = [(e, situations[e.pk]) for e in lignes]
        totaux = {
            attr: sum(getattr(s, attr) for _, s in lignes)
            for attr in ["publie", *(c for c, _ in COLONNES_LISTE)]
        }
        programmes.append(
            {
                "programme": programme,
                "ancien": programme.decoupage == Decoupage.ANCIEN,
                "derogation": a_une_derogation(programme),
                "lignes": [
                    {
                        "enveloppe": e,
                        "situation": s,
                        "valeurs": [getattr(s, c) for c, _ in COLONNES_LISTE],
                        "url": reverse(
                            "enveloppes:detail",
                            kwargs={"programme": programme.code, "region": e.region.code},
                        ),
                    }
                    for e, s in lignes
                ],
                "total_lignes": totaux["publie"],
                "totaux": [totaux[c] for c, _ in COLONNES_LISTE],
                "graphique": graphiques.regions(
                    f"graphique-{programme.code.lower()}",
                    f"Enveloppes {programme.code} par région : engagé et disponible",
                    [(e.region.nom, s) for e, s in lignes],
                ),
            }
        )
    if format_ := format_demande(request):
        return exports.fichier_liste(format_, programmes, COLONNES_LISTE)
    return render(
        request,
        "enveloppes/liste.html",
        {
            "title": "Enveloppes régionales",
            "programmes": programmes,
            "national": a.national and not any(filtres.values()),
            "filtres": filtres,
            "colonnes": COLONNES_LISTE,
            "annee": annee_par_defaut(),
        },
    )


def _premiere_annee(enveloppe):
    return (
        MouvementEnveloppe.objects.filter(enveloppe=enveloppe)
        .aggregate(premiere=Min(ExtractYear("date")))
        .get("premiere")
    )


@login_required
def detail(request, programme, region):
    """An envelope at a glance: figures, charts, breakdowns, retained établissements, late
    domaines, balance warnings."""
    enveloppe = enveloppe_visible(request.user, programme, region)
    # The figures, charts and breakdowns cover the whole envelope; the rows per établissement
    # (breakdown, retained domaines, late domaines) are built and shown by pages.
    pagination = {}
    t = tableau(enveloppe, selection=_page_de(request, pagination))
    s = t.situation
    return render(
        request,
        "enveloppes/detail.html",
        {
            "title": f"Enveloppe {enveloppe.programme.code} — {_libelle_region(enveloppe)}",
            "enveloppe": enveloppe,
            "t": t,
            "s": s,
            "page_obj": pagination["page"],
            "retenus": t.retenus,
            "par_etablissement": t.par_etablissement,
            "retards": t.retards,
            "nb_retards": t.nb_retards,
            "colonnes": COLONNES,
            "colonnes_domaine": COLONNES_DOMAINE,
            "ecarts": ecarts_equilibre_de(
                enveloppe,
                par_etablissement=t.compteurs_etablissements,
                profils_etablissements=t.profils_etablissements,
            ),
            "graphique_montants": graphiques.montants("graphique-montants", s),
            "graphique_plafond": graphiques.plafond("graphique-plafond", s),
            "anneau_engage": graphiques.repartition("anneau-engage", s),
            "anneau_consomme": graphiques.repartition("anneau-consomme", s, volet="consomme"),
            "graphique_statuts": graphiques.par_ligne(
                "graphique-statuts", "Engagé par statut juridique", t.par_statut
            ),
            "graphique_activites": graphiques.par_ligne(
                "graphique-activites", "Engagé par activité", t.par_activite
            ),
            "annees": annees(_premiere_annee(enveloppe)),
            "peut_redeployer": peut_piloter(request.user),
            "redeploiements": redeploiements(enveloppe),
            "national": acces(request.user).national,
            "derogation": a_une_derogation(enveloppe.programme),
        },
    )


def _synthese(request, programme, region, annee, *, selection=None):
    enveloppe = enveloppe_visible(request.user, programme, region)
    return synthese(enveloppe, verifier_annee(annee), selection=selection)


def _page_de(request, pagination: dict):
    """``selection`` for :func:`tableau`: the requested page of établissements (in
    ``pagination["page"]``)."""

    def une_page(cles):
        pagination["page"] = Paginator(cles, ETABLISSEMENTS_PAR_PAGE).get_page(
            request.GET.get("page")
        )
        return list(pagination["page"])

    return une_page


@login_required
def synthese_page(request, programme, region, annee):
    # Situation and breakdowns by statut / activité cover the envelope; the rows per
    # établissement (breakdown, retained domaines, CMSI comments, the year's lines of their
    # dossiers) are built for one page of établissements. The PDF and the XLSX hold everything.
    pagination = {}
    sy = _synthese(request, programme, region, annee, selection=_page_de(request, pagination))
    enveloppe = sy.enveloppe
    t = sy.tableau
    return render(
        request,
        "enveloppes/synthese.html",
        {
            "page_obj": pagination["page"],
            "retenus": t.retenus,
            "par_etablissement": t.par_etablissement,
            "mouvements": sy.mouvements,
            "nb_mouvements": sy.nb_mouvements,
            "title": f"Synthèse annuelle {annee} — enveloppe {enveloppe.programme.code} — "
            f"{_libelle_region(enveloppe)}",
            "synthese": sy,
            "enveloppe": enveloppe,
            "t": t,
            "colonnes": COLONNES,
            "colonnes_domaine": COLONNES_DOMAINE,
            "peut_commenter": peut_commenter(request.user, enveloppe),
            "annees": annees(_premiere_annee(enveloppe)),
        },
    )


@login_required
@require_POST
def commenter(request, programme, region, annee):
    enveloppe = enveloppe_visible(request.user, programme, region)
    verifier_annee(annee)
    numero = filtre_texte(request.POST, "dossier", longueur=20)
    try:
        commentaire = commenter_synthese(
            enveloppe=enveloppe,
            numero=numero,
            annee=annee,
            texte=request.POST.get("texte", ""),
            acting_user=request.user,
        )
    except CommentaireRefuse as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Commentaire du dossier {numero} enregistré."
            if commentaire
            else f"Commentaire du dossier {numero} effacé.",
        )
    url = reverse(
        "enveloppes:synthese",
        kwargs={
            "programme": enveloppe.programme.code,
            "region": enveloppe.region.code,
            "annee": annee,
        },
    )
    page = filtre_entier(request.POST, "page", minimum=1, maximum=ENTIER_MAX, defaut=1)
    if page > 1:  # back to the page of établissements it came from
        url = f"{url}?page={page}"
    return redirect(f"{url}#dossier-{numero}" if numero else url)


@login_required
def synthese_pdf(request, programme, region, annee):
    """The stored PDF of the synthesis as it is now; otherwise its production is queued and a
    waiting page reloads until it is ready (``enveloppes.documents``)."""
    sy = _synthese(request, programme, region, annee)
    doc = documents.document(sy)
    if request.GET.get("reessayer"):
        documents.oublier_echec(doc)
    data = documents.stocke(doc)
    if data is None:  # queued unless under way or failed a moment ago
        tasks.demander(doc, request.user)
        data = documents.stocke(doc)  # produced already when the task ran eagerly
    if data is not None:
        return reponse_pdf(data, exports.nom_fichier(sy, "pdf"))
    echec = documents.en_echec(doc)
    response = render(
        request,
        "enveloppes/synthese_pdf_attente.html",
        {
            "title": f"PDF en préparation — synthèse annuelle {sy.annee}",
            "synthese": sy,
            "enveloppe": sy.enveloppe,
            "echec": echec,
            "delai": documents.DELAI_RECHARGEMENT,
        },
        status=503 if echec else 202,
    )
    response["Cache-Control"] = "private, no-store"
    if echec:
        response["Retry-After"] = str(documents.DUREE_ECHEC)
    return response


@login_required
def synthese_xlsx(request, programme, region, annee):
    sy = _synthese(request, programme, region, annee)
    response = HttpResponse(exports.xlsx_synthese(sy), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, exports.nom_fichier(sy, "xlsx")
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def synthese_nationale_xlsx(request, programme, annee):
    """Every région's synthesis figures of a programme for a year, one sheet (national level)."""
    if not acces(request.user).national:
        raise PermissionDenied("La synthèse nationale est réservée au niveau national.")
    programme = get_object_or_404(Programme, code=str(programme).upper())
    annee = verifier_annee(annee)
    response = HttpResponse(nationale.xlsx_nationale(programme, annee), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, nationale.nom_fichier(programme, annee)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def syntheses(request):
    """The annual syntheses of every envelope the caller may read (the national level: every
    région's), for one year: links to the page, the PDF and the XLSX, and how many dossiers
    the CMSI has commented."""
    exiger_lecture(request.user)
    annee = filtre_entier(
        request.GET, "annee", minimum=DATE_MIN.year, maximum=DATE_MAX.year, defaut=None
    )
    annee = verifier_annee(annee or annee_par_defaut())
    qs = enveloppes_visibles(request.user)
    dossiers = dict(
        MouvementEnveloppe.objects.filter(
            enveloppe__in=qs, date__lte=dt.date(annee, 12, 31), dossier__isnull=False
        )
        .order_by()
        .values_list("enveloppe")
        .annotate(n=Count("dossier", distinct=True))
    )
    commentaires = dict(
        CommentaireSynthese.objects.filter(enveloppe__in=qs, annee=annee)
        .order_by()
        .values_list("enveloppe")
        .annotate(n=Count("pk"))
    )
    lignes = []
    for e in sorted(qs, key=lambda e: (e.programme.ordre, e.programme.code, e.region.nom)):
        kwargs = {"programme": e.programme.code, "region": e.region.code, "annee": annee}
        lignes.append(
            {
                "enveloppe": e,
                "dossiers": dossiers.get(e.pk, 0),
                "commentaires": commentaires.get(e.pk, 0),
                "url": reverse("enveloppes:synthese", kwargs=kwargs),
                "pdf": reverse("enveloppes:synthese_pdf", kwargs=kwargs),
                "xlsx": reverse("enveloppes:synthese_xlsx", kwargs=kwargs),
            }
        )
    if format_ := format_demande(request):
        return exports.fichier_syntheses(format_, annee, lignes)
    nationales = []
    if acces(request.user).national:
        programmes = {e.programme.code: e.programme for e in qs}
        nationales = [
            (p, reverse("enveloppes:synthese_nationale_xlsx", args=[p.code, annee]))
            for p in sorted(programmes.values(), key=lambda p: (p.ordre, p.code))
        ]
    return render(
        request,
        "enveloppes/syntheses.html",
        {
            "title": f"Synthèses annuelles {annee}",
            "nationales": nationales,
            "annee": annee,
            "annees": annees(PREMIERE_ANNEE),
            "lignes": lignes,
        },
    )
