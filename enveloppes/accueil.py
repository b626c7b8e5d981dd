"""The envelopes' part of the home page (hn.accueil), registered by EnveloppesConfig.ready()."""

from enveloppes.models import Enveloppe
from hn.accueil import contribution_accueil


@contribution_accueil
def accueil(acces) -> dict:
    """The national level: how many regional envelopes there are."""
    if not acces.national:
        return {}
    return {"nb_enveloppes": Enveloppe.objects.count()}
