"""The national synthesis of a programme for a year: every région side by side (issue 19).

One row per région with the figures of its annual synthesis's "Synthèse" section (the
envelope at 31/12 and the change over the year, ``tableaux.lignes_synthese`` on the same
``regles.situation``: the figures agree to the cent with each regional synthesis), and the
total of the régions. Three queries whatever the number of régions: the envelopes, then the
ledger summed per envelope up to 31/12 of the year and up to 31/12 of the year before.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from enveloppes import regles
from enveloppes.models import Enveloppe, MouvementEnveloppe
from enveloppes.tableaux import LIGNES_SITUATION, lignes_synthese, parametres
from hn.dates import aujourd_hui
from hn.exports import Classeur
from hn.referentiel.enums import Decoupage


@dataclass
class LigneRegionale:
    """A région's row: its envelope, its situation at 31/12 of the year before and of the year."""

    enveloppe: Enveloppe
    debut: regles.Situation
    fin: regles.Situation

    @property
    def lignes(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """As ``Synthese.lignes``: (attribute, label, at 31/12, change over the year)."""
        return lignes_synthese(self.debut, self.fin)


def lignes_regionales(programme, annee: int) -> list[LigneRegionale]:
    """Every région's envelope of ``programme`` (in its découpage), by région name."""
    enveloppes = list(
        Enveloppe.objects.filter(programme=programme, region__decoupage=programme.decoupage)
        .select_related("programme", "region", "region__region_actuelle")
        .order_by("region__nom", "region__code")
    )
    mouvements = MouvementEnveloppe.objects.filter(enveloppe__in=[e.pk for e in enveloppes])
    fin = mouvements.filter(date__lte=dt.date(annee, 12, 31)).par("enveloppe")
    debut = mouvements.filter(date__lte=dt.date(annee - 1, 12, 31)).par("enveloppe")
    vide = regles.Compteurs()
    return [
        LigneRegionale(
            e,
            regles.situation(e.montant_publie, debut.get(e.pk, vide), parametres(e)),
            regles.situation(e.montant_publie, fin.get(e.pk, vide), parametres(e)),
        )
        for e in enveloppes
    ]


def nom_fichier(programme, annee: int) -> str:
    return f"synthese-nationale-{programme.code}-{annee}.xlsx"


def xlsx_nationale(programme, annee: int) -> bytes:
    """One sheet: a row per région (name, code, current région for the former ones), the
    amounts at 31/12 then the year's changes, in euros; the total of the régions last."""
    regions = lignes_regionales(programme, annee)
    ancien = programme.decoupage == Decoupage.ANCIEN
    entetes = [
        "Région",
        "Code",
        *(["Région actuelle (ARS)"] if ancien else []),
        *(f"{libelle} au 31/12/{annee}" for _, libelle in LIGNES_SITUATION),
        *(f"{libelle} : mouvements de l'année {annee}" for _, libelle in LIGNES_SITUATION),
    ]
    debut_montants = 3 if ancien else 2
    lignes = []
    for ligne in regions:
        region = ligne.enveloppe.region
        valeurs = ligne.lignes
        lignes.append(
            [
                region.nom,
                region.code,
                *([region.region_actuelle.nom] if ancien else []),
                *(fin for _a, _l, fin, _v in valeurs),
                *(variation for _a, _l, _f, variation in valeurs),
            ]
        )
    total = [
        sum((lig[i] for lig in lignes), Decimal(0)) for i in range(debut_montants, len(entetes))
    ]
    lignes.append(["Total des régions", "", *([""] if ancien else []), *total])
    classeur = Classeur()
    rangees = classeur.feuille(
        f"Synthèse nationale {programme.code} {annee}"[:31],
        entetes,
        lignes,
        montants_depuis=debut_montants,
        largeurs={"A": 34},
    )
    if dt.date(annee, 12, 31) >= aujourd_hui():
        rangees.append([])
        rangees.append(["Année en cours : situation provisoire."])
    return classeur.contenu()
