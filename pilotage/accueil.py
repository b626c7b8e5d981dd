"""The pilotage's part of the home page (hn.accueil), registered by PilotageConfig.ready()."""

from hn.accueil import contribution_accueil


@contribution_accueil
def accueil(acces) -> dict:
    """The national level and the ARS: a link to the dashboards (no query)."""
    if not (acces.national or acces.regions_lecture):
        return {}
    return {"pilotage_accueil": {"national": acces.national}}
