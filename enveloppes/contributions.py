"""What enveloppes adds to the dossier's pages (registered in EnveloppesConfig.ready())."""

from dossiers.contributions import CLOTURE, INSTRUCTION, contribuer
from enveloppes.models import MouvementEnveloppe, enveloppe_de
from enveloppes.regles import MouvementRefuse


def contexte_instruction(dossier) -> dict:
    """The région's envelope on the instruction page, for the amorçage decision: its
    situation (ceiling and what is left) and whether amorçage by derogation is possible. An
    envelope that cannot be determined (no pre-2016 région, none published) is told on the
    page; accepting is then refused by the ledger with the same message."""
    try:
        enveloppe = enveloppe_de(dossier)
    except MouvementRefuse as exc:
        return {"enveloppe": None, "enveloppe_indeterminee": exc.message}
    return {
        "enveloppe": enveloppe,
        "situation": enveloppe.situation() if enveloppe else None,
        "derogation_possible": bool(enveloppe and enveloppe.parametres().derogation_echeance),
    }


def montants_a_la_cloture(dossier) -> dict:
    """What closing each domaine of the dossier would do on its envelope, as
    ``regles.cloture`` computes it on the current figures: the unpaid engagement released,
    the paid amorçage not yet claimed made repayable. Keyed by DomaineDossier id."""
    try:
        enveloppe = enveloppe_de(dossier)
    except MouvementRefuse:
        return {}
    par_domaine = MouvementEnveloppe.objects.filter(
        enveloppe=enveloppe, dossier=dossier
    ).par_domaine()
    return {
        "montants_cloture": {
            pk: {
                "engage_libere": c.engage - c.consomme,
                "amorcage_remboursable": c.consomme_amorcage - c.du_amorcage,
            }
            for pk, c in par_domaine.items()
        }
    }


def enregistrer() -> None:
    contribuer(INSTRUCTION, contexte_instruction)
    contribuer(CLOTURE, montants_a_la_cloture)
