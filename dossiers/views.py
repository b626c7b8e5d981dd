"""Dossier pages (DIPISI): thin views over dossiers.actions and dossiers.services."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dossiers import actions
from dossiers.analyse import message_ajout
from dossiers.confirmation import annule, confirme, page_de_confirmation
from dossiers.consequences import depot
from dossiers.contenu import manquants
from dossiers.contextes import (
    contexte_dossier,
    contexte_page,
    contexte_pieces,
    template_de_page,
)
from dossiers.eligibilite import controles
from dossiers.enums import Avancement, Etat
from dossiers.etapes import A_CONFIRMER, ETAPES_INSTRUCTION, contexte_instruction
from dossiers.exports import (
    dossiers_filtres,
    fichier_dossiers,
    fichier_regions,
    filtres_pilotage_actifs,
)
from dossiers.forms import avec_saisie, donnees_de_la_page, erreurs_de_la_page
from dossiers.formulaire import MEMBRES_MAX, demande_refusee
from dossiers.models import DemandeInitialisation, Dossier
from dossiers.pagination import PaginatorParIds
from dossiers.pieces import (
    StockageIndisponible,
    ajouter_piece,
    pieces_actives,
    remplacer_piece,
    supprimer_piece,
)
from dossiers.presence import signaler
from dossiers.saisie import enregistrer_saisie
from dossiers.services import (
    contenu_lisible,
    exiger_instruction,
    get_dossier_for_user,
    pages_lisibles,
)
from dossiers.tableau import compte_demandes, demandes_urgentes, tableau_de_bord
from hn.champs import ENTIER_MAX, filtre_entier, filtre_slug, filtre_texte
from hn.comptes.enums import Role
from hn.comptes.perms import peut_saisir
from hn.comptes.scopes import acces
from hn.exports import format_demande
from hn.referentiel.models import GHT, Etablissement, Programme, Region
from hn.taches import vues_exports as exports_fond


@login_required
def liste(request):
    a = acces(request.user)
    qs, filtres, tri = dossiers_filtres(request)
    if format_ := format_demande(request):
        if exports_fond.en_fond("dossiers", qs.count()):
            return exports_fond.proposer(request, "dossiers")
        return fichier_dossiers(format_, qs)
    tableau = tableau_de_bord(request.user)
    paginator = PaginatorParIds(qs, 25)
    if tableau is not None and not any(filtres.values()):
        paginator.count = tableau["total"]  # the whole perimeter, already counted
    page = paginator.get_page(request.GET.get("page"))
    if tableau is not None:
        demandes = {k: tableau[k] for k in ("demandes", "demandes_total", "demandes_en_retard")}
    else:
        en_attente = DemandeInitialisation.objects.visibles_par(request.user).en_attente()
        demandes = {"demandes": demandes_urgentes(en_attente), **compte_demandes(en_attente)}
    gestionnaire_de = Etablissement.objects.filter(
        pk__in=[pk for pk, role in a.etablissements.items() if role == Role.ES_GESTIONNAIRE]
    )
    return render(
        request,
        "dossiers/liste.html",
        {
            "title": "Dossiers",
            "page_obj": page,
            "filtres": filtres,
            "filtres_pilotage": filtres_pilotage_actifs(filtres),
            "tri": tri,
            "etats": Etat.choices,
            "programmes": Programme.objects.all(),
            "regions": Region.objects.actuelles() if a.national else None,
            **demandes,
            "peut_initialiser": bool(a.regions_instruction) or a.superuser,
            "gestionnaire_de": gestionnaire_de,
            "ghts_demandables": ghts_demandables(gestionnaire_de),
            "membres_choisis": request.GET.getlist("demande_membres"),
            "tableau": tableau,
            "export_fond": exports_fond.bouton("dossiers", page.paginator.count, request),
        },
    )


def ghts_demandables(etablissements) -> list:
    """The GHTs whose support is one of ``etablissements`` (the ES user's gestionnaire
    établissements), each with its établissements: the members a GHT request may name."""
    return list(
        GHT.objects.filter(support__in=etablissements)
        .select_related("support")
        .prefetch_related(
            Prefetch("membres", queryset=Etablissement.objects.order_by("raison_sociale"))
        )
        .order_by("nom")
    )


@login_required
def tableau(request):
    """The dashboard alone: the national level's and the ARS's figures, without the list."""
    tableau = tableau_de_bord(request.user)
    if tableau is None:
        raise PermissionDenied
    if format_ := format_demande(request):
        return fichier_regions(format_, tableau)
    return render(
        request, "dossiers/tableau.html", {"title": "Tableau de bord", "tableau": tableau}
    )


@login_required
@require_POST
def demander(request):
    etab = (
        Etablissement.objects.visibles_par(request.user)
        .filter(finess=request.POST.get("finess", ""))
        .first()
    )
    programme = Programme.objects.filter(code=request.POST.get("programme", "")).first()
    if etab is None or programme is None:
        return demande_refusee(request, "Choisissez un établissement et un programme.")
    # Ticked members make it a GHT request of the support (SPEC §10); none, its own.
    membres = request.POST.getlist("membres")[:MEMBRES_MAX] or None
    try:
        demande = actions.demander_initialisation(
            programme=programme, etablissement=etab, acting_user=request.user, membres=membres
        )
    except actions.DossierError as exc:
        champ = "membres" if "membres" in (exc.errors or {}) else "finess"
        return demande_refusee(request, exc.message, champ=champ)
    else:
        messages.success(
            request,
            f"Demande transmise à l'ARS : elle doit initialiser le dossier au plus tard le "
            f"{demande.echeance:%d/%m/%Y}.",
        )
    return redirect("dossiers:liste")


@login_required
def initialiser(request):
    a = acces(request.user)
    if not a.regions_instruction and not a.superuser:
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS peut initialiser un dossier.")
    demande = None
    source = request.POST if "demande" in request.POST else request.GET
    if numero_demande := filtre_entier(source, "demande", minimum=1, maximum=ENTIER_MAX):
        demande = (
            DemandeInitialisation.objects.visibles_par(request.user)
            .en_attente()
            .select_related("programme", "etablissement")
            .filter(pk=numero_demande)
            .first()
        )
    valeurs = {
        "programme": demande.programme.code if demande else "",
        "finess": demande.etablissement.finess if demande else "",
        "nom": demande.etablissement.raison_sociale if demande else "",
    }
    errors = {}  # by field name, shown at the field (includes/champ_erreur.html)
    if request.method == "POST":
        valeurs = {k: filtre_texte(request.POST, k, longueur=200) for k in valeurs}
        valeurs["nom"] = request.POST.get("nom", "").strip()  # checked by the action
        etab = (
            Etablissement.objects.visibles_par(request.user)
            .filter(finess=valeurs["finess"].upper())
            .first()
        )
        programme = Programme.objects.filter(code=valeurs["programme"]).first()
        if etab is None:
            errors = {"finess": ["Aucun établissement de votre région n’a ce numéro FINESS."]}
        elif programme is None:
            errors = {"programme": ["Choisissez le programme."]}
        else:
            try:
                dossier = actions.initialiser_dossier(
                    programme=programme,
                    etablissement=etab,
                    nom=valeurs["nom"],
                    demande=demande,
                    acting_user=request.user,
                )
            except actions.DossierError as exc:
                errors = exc.errors or {"finess": [exc.message]}
            else:
                messages.success(request, f"Dossier {dossier.numero} initialisé.")
                return redirect("dossiers:detail", numero=dossier.numero)
    return render(
        request,
        "dossiers/initialiser.html",
        {
            "title": "Initialiser un dossier",
            "valeurs": valeurs,
            "errors": errors,
            "demande": demande,
            "programmes": Programme.objects.all(),
            "etablissements": Etablissement.objects.visibles_par(request.user)
            .filter(region_id__in=a.regions_instruction)
            .order_by("raison_sociale")
            .only("finess", "raison_sociale"),
        },
    )


@login_required
def detail(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    return redirect("dossiers:page", numero=dossier.numero, slug="engagements")


@login_required
def page(request, numero, slug):
    dossier = get_dossier_for_user(request.user, numero)
    # A POST (the ES saving) redirects: read the content only when rendering the page.
    lecture = None if request.method == "POST" else contenu_lisible(request.user, dossier)
    liste_pages = pages_lisibles(request.user, dossier, lecture[0] if lecture else None)
    courante = next((p for p in liste_pages if p.slug == slug), None)
    if courante is None:
        raise Http404("Page inconnue.")
    editable = peut_saisir(request.user, dossier.etablissement) and dossier.editable
    errors, autres, data = {}, [], None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Ce dossier n'est pas modifiable par votre rôle.")
        data = donnees_de_la_page(courante, request.POST, dossier)
        try:
            enregistrer_saisie(dossier=dossier, data=data, acting_user=request.user)
        except actions.DossierError as exc:
            errors, autres = erreurs_de_la_page(exc.errors, data)
            messages.error(request, exc.message)
        except actions.TransitionRefusee as exc:
            messages.error(request, exc.message)
            return redirect("dossiers:page", numero=numero, slug=slug)
        else:
            cible = request.POST.get("aller") or slug
            liste_pages = pages_lisibles(request.user, dossier)  # started domaines add pages
            if not any(p.slug == cible for p in liste_pages):
                cible = slug
            if cible == slug:
                messages.success(request, "Page enregistrée.")
            return redirect("dossiers:page", numero=numero, slug=cible)
    contenu, source, depot = lecture or contenu_lisible(request.user, dossier)
    index = liste_pages.index(courante)
    engagements_ok = contenu is not None and set(
        dossier.programme.engagements.values_list("code", flat=True)
    ) <= set(contenu.get("engagements", []))
    autres_editeurs = signaler(dossier, request.user) if editable else []
    contenu = avec_saisie(contenu, data)  # a refused page shows what was typed
    context = contexte_dossier(
        request,
        dossier,
        title=f"{dossier.numero} — {courante.titre}",
        pages=liste_pages,
        autres_editeurs=autres_editeurs,
        page=courante,
        precedente=liste_pages[index - 1] if index > 0 else None,
        suivante=liste_pages[index + 1] if index + 1 < len(liste_pages) else None,
        contenu=contenu,
        source=source,
        depot=depot,
        editable=editable and (engagements_ok or slug == "engagements"),
        engagements_ok=engagements_ok,
        errors=errors,
        autres_erreurs=autres,
        avancements=Avancement.choices,
        page_template=template_de_page(courante),
    )
    if contenu is not None:
        context.update(contexte_page(dossier, courante, contenu, user=request.user))
        if courante.prerequis_id or courante.slug in ("projet", "ght"):
            context.update(contexte_pieces(request.user, dossier, courante))
    return render(request, "dossiers/page.html", context)


@login_required
def deposer(request, numero):
    dossier = get_dossier_for_user(request.user, numero, write=True)
    # The ES reads its live data: the eligibility checks before its dépôt (SPEC §6).
    verifications = controles(dossier, contenu_lisible(request.user, dossier)[0])
    if request.method == "POST" and not annule(request):
        try:
            if not confirme(request):
                consequences = partial(depot, dossier, controles=verifications)
                return page_de_confirmation(request, dossier, consequences)
            actions.deposer(dossier=dossier, acting_user=request.user)
        except (actions.DepotIncomplet, actions.TransitionRefusee) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Dossier déposé. L'ARS doit se prononcer au plus tard le "
                f"{Dossier.objects.get(pk=dossier.pk).echeance_decision:%d/%m/%Y}.",
            )
            return redirect("dossiers:page", numero=numero, slug="engagements")
    return render(
        request,
        "dossiers/deposer.html",
        contexte_dossier(
            request,
            dossier,
            title=f"Déposer le dossier {dossier.numero}",
            manquants=manquants(dossier) if dossier.editable else [],
            controles=verifications,
        ),
    )


@login_required
def instruction(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    exiger_instruction(request.user, dossier)
    errors = {}
    if request.method == "POST" and not annule(request):
        etape = ETAPES_INSTRUCTION.get(request.POST.get("etape"))
        if etape is None:
            raise Http404("Étape inconnue.")
        a_confirmer = A_CONFIRMER.get(request.POST["etape"])
        try:
            if a_confirmer and not confirme(request):
                consequences = partial(a_confirmer, request, dossier)
                return page_de_confirmation(request, dossier, consequences)
            message = etape(request, dossier)
        except actions.DossierError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        except actions.TransitionRefusee as exc:
            messages.error(request, exc.message)
        else:
            if message:
                messages.success(request, message)
            return redirect("dossiers:instruction", numero=numero)
        dossier = get_dossier_for_user(request.user, numero)
    return render(
        request,
        "dossiers/instruction.html",
        contexte_instruction(request, dossier, errors),
    )


# --- attachments (pages "prérequis" and "projet") ------------------------------------------


def _retour(numero, request):
    """Back to the posting page; anything but a page's slug (a URL, a host) to the first."""
    slug = filtre_slug(request.POST, "retour", defaut="engagements")
    return redirect("dossiers:page", numero=numero, slug=slug)


