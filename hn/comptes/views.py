from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hn.comptes import actions, mfa, verrouillage
from hn.comptes.forms import CompteForm, RoleForm
from hn.comptes.models import Attribution, User
from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste

# The lists' files: the columns of their tables, the actions left out.
ENTETES_COMPTES = ["Identifiant", "Nom", "Rôles"]
ENTETES_BLOCAGES = ["Identifiant", "Adresse", "Échecs", "Dernier échec"]


def _attributions_administrables(user):
    a = acces(user)
    if not a.administrateur:
        raise PermissionDenied("Réservé aux administrateurs.")
    qs = Attribution.objects.select_related("etablissement", "region", "user")
    if a.superuser or a.admin_national:
        return qs
    return qs.filter(
        Q(etablissement_id__in=a.admin_etablissements)
        | Q(region_id__in=a.admin_regions)
        | Q(etablissement__region_id__in=a.admin_regions)
    )


@login_required
def liste(request):
    attributions = _attributions_administrables(request.user)
    users = (
        User.objects.filter(pk__in=attributions.values("user_id"))
        .prefetch_related(
            Prefetch(
                "attributions",
                queryset=attributions.order_by("perimetre", "role"),
                to_attr="attributions_visibles",
            )
        )
        .order_by("username")
    )
    if format_ := format_demande(request):
        lignes = [
            [
                u.username,
                u.get_full_name(),
                "\n".join(
                    f"{a.get_role_display()} — {a.portee_libelle}" for a in u.attributions_visibles
                ),
            ]
            for u in users
        ]
        return reponse_liste(format_, "comptes", "Comptes", ENTETES_COMPTES, lignes)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "comptes/liste.html", {"title": "Comptes", "page_obj": page})


def _appliquer(form, callback, request):
    try:
        return callback()
    except actions.RoleError as exc:
        form.add_error(exc.champ, exc.message)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


@login_required
def creer(request):
    _attributions_administrables(request.user)
    form = CompteForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = _appliquer(
            form,
            lambda: actions.creer_compte(
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password"] or None,
                role=data["role"],
                etablissement=data["etablissement"],
                region=data["region_obj"],
                acting_user=request.user,
            ),
            request,
        )
        if user is not None:
            messages.success(request, f"Le compte {user.username} a été créé.")
            return redirect("comptes:liste")
    return render(request, "comptes/form.html", {"title": "Créer un compte", "form": form})


@login_required
def ajouter_role(request, username):
    attributions = _attributions_administrables(request.user)
    user = get_object_or_404(
        User.objects.filter(pk__in=attributions.values("user_id")), username=username
    )
    form = RoleForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attribution = _appliquer(
            form,
            lambda: actions.attribuer_role(
                user=user,
                role=data["role"],
                etablissement=data["etablissement"],
                region=data["region_obj"],
                acting_user=request.user,
            ),
            request,
        )
        if attribution is not None:
            messages.success(request, f"Rôle attribué : {attribution}.")
            return redirect("comptes:liste")
    return render(
        request,
        "comptes/form.html",
        {"title": f"Attribuer un rôle à {user.username}", "form": form, "compte": user},
    )


@login_required
@require_POST
def retirer_role(request, pk):
    attribution = get_object_or_404(_attributions_administrables(request.user), pk=pk)
    actions.retirer_role(attribution=attribution, acting_user=request.user)
    messages.success(request, f"Rôle retiré : {attribution}.")
    return redirect("comptes:liste")


def _comptes_administrables(user):
    """The usernames the user administers (a subquery), or None for all (national level)."""
    a = acces(user)
    if a.superuser or a.admin_national:
        return None
    attributions = _attributions_administrables(user)
    return User.objects.filter(pk__in=attributions.values("user_id")).values("username")


@login_required
def blocages(request):
    comptes = _comptes_administrables(request.user)
    lignes = verrouillage.blocages()
    if comptes is not None:
        lignes = lignes.filter(username__in=comptes)
    if format_ := format_demande(request):
        rangees = [[b["username"], b["ip_address"], b["echecs"], b["derniere"]] for b in lignes]
        return reponse_liste(
            format_, "connexions-bloquees", "Connexions bloquées", ENTETES_BLOCAGES, rangees
        )
    return render(
        request,
        "comptes/blocages.html",
        {
            "title": "Connexions bloquées",
            "lignes": list(lignes[:200]),
            "limite": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@login_required
@require_POST
def debloquer(request):
    comptes = _comptes_administrables(request.user)
    username = request.POST.get("username", "").strip()
    ip_address = request.POST.get("ip_address", "").strip()
    if not username or not ip_address:
        messages.error(request, "Indiquez l'identifiant et l'adresse à débloquer.")
    else:
        verrouillage.debloquer(
            username=username,
            ip_address=ip_address,
            comptes_administrables=comptes,
            acting_user=request.user,
        )
        messages.success(
            request, f"Les connexions de {username} depuis {ip_address} sont débloquées."
        )
    return redirect("comptes:blocages")


@login_required
def reinitialiser_mfa(request, username):
    """A scope's administrator resets an account's second factor (lost phone), traced."""
    attributions = _attributions_administrables(request.user)
    user = get_object_or_404(
        User.objects.filter(pk__in=attributions.values("user_id")), username=username
    )
    if request.method == "POST":
        if user.mfa_active:
            portee = attributions.filter(user=user).first()
            mfa.reinitialiser(
                user,
                acting_user=request.user,
                etablissement=portee.etablissement,
                region=portee.region,
            )
            messages.success(
                request,
                f"La double authentification de {user.username} a été réinitialisée : "
                "ses jetons d'API sont révoqués et il l'activera de nouveau à sa prochaine "
                "connexion.",
            )
        else:
            messages.info(request, f"{user.username} n'a pas de double authentification active.")
        return redirect("comptes:liste")
    return render(
        request,
        "comptes/mfa_reinitialiser.html",
        {"title": f"Réinitialiser la double authentification de {user.username}", "compte": user},
    )
