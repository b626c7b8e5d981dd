"""Account and role operations: atomic, authorised, traced (Zulip's do_* style)."""

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from guardian.shortcuts import assign_perm

from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import Attribution, User
from hn.comptes.perms import peut_administrer
from hn.comptes.roles import PERMISSIONS, ROLE_CUMULABLE, ROLES_PAR_PERIMETRE
from hn.comptes.scopes import oublier
from hn.journal.services import tracer


class RoleError(Exception):
    """A role change that the rules refuse; ``message`` is French, for the user, and
    ``champ`` the form field it concerns (None: the whole request)."""

    def __init__(self, message: str, champ: str | None = None):
        super().__init__(message)
        self.message = message
        self.champ = champ


def perimetre_de(*, etablissement=None, region=None) -> str:
    if etablissement is not None and region is not None:
        raise RoleError("Un rôle porte sur un établissement ou sur une ARS, pas les deux.")
    if etablissement is not None:
        return Perimetre.ETABLISSEMENT
    if region is not None:
        if not region.est_actuelle:
            raise RoleError("Une ARS correspond à une région actuelle (découpage 2016).")
        return Perimetre.ARS
    return Perimetre.NATIONAL


def _nom_groupe(perimetre, role, *, etablissement=None, region=None) -> str:
    cle = {
        Perimetre.ETABLISSEMENT: lambda: etablissement.finess,
        Perimetre.ARS: lambda: region.code,
        Perimetre.NATIONAL: lambda: "dgos",
    }[perimetre]()
    return f"{perimetre}:{cle}:{role}"


def groupe_du_role(perimetre, role, *, etablissement=None, region=None) -> Group:
    """The guardian group of one role in one scope, created with its rights on first use."""
    nom = _nom_groupe(perimetre, role, etablissement=etablissement, region=region)
    group, created = Group.objects.get_or_create(name=nom)
    if created:
        for codename in PERMISSIONS[(perimetre, role)]:
            if perimetre == Perimetre.NATIONAL:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="referentiel", codename=codename)
                )
            else:
                assign_perm(f"referentiel.{codename}", group, etablissement or region)
    return group


def _message_conflit(user, perimetre, existant) -> str:
    return (
        f"Le compte {user.username} a déjà le rôle « {existant.get_role_display()} » sur "
        f"{existant.portee_libelle} : un seul rôle par périmètre. Retirez-le d'abord."
    )


@transaction.atomic
def attribuer_role(
    *, user: User, role: str, etablissement=None, region=None, acting_user, systeme=False
) -> Attribution:
    """``systeme=True`` (demo data, commands): no acting administrator, traced as the system."""
    perimetre = perimetre_de(etablissement=etablissement, region=region)
    if not systeme and not peut_administrer(
        acting_user, perimetre, etablissement=etablissement, region=region
    ):
        raise PermissionDenied("Vous ne pouvez pas administrer les comptes de ce périmètre.")
    if role not in ROLES_PAR_PERIMETRE[perimetre]:
        raise RoleError(
            f"Le rôle « {Role(role).label} » n'existe pas pour le périmètre "
            f"« {Perimetre(perimetre).label} »."
        )
    memes = Attribution.objects.select_for_update().filter(
        user=user, perimetre=perimetre, etablissement=etablissement, region=region
    )
    for existant in memes:
        if existant.role == role:
            raise RoleError(f"Le compte {user.username} a déjà ce rôle sur ce périmètre.")
        if role != ROLE_CUMULABLE and existant.role != ROLE_CUMULABLE:
            raise RoleError(_message_conflit(user, perimetre, existant))
    attribution = Attribution(
        user=user, perimetre=perimetre, role=role, etablissement=etablissement, region=region
    )
    try:
        with transaction.atomic():
            attribution.save()
    except IntegrityError as exc:
        # A concurrent assignment won the race: the constraint keeps the state consistent.
        raise RoleError(
            f"Le compte {user.username} a déjà un rôle sur ce périmètre : un seul rôle par "
            "périmètre."
        ) from exc
    user.groups.add(groupe_du_role(perimetre, role, etablissement=etablissement, region=region))
    oublier(user)
    tracer(
        "role_attribue",
        acteur=acting_user,
        objet=user,
        etablissement=etablissement,
        region=region,
        apres={"role": role, "perimetre": perimetre, "portee": attribution.portee_libelle},
    )
    return attribution


@transaction.atomic
def retirer_role(*, attribution: Attribution, acting_user) -> None:
    attribution = Attribution.objects.select_for_update().get(pk=attribution.pk)
    if not peut_administrer(
        acting_user,
        attribution.perimetre,
        etablissement=attribution.etablissement,
        region=attribution.region,
    ):
        raise PermissionDenied("Vous ne pouvez pas administrer les comptes de ce périmètre.")
    user = attribution.user
    group = groupe_du_role(
        attribution.perimetre,
        attribution.role,
        etablissement=attribution.etablissement,
        region=attribution.region,
    )
    avant = {
        "role": attribution.role,
        "perimetre": attribution.perimetre,
        "portee": attribution.portee_libelle,
    }
    etablissement, region = attribution.etablissement, attribution.region
    attribution.delete()
    user.groups.remove(group)
    oublier(user)
    tracer(
        "role_retire",
        acteur=acting_user,
        objet=user,
        etablissement=etablissement,
        region=region,
        avant=avant,
    )


@transaction.atomic
def creer_compte(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None,
    role: str,
    etablissement=None,
    region=None,
    acting_user,
) -> User:
    """Create an account with its first role (an account without a role sees nothing)."""
    if User.objects.filter(username__iexact=username).exists():
        raise RoleError(f"L'identifiant « {username} » est déjà utilisé.", "username")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise RoleError(" ".join(exc.messages), "password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    tracer(
        "compte_cree",
        acteur=acting_user,
        objet=user,
        etablissement=etablissement,
        region=region,
        apres={"username": username, "email": email},
    )
    attribuer_role(
        user=user, role=role, etablissement=etablissement, region=region, acting_user=acting_user
    )
    return user
