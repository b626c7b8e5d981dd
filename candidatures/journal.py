"""The French of the calls' journal rows (``hn.journal.libelles``), registered from
``CandidaturesConfig.ready()``."""

from candidatures.enums import EtatPrecandidature, Position
from hn.journal.libelles import action, champs

VALEURS = {"etat": dict(EtatPrecandidature.choices), "position": dict(Position.choices)}


def _version(avant, apres) -> str:
    return f"version {apres['version']}" if apres.get("version") else ""


def enregistrer():
    action(
        "campagne_ouverte",
        "Appel à candidatures ouvert",
        "{acteur} a ouvert un appel à candidatures",
    )
    action(
        "precandidature_creee",
        "Pré-candidature créée",
        "{acteur} a créé la pré-candidature",
        valeurs=VALEURS,
    )
    action(
        "precandidature_modifiee",
        "Pré-candidature modifiée",
        "{acteur} a modifié la pré-candidature",
        valeurs=VALEURS,
    )
    action(
        "precandidature_transmise",
        "Pré-candidature transmise",
        "{acteur} a transmis la pré-candidature à l’ARS",
        valeurs=VALEURS,
    )
    action(
        "precandidature_preselectionnee",
        "Pré-candidature pré-sélectionnée",
        "{acteur} a pré-sélectionné la pré-candidature",
        valeurs=VALEURS,
    )
    action(
        "precandidature_rejetee",
        "Pré-candidature rejetée",
        "{acteur} a rejeté la pré-candidature",
        valeurs=VALEURS,
    )
    action(
        "programmation_ajustee",
        "Programmation modifiée",
        "{acteur} a modifié l’amorçage de lignes de la programmation",
    )
    action(
        "programmation_transmise",
        "Programmation transmise",
        "{acteur} a transmis la programmation pluriannuelle au niveau national",
        resume=_version,
    )
    champs(
        {
            "campagne": "Appel à candidatures",
            "libelle": "Libellé",
            "ouverture": "Ouverture",
            "cloture": "Clôture",
            "programmation_avant": "Programmation attendue avant le",
            "reponse_avant": "Réponse attendue avant le",
            "tardives_jusqu_au": "Candidatures tardives jusqu’au",
            "tardive": "Tardive",
            "position": "Position",
            "prerequis_hn_atteints": "Prérequis HN atteints",
            "semestre_prerequis_hn": "Semestre prévisionnel des prérequis HN",
            "semestre_prerequis_hopen": "Semestre prévisionnel des prérequis HOP’EN",
            "referent_nom": "Référent HOP’EN",
            "referent_fonction": "Fonction du référent",
            "referent_email": "Courriel du référent",
            "referent_telephone": "Téléphone du référent",
            "representant_nom": "Représentant légal",
            "representant_fonction": "Fonction du représentant légal",
            "representant_email": "Courriel du représentant légal",
            "representant_telephone": "Téléphone du représentant légal",
            "domaines": "Domaines et semestres d’atteinte des cibles",
            "reponse_tardive": "Réponse tardive",
            "version": "Version",
            "total": "Total programmé",
            "total_amorcage": "Amorçage programmé",
            "en_retard": "En retard",
        },
        montants=("total", "total_amorcage"),
    )
