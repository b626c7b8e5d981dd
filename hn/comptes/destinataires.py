"""Who is told about what: the accounts holding a role in a scope (notification recipients)."""

from django.db.models import QuerySet

from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import User

ROLES_ETABLISSEMENT = (Role.ES_GESTIONNAIRE, Role.ES_LECTEUR)
ROLES_INSTRUCTION = (Role.ARS_VALIDEUR,)
ROLES_ARS = (Role.ARS_VALIDEUR, Role.ARS_LECTEUR)
ROLES_NATIONAUX = (Role.NATIONAL_PILOTE, Role.NATIONAL_LECTEUR)


def _comptes(**filtre) -> QuerySet:
    return User.objects.filter(is_active=True, **filtre).distinct()


def comptes_etablissement(etablissement, roles=ROLES_ETABLISSEMENT) -> QuerySet:
    return _comptes(
        attributions__perimetre=Perimetre.ETABLISSEMENT,
        attributions__etablissement=etablissement,
        attributions__role__in=roles,
    )


def comptes_region(region, roles=ROLES_INSTRUCTION) -> QuerySet:
    return _comptes(
        attributions__perimetre=Perimetre.ARS,
        attributions__region=region,
        attributions__role__in=roles,
    )


def comptes_nationaux(roles=ROLES_NATIONAUX) -> QuerySet:
    return _comptes(attributions__perimetre=Perimetre.NATIONAL, attributions__role__in=roles)
