"""Demo money (``python manage.py demo``): the weight of each former région (its HN envelope)
that spreads the demo établissements, the amorçage decided at a demo acceptance, and the
payments recorded on the ledger. Called by the orchestrator (``hn.demo``)."""

from decimal import Decimal

from dossiers.enums import DecisionDomaine
from enveloppes import actions
from enveloppes.enums import Volet
from enveloppes.models import Enveloppe


def poids_des_regions() -> dict[str, Decimal]:
    """Former région code -> its published HN envelope: the demo's établissements are spread
    over the former régions roughly in proportion to it."""
    return {
        e.region.code: e.montant_publie
        for e in Enveloppe.objects.filter(programme__code="HN").select_related("region")
    }


def amorcage_demo(dossier) -> dict:
    """About 15 % of each selected domaine's forfait, to the euro."""
    forfaits = actions.forfaits_du_dossier(dossier)
    return {
        dd.domaine.code: (Decimal(forfaits[dd.domaine.code][0]) * Decimal("0.15")).quantize(1)
        for dd in dossier.domaines.select_related("domaine")
        if dd.decision == DecisionDomaine.SELECTIONNE
    }


def verser(dossier, domaine: str, volet: str, valideur):
    """The ARS pays what is due on one domaine's volet (amorçage decided or usage notified)."""
    return actions.verser(dossier=dossier, domaine=domaine, volet=volet, acting_user=valideur)


def verser_amorcage(dossier, valideur):
    """The amorçage decided at the acceptance is paid on every domaine in follow-up."""
    for dd in dossier.domaines.select_related("domaine"):
        if dd.suivi:
            verser(dossier, dd.domaine.code, Volet.AMORCAGE, valideur)
