"""Permission rules as plain functions. Object rights are read from django-guardian (group
object permissions kept in sync with role attributions by hn.comptes.actions)."""

from guardian.core import ObjectPermissionChecker

from hn.comptes.enums import Perimetre
from hn.comptes.scopes import acces


def peut_consulter_etablissement(user, etablissement) -> bool:
    a = acces(user)
    return (
        a.national or etablissement.pk in a.etablissements or etablissement.region_id in a.regions
    )


def peut_saisir(user, etablissement) -> bool:
    """Enter data, upload, deposit for this établissement (ES gestionnaire)."""
    return user.has_perm("referentiel.saisir_dossiers", etablissement)


def peut_instruire(user, region) -> bool:
    """Instruct the région's dossiers (ARS valideur, the CMSI)."""
    return user.has_perm("referentiel.instruire_dossiers", region)


def peut_piloter(user) -> bool:
    return acces(user).pilote


def peut_administrer(user, perimetre, *, etablissement=None, region=None) -> bool:
    """May ``user`` create accounts and assign roles in this scope?

    National administrators: every scope. ARS administrators: their ARS and the
    établissements of their région. ES administrators: their établissement.
    """
    a = acces(user)
    if a.superuser or a.admin_national:
        return True
    if perimetre == Perimetre.NATIONAL:
        return False
    if perimetre == Perimetre.ARS:
        return region is not None and user.has_perm(
            "referentiel.administrer_comptes_region", region
        )
    if etablissement is None:
        return False
    return user.has_perm(
        "referentiel.administrer_comptes_etablissement", etablissement
    ) or user.has_perm("referentiel.administrer_comptes_region", etablissement.region)


DROIT_SAISIE = "Saisie et dépôt"
DROIT_INSTRUCTION = "Instruction (CMSI)"
DROIT_CONSULTATION = "Consultation"


def droits_sur_etablissements(user, etablissements) -> dict[int, str]:
    """The caller's right on each établissement of a list, for display.

    guardian's ``prefetch_perms`` loads the object permissions of the whole page (établissements
    and their régions) in a fixed number of queries, whatever the number of rows.
    """
    etablissements = list(etablissements)
    if not etablissements:
        return {}
    a = acces(user)
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(etablissements)
    regions = {e.region_id: e.region for e in etablissements}
    checker.prefetch_perms(list(regions.values()))
    droits = {}
    for etab in etablissements:
        if checker.has_perm("saisir_dossiers", etab):
            droits[etab.pk] = DROIT_SAISIE
        elif checker.has_perm("instruire_dossiers", etab.region):
            droits[etab.pk] = DROIT_INSTRUCTION
        elif (
            a.national
            or checker.has_perm("consulter_dossiers", etab)
            or checker.has_perm("consulter_dossiers_region", etab.region)
        ):
            droits[etab.pk] = DROIT_CONSULTATION
    return droits
