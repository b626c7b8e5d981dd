"""What enveloppes adds to the dossier's pages (registered in EnveloppesConfig.ready())."""

from dossiers.contributions import INSTRUCTION, contribuer
from enveloppes.models import enveloppe_de


def contexte_instruction(dossier) -> dict:
    """The région's envelope on the instruction page, for the amorçage decision: its
    situation (ceiling and what is left) and whether amorçage by derogation is possible."""
    enveloppe = enveloppe_de(dossier)
    return {
        "enveloppe": enveloppe,
        "situation": enveloppe.situation() if enveloppe else None,
        "derogation_possible": bool(enveloppe and enveloppe.parametres().derogation_echeance),
    }


def enregistrer() -> None:
    contribuer(INSTRUCTION, contexte_instruction)