def _message_piece(request, exc, champ=""):
    """The refusal, in the banner and (after the redirect) at the file field ``champ``."""
    details = [m for msgs in getattr(exc, "errors", {}).values() for m in msgs] or [exc.message]
    messages.error(request, " ".join(details), extra_tags=f"champ:{champ}" if champ else "")


@login_required
@require_POST
def piece_ajouter(request, numero):
    dossier = get_dossier_for_user(request.user, numero, write=True)
    try:
        piece = ajouter_piece(
            dossier=dossier,
            fichier=request.FILES.get("fichier"),
            categorie=request.POST.get("categorie", ""),
            prerequis_code=request.POST.get("prerequis") or None,
            acting_user=request.user,
        )
    except (actions.DossierError, actions.TransitionRefusee, StockageIndisponible) as exc:
        _message_piece(request, exc, "fichier")
    else:
        messages.add_message(request, *message_ajout(piece, f"Pièce « {piece.nom} » ajoutée."))
    return _retour(numero, request)


def _piece_de(request, dossier, pk):
    piece = pieces_actives(dossier).filter(pk=pk).first()
    if piece is None:
        raise Http404("Pièce introuvable.")
    return piece


@login_required
@require_POST
def piece_remplacer(request, numero, pk):
    dossier = get_dossier_for_user(request.user, numero, write=True)
    piece = _piece_de(request, dossier, pk)
    try:
        nouvelle = remplacer_piece(
            piece=piece, fichier=request.FILES.get("fichier"), acting_user=request.user
        )
    except (actions.DossierError, actions.TransitionRefusee, StockageIndisponible) as exc:
        _message_piece(request, exc, f"remplacer-{piece.pk}")
    else:
        succes = f"« {piece.nom} » remplacée par « {nouvelle.nom} »."
        messages.add_message(request, *message_ajout(nouvelle, succes))
    return _retour(numero, request)


@login_required
@require_POST
def piece_supprimer(request, numero, pk):
    dossier = get_dossier_for_user(request.user, numero, write=True)
    piece = _piece_de(request, dossier, pk)
    try:
        supprimer_piece(piece=piece, acting_user=request.user)
    except (actions.DossierError, actions.TransitionRefusee) as exc:
        _message_piece(request, exc)
    else:
        messages.success(request, f"Pièce « {piece.nom} » supprimée.")
    return _retour(numero, request)
