"""The audits' part of the home page (hn.accueil), registered by AuditsConfig.ready()."""

from hn.accueil import contribution_accueil
from hn.comptes.enums import Role


@contribution_accueil
def accueil(acces) -> dict:
    """The ARS and the national level: a link to the audits; an ARS auditeur: « Mes audits »,
    their home in the platform."""
    if not (acces.national or acces.regions):
        return {}
    auditeur = Role.ARS_AUDITEUR in acces.regions.values()
    return {
        "audits_accueil": {
            "auditeur": auditeur,
            "valideur": bool(acces.regions_instruction),
        }
    }
