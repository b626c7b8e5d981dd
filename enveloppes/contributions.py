"""What enveloppes adds to the dossier's pages (registered in EnveloppesConfig.ready())."""

from dossiers.contributions import INSTRUCTION, contribuer
from enveloppes.models import enveloppe_de
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


def enregistrer() -> None:
    contribuer(INSTRUCTION, contexte_instruction)
