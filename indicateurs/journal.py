"""The French of the follow-up's journal rows (``hn.journal.libelles``), registered from
``IndicateursConfig.ready()``."""

from dossiers.enums import MotifCloture
from hn.journal.libelles import action, champs, euros

CLOTURE = {"motif": dict(MotifCloture.choices), "domaine": {"tous": "Tous les domaines"}}


def _domaine(avant, apres) -> str:
    domaine = apres.get("domaine")
    return "" if not domaine else "tous les domaines" if domaine == "tous" else f"domaine {domaine}"


def enregistrer():
    action(
        "domaine_clos",
        "Domaine clos",
        "{acteur} a clos un domaine",
        resume=_domaine,
        valeurs=CLOTURE,
    )
    action(
        "domaine_clos_fin_programme",
        "Domaine clos (fin du programme)",
        "{acteur} a clos un domaine à la fin du programme",
        resume=_domaine,
        valeurs=CLOTURE,
    )
    action(
        "cloture_demandee",
        "Clôture demandée",
        "{acteur} a demandé la clôture",
        resume=_domaine,
        valeurs=CLOTURE,
    )
    action(
        "rapport_suivi_depose",
        "Rapport de suivi déposé",
        "{acteur} a déposé un rapport de suivi",
        resume=lambda avant, apres: (
            f"rapport n° {apres['rapport']}" if apres.get("rapport") else ""
        ),
    )
    action(
        "cibles_atteintes",
        "Cibles atteintes",
        "{acteur} a constaté l’atteinte des cibles",
        resume=_domaine,
    )
    action(
        "frequence_suivi_fixee",
        "Fréquence de suivi fixée",
        "{acteur} a fixé la fréquence des rapports de suivi",
        resume=lambda avant, apres: (
            f"tous les {apres['frequence_suivi']} mois" if apres.get("frequence_suivi") else ""
        ),
    )
    action(
        "financement_notifie",
        "Financement à l’usage notifié",
        "{acteur} a notifié le financement à l’usage",
        resume=lambda avant, apres: " : ".join(
            filter(
                None,
                [
                    f"domaine {apres['domaine']}" if apres.get("domaine") else "",
                    euros(apres["montant"]) if apres.get("montant") is not None else "",
                ],
            )
        ),
    )
    action(
        "prerequis_atteints_constates",
        "Prérequis atteints",
        "{acteur} a constaté l’atteinte des prérequis",
    )
    _champs()


def _champs():
    champs(
        {
            "rapport": "Rapport n°",
            "arrete_le": "Arrêté au",
            "budget_engage": "Budget engagé",
            "etp_engages": "ETP engagés",
            "prochain_rapport_le": "Prochain rapport le",
            "cibles_atteintes": "Cibles atteintes",
            "cibles_perdues": "Cibles perdues",
            "frequence_suivi": "Fréquence des rapports (mois)",
            "prochain": "Prochain rapport le",
            "montant": "Montant",
            "forfait_avance": "Forfait avancé",
            "prerequis_atteints_le": "Prérequis atteints le",
        },
        montants=("budget_engage", "montant"),
        nombres=("etp_engages",),
    )
