"""Each programme's envelope rules, with their sources.

The share of amorçage is programme data (``Programme.part_amorcage``, from the fixtures) and
the derogation deadline is read from the programme's calendar (``Echeance``). The other
parameters below are not in the référentiel yet: they are keyed by programme code, each with
the text it comes from, and belong in the programme fixtures once the loader reads them. A
programme absent from this table gets the 20 % rule only (no yearly cap, no derogation).
"""

from decimal import Decimal

from enveloppes.regles import ParametresEnveloppe

PUBLIES: dict[str, dict] = {
    "HN": {
        # "les dossiers sélectionnés par l'ARS ne peuvent représenter plus de : en 2013 : 40 %
        # de son enveloppe régionale, en 2014 : 40 % [...], en 2015 : 20 % [...]" [000 A1 §4]
        "plafonds_annuels": {
            2013: Decimal("0.40"),
            2014: Decimal("0.40"),
            2015: Decimal("0.20"),
        },
    },
    "HOPEN": {
        # "Les financements délégués représentent en volume, 30 % des crédits d'amorçage de la
        # région, et jusqu'à 50 % si le nombre d'établissements ayant atteint les prérequis
        # HOP'EN est insuffisant." [003 §5.1] — the funds are delegated by the DGOS [003 A2 §3]:
        # raising the share is a national decision (DecisionDerogation).
        "derogation_taux": Decimal("0.30"),
        "derogation_taux_max": Decimal("0.50"),
        # "Les prérequis doivent être atteints au plus tard le 01 janvier 2021" [003 A2 §2]
        "derogation_echeance": "prerequis_hopen",
        # "L'enveloppe régionale sera déduite des montants récupérés." [003 A2 §2, A4]
        "reprise_des_remboursements": True,
        # "Il remboursera les montants perçus au titre de l'amorçage et de l'usage" [003 A4]
        "usage_remboursable_apres_audit": True,
    },
}


def parametres_de(programme) -> ParametresEnveloppe:
    valeurs = dict(PUBLIES.get(programme.code, {}))
    code_echeance = valeurs.pop("derogation_echeance", None)
    echeance = None
    if code_echeance:
        echeance = (
            programme.calendrier.filter(code=code_echeance).values_list("date", flat=True).first()
        )
    return ParametresEnveloppe(
        part_amorcage=programme.part_amorcage, derogation_echeance=echeance, **valeurs
    )
