"""The tenant-scoping layer: what a user may see, from their role attributions.

Every view and API endpoint filters through :func:`acces` (one query per request, cached on the
user object). Another tenant's object is simply absent from the querysets, hence a 404.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from hn.comptes.enums import Perimetre, Role

_CACHE_ATTR = "_hn_acces"


@dataclass(frozen=True)
class Acces:
    authentifie: bool = False
    superuser: bool = False
    role_national: str | None = None
    admin_national: bool = False
    # functional role per établissement id / région id
    etablissements: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)
    admin_etablissements: frozenset = frozenset()
    admin_regions: frozenset = frozenset()

    @property
    def national(self) -> bool:
        return self.superuser or self.role_national is not None

    @property
    def pilote(self) -> bool:
        return self.superuser or self.role_national == Role.NATIONAL_PILOTE

    @property
    def etablissements_lecture(self) -> frozenset:
        return frozenset(self.etablissements)

    @property
    def regions_lecture(self) -> frozenset:
        return frozenset(self.regions)

    @property
    def agent(self) -> bool:
        """An agent of the State (ARS or national role, administrator): what the second factor
        and the idle-session limit apply to."""
        return self.national or bool(self.regions) or self.administrateur

    @property
    def regions_instruction(self) -> frozenset:
        """The régions whose dossiers the user instructs (ARS valideur: the CMSI)."""
        return frozenset(r for r, role in self.regions.items() if role == Role.ARS_VALIDEUR)

    @property
    def administrateur(self) -> bool:
        return (
            self.superuser
            or self.admin_national
            or bool(self.admin_regions)
            or bool(self.admin_etablissements)
        )

    def roles(self) -> set[str]:
        found = set(self.etablissements.values()) | set(self.regions.values())
        if self.role_national:
            found.add(self.role_national)
        if self.administrateur:
            found.add(Role.ADMINISTRATEUR)
        return found

    def filtrer_etablissements(self, queryset):
        if self.national:
            return queryset
        return queryset.filter(
            Q(pk__in=self.etablissements_lecture) | Q(region_id__in=self.regions_lecture)
        )


def acces(user) -> Acces:
    """The user's access, computed once per user object (one query)."""
    if user is None or not user.is_authenticated:
        return Acces()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    role_national = None
    admin_national = False
    etablissements, regions = {}, {}
    admin_etablissements, admin_regions = set(), set()
    for perimetre, role, etablissement_id, region_id in user.attributions.values_list(
        "perimetre", "role", "etablissement_id", "region_id"
    ):
        if perimetre == Perimetre.NATIONAL:
            if role == Role.ADMINISTRATEUR:
                admin_national = True
            else:
                role_national = role
        elif perimetre == Perimetre.ARS:
            if role == Role.ADMINISTRATEUR:
                admin_regions.add(region_id)
            else:
                regions[region_id] = role
        elif role == Role.ADMINISTRATEUR:
            admin_etablissements.add(etablissement_id)
        else:
            etablissements[etablissement_id] = role
    result = Acces(
        authentifie=True,
        superuser=user.is_superuser,
        role_national=role_national,
        admin_national=admin_national,
        etablissements=etablissements,
        regions=regions,
        admin_etablissements=frozenset(admin_etablissements),
        admin_regions=frozenset(admin_regions),
    )
    setattr(user, _CACHE_ATTR, result)
    return result


def oublier(user) -> None:
    """Drop the cached access (after a role change on this user object)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
