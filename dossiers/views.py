"""Dossier pages (DIPISI): thin views over dossiers.actions and dossiers.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dossiers import actions
from dossiers.analyse import message_ajout
from dossiers.contenu import domaines_demandes, manquants
from dossiers.contextes import (
    contexte_dossier,
    contexte_page,
    contexte_pieces,
    forfaits_du_dossier,
    lignes_indicateurs,
    template_de_page,
)
from dossiers.contributions import INSTRUCTION, contexte_contribue
from dossiers.eligibilite import controles
from dossiers.enums import (
    MOTIFS_ARS,
    Avancement,
    DecisionDomaine,
    DecisionPrerequis,
    Etat,
    MotifRefus,
)
from dossiers.forms import donnees_de_la_page
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
from hn.champs import ENTIER_MAX, case_cochee, filtre_entier, filtre_slug, filtre_texte
from hn.comptes.enums import Role
from hn.comptes.perms import peut_saisir
from hn.comptes.scopes import acces
from hn.referentiel.models import Etablissement, Programme, Region

TRIS = {
    "numero": "numero",
    "nom": "nom",
    "etat": "etat",
    "depose_le": "depose_le",
    "echeance": "echeance_decision",
}


@login_required
def liste(request):
    a = acces(request.user)
    qs = Dossier.objects.visibles_par(request.user).select_related(
        "programme", "etablissement__region"
    )
    filtres = {k: filtre_texte(request.GET, k) for k in ("programme", "etat", "region", "q")}
    if filtres["programme"]:
        qs = qs.filter(programme__code=filtres["programme"])
    if filtres["etat"]:
        qs = qs.filter(etat=filtres["etat"])
    if filtres["region"]:
        qs = qs.filter(region__code=filtres["region"])
    if filtres["q"]:
        qs = qs.filter(
            Q(nom__icontains=filtres["q"])
            | Q(numero__icontains=filtres["q"])
            | Q(etablissement__finess__startswith=filtres["q"])
        )
    tri = filtre_texte(request.GET, "tri") or "-numero"
    champ = TRIS.get(tri.lstrip("-"), "numero")
    ordre = [f"-{champ}" if tri.startswith("-") else champ]
    if champ != "numero":  # unique: no tie to break, the (région, -numero) index serves it
        ordre.append("-pk")
    tableau = tableau_de_bord(request.user)
    paginator = PaginatorParIds(qs.order_by(*ordre), 25)
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
            "tri": tri,
            "etats": Etat.choices,
            "programmes": Programme.objects.all(),
            "regions": Region.objects.actuelles() if a.national else None,
            **demandes,
            "peut_initialiser": bool(a.regions_instruction) or a.superuser,
            "gestionnaire_de": gestionnaire_de,
            "tableau": tableau,
        },
    )


@login_required
def tableau(request):
    """The dashboard alone: the national level's and the ARS's figures, without the list."""
    tableau = tableau_de_bord(request.user)
    if tableau is None:
        raise PermissionDenied
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
        messages.error(request, "Choisissez un établissement et un programme.")
        return redirect("dossiers:liste")
    try:
        demande = actions.demander_initialisation(
            programme=programme, etablissement=etab, acting_user=request.user
        )
    except actions.DossierError as exc:
        messages.error(request, exc.message)
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
    erreur = None
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
            erreur = f"Aucun établissement de votre région n'a le FINESS « {valeurs['finess']} »."
        elif programme is None:
            erreur = "Choisissez le programme."
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
                erreur = exc.message
            else:
                messages.success(request, f"Dossier {dossier.numero} initialisé.")
                return redirect("dossiers:detail", numero=dossier.numero)
    return render(
        request,
        "dossiers/initialiser.html",
        {
            "title": "Initialiser un dossier",
            "valeurs": valeurs,
            "erreur": erreur,
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
    errors, posted = {}, None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Ce dossier n'est pas modifiable par votre rôle.")
        data = donnees_de_la_page(courante, request.POST, dossier)
        try:
            enregistrer_saisie(dossier=dossier, data=data, acting_user=request.user)
        except actions.DossierError as exc:
            errors = exc.errors or {"__all__": [exc.message]}
            posted = request.POST
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
        posted=posted,
        avancements=Avancement.choices,
        page_template=template_de_page(courante),
    )
    if contenu is not None:
        context.update(contexte_page(dossier, courante, contenu))
        if courante.prerequis_id or courante.slug == "projet":
            context.update(contexte_pieces(request.user, dossier, courante))
    return render(request, "dossiers/page.html", context, status=400 if errors else 200)


@login_required
def deposer(request, numero):
    dossier = get_dossier_for_user(request.user, numero, write=True)
    if request.method == "POST":
        try:
            actions.deposer(dossier=dossier, acting_user=request.user)
        except actions.DepotIncomplet as exc:
            messages.error(request, exc.message)
        except actions.TransitionRefusee as exc:
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
        ),
    )


def _valider_prerequis(request, dossier) -> str:
    actions.valider_prerequis(
        dossier=dossier,
        decisions={
            p.code: request.POST[f"prerequis.{p.code}"]
            for p in dossier.programme.prerequis.all()
            if request.POST.get(f"prerequis.{p.code}")
        },
        commentaire=request.POST.get("commentaire_prerequis", ""),
        acting_user=request.user,
    )
    return "Validation des prérequis enregistrée."


def _valider_domaines(request, dossier) -> str:
    actions.valider_domaines(
        dossier=dossier,
        decisions={
            dd.domaine.code: (
                request.POST.get(f"domaines.{dd.domaine.code}", ""),
                request.POST.get(f"domaines.{dd.domaine.code}.commentaire", ""),
            )
            for dd in dossier.domaines.select_related("domaine")
            if dd.demande and request.POST.get(f"domaines.{dd.domaine.code}")
        },
        acting_user=request.user,
    )
    return "Sélection des domaines enregistrée."


def _accepter(request, dossier) -> str:
    accepte = actions.accepter(
        dossier=dossier,
        commentaire=request.POST.get("commentaire", ""),
        acting_user=request.user,
        amorcage={
            k.removeprefix("amorcage."): v.strip()
            for k, v in request.POST.items()
            if k.startswith("amorcage.") and v.strip()
        },
        derogation=case_cochee(request.POST, "derogation"),
    )
    messages.success(
        request,
        "Dossier accepté : ses forfaits sont engagés sur l'enveloppe régionale et il "
        "passe en suivi de projet.",
    )
    for avertissement in accepte.avertissements:
        messages.warning(request, avertissement)
    return ""  # the messages are already given, the warnings after the success


def _reporter(request, dossier) -> str:
    actions.reporter(
        dossier=dossier, commentaire=request.POST.get("commentaire", ""), acting_user=request.user
    )
    return "Dossier reporté : il est renvoyé à l'établissement."


def _refuser(request, dossier) -> str:
    actions.refuser(
        dossier=dossier,
        motif=request.POST.get("motif", ""),
        commentaire=request.POST.get("commentaire", ""),
        acting_user=request.user,
    )
    return "Dossier refusé."


def _clore(request, dossier) -> str:
    actions.clore(
        dossier=dossier,
        motif=request.POST.get("motif_cloture", ""),
        commentaire=request.POST.get("commentaire_cloture", ""),
        acting_user=request.user,
    )
    return "Dossier clos."


def _commenter_pages(request, dossier) -> str:
    for page_code in actions.COMMENTAIRES_DE_PAGE:
        actions.commenter_page(
            dossier=dossier,
            page=page_code,
            texte=request.POST.get(f"commentaire_{page_code}", ""),
            acting_user=request.user,
        )
    return "Commentaires des pages 2 et 3 enregistrés."


def _commenter(request, dossier) -> str:
    actions.commenter(
        dossier=dossier, texte=request.POST.get("texte", ""), acting_user=request.user
    )
    return "Commentaire ajouté."


# The instruction page's forms: the posted "etape" -> what it does; each returns its success
# message (raises the actions' errors).
ETAPES_INSTRUCTION = {
    "prerequis": _valider_prerequis,
    "domaines": _valider_domaines,
    "accepter": _accepter,
    "reporter": _reporter,
    "refuser": _refuser,
    "clore": _clore,
    "commentaires_pages": _commenter_pages,
    "commenter": _commenter,
}


@login_required
def instruction(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    exiger_instruction(request.user, dossier)
    errors = {}
    if request.method == "POST":
        etape = ETAPES_INSTRUCTION.get(request.POST.get("etape"))
        if etape is None:
            raise Http404("Étape inconnue.")
        try:
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
        _contexte_instruction(request, dossier, errors),
        status=400 if errors else 200,
    )


def _contexte_instruction(request, dossier, errors) -> dict:
    contenu, _source, depot = contenu_lisible(request.user, dossier)
    decisions = {d.prerequis_id: d.decision for d in dossier.decisions_prerequis.all()}
    prerequis = list(dossier.programme.prerequis.prefetch_related("indicateurs"))
    demandes = domaines_demandes(contenu)
    domaines = [
        dd for dd in dossier.domaines.select_related("domaine") if dd.domaine.code in demandes
    ]
    forfaits, _ = forfaits_du_dossier(dossier)
    return contexte_dossier(
        request,
        dossier,
        title=f"Instruction du dossier {dossier.numero}",
        contenu=contenu,
        depot=depot,
        prerequis=[
            {
                "prerequis": p,
                "decision": decisions.get(p.pk, ""),
                "lignes": lignes_indicateurs(p.indicateurs.all(), contenu),
            }
            for p in prerequis
        ],
        domaines=[{"dd": dd, "forfait": forfaits.get(dd.domaine.code)} for dd in domaines],
        tous_acceptes=all(decisions.get(p.pk) == DecisionPrerequis.ACCEPTE for p in prerequis),
        tous_refuses=bool(domaines)
        and all(dd.decision == DecisionDomaine.NON_SELECTIONNE for dd in domaines),
        raisons=dossier.raisons_non_acceptable(),
        motifs=MotifRefus.choices,
        motifs_cloture=[(m.value, m.label) for m in MOTIFS_ARS],
        errors=errors,
        decisions_prerequis=DecisionPrerequis.choices,
        decisions_domaines=DecisionDomaine.choices,
        commentaires=dossier.commentaires.select_related("auteur"),
        controles=controles(dossier, contenu),
        **contexte_contribue(INSTRUCTION, dossier),  # the région's envelope (enveloppes)
        saisie=request.POST if request.method == "POST" else {},
    )


# --- attachments (pages "prérequis" and "projet") ------------------------------------------


def _retour(numero, request):
    """Back to the posting page; anything but a page's slug (a URL, a host) to the first."""
    slug = filtre_slug(request.POST, "retour", defaut="engagements")
    return redirect("dossiers:page", numero=numero, slug=slug)


def _message_piece(request, exc):
    if isinstance(exc, actions.DossierError):
        details = [m for msgs in exc.errors.values() for m in msgs] or [exc.message]
        messages.error(request, " ".join(details))
    else:
        messages.error(request, exc.message)


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
        _message_piece(request, exc)
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
        _message_piece(request, exc)
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
