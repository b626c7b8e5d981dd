"""The French of the dossier's journal rows (``hn.journal.libelles``), registered from
``DossiersConfig.ready()``: its actions' sentences, its fields and their coded values."""

from dossiers.enums import (
    Avancement,
    CategoriePiece,
    DecisionDomaine,
    DecisionPrerequis,
    Etat,
    EtatAnalyse,
    MotifCloture,
    MotifRefus,
    TypeContact,
)
from hn.journal.libelles import action, champs, texte_valeur

REFUS = {"motif": dict(MotifRefus.choices)}
CLOTURE = {"motif": dict(MotifCloture.choices)}


def enregistrer():
    _actions_instruction()
    _actions_pieces()
    _champs()


def _actions_instruction():
    action(
        "dossier_demande",
        "Dossier demandé",
        "{acteur} a demandé un dossier",
        resume=lambda avant, apres: f"programme {apres.get('programme', '')}".strip(),
    )
    action("dossier_demande_annulee", "Demande annulée", "{acteur} a annulé la demande de dossier")
    action("dossier_initialise", "Dossier initialisé", "{acteur} a initialisé le dossier")
    action("dossier_saisi", "Saisie modifiée", "{acteur} a modifié la saisie du dossier")
    action(
        "dossier_depose",
        "Dossier déposé",
        "{acteur} a déposé le dossier",
        resume=lambda avant, apres: f"dépôt n° {apres['depot']}" if apres.get("depot") else "",
    )
    action(
        "prerequis_valides",
        "Prérequis validés",
        "{acteur} a validé les prérequis",
        cles=lambda code: f"Prérequis {code}",
        valeurs={"*": dict(DecisionPrerequis.choices)},
    )
    action(
        "domaines_valides",
        "Domaines sélectionnés",
        "{acteur} a sélectionné les domaines",
        cles=lambda code: f"Domaine {code}",
        valeurs={"*": dict(DecisionDomaine.choices)},
    )
    action("dossier_reporte", "Dossier reporté", "{acteur} a reporté le dossier")
    action(
        "dossier_refuse",
        "Dossier refusé",
        "{acteur} a refusé le dossier",
        resume=lambda avant, apres: _texte_motif(apres, REFUS),
        valeurs=REFUS,
    )
    action(
        "dossier_accepte",
        "Dossier accepté",
        "{acteur} a accepté le dossier",
        resume=lambda avant, apres: (
            f"domaines {texte_valeur('domaines', apres['domaines'])}"
            if apres.get("domaines")
            else ""
        ),
    )
    action("dossier_commente", "Commentaire de l’ARS", "{acteur} a commenté le dossier")
    action(
        "dossier_refuse_implicitement",
        "Refus implicite",
        "{acteur} a constaté le refus implicite du dossier",
    )
    for code, libelle, phrase in (
        ("dossier_clos", "Dossier clos", "{acteur} a clos le dossier"),
        (
            "dossier_clos_fin_programme",
            "Dossier clos (fin du programme)",
            "{acteur} a clos le dossier à la fin du programme",
        ),
    ):
        action(
            code,
            libelle,
            phrase,
            resume=lambda avant, apres: _texte_motif(apres, CLOTURE),
            valeurs=CLOTURE,
        )


def _actions_pieces():
    action("piece_ajoutee", "Pièce jointe ajoutée", "{acteur} a joint une pièce")
    action("piece_remplacee", "Pièce jointe remplacée", "{acteur} a remplacé une pièce jointe")
    action("piece_supprimee", "Pièce jointe supprimée", "{acteur} a supprimé une pièce jointe")
    action(
        "piece_analysee", "Pièce jointe analysée", "{acteur} a analysé une pièce jointe (antivirus)"
    )
    action(
        "piece_infectee",
        "Pièce jointe refusée par l’antivirus",
        "{acteur} a refusé une pièce jointe infectée",
    )


def _champs():
    champs(
        {
            "etat": "État",
            "depot": "Dépôt n°",
            "empreinte": "Empreinte",
            "echeance_decision": "Échéance de la décision",
            "refuse_le": "Refusé le",
            "commentaire_ars_etablissement": "Commentaire de l’ARS (établissement)",
            "commentaire_ars_contacts": "Commentaire de l’ARS (contacts)",
            "engagements": "Engagements",
            "commentaire_etablissement": "Commentaire de l’établissement",
            "commentaire_contacts": "Commentaire sur les contacts",
            "contacts": "Contacts",
            "contacts[]": "Contact",
            "fonction": "Fonction",
            "telephone": "Téléphone",
            "mutualise": "Projet mutualisé",
            "partenaires": "Établissements de la mutualisation",
            "description_projet": "Description du projet",
            "motivation": "Motivation de l’établissement",
            "domaines[]": "Domaine",
            "demande": "Demandé",
            "avancement": "État d’avancement",
            "date_cible": "Date prévisionnelle d’atteinte des cibles",
            "cout": "Coût du projet",
            "indicateurs": "Indicateurs",
            "indicateurs[]": "Indicateur",
            "valeur": "Valeur",
            "non_applicable": "Non applicable",
            "pieces": "Pièces jointes",
            "pieces[]": "Pièce",
            "piece": "Pièce n°",
            "categorie": "Catégorie",
            "prerequis": "Prérequis",
            "taille": "Taille (octets)",
            "type_mime": "Type de fichier",
            "etat_analyse": "Analyse antivirus",
            "analyse": "Résultat de l’analyse",
            "signature": "Virus détecté",
            "detail": "Détail de l’analyse",
            "supprimee_le": "Supprimée le",
        },
        montants=("cout",),
        nombres=("valeur", "taille"),
        valeurs={
            "etat": Etat.choices,
            "avancement": Avancement.choices,
            "categorie": CategoriePiece.choices,
            "etat_analyse": EtatAnalyse.choices,
            "contacts.type": TypeContact.choices,
        },
    )


def _texte_motif(apres, valeurs):
    motif = apres.get("motif")
    return f"motif : {valeurs['motif'].get(motif, motif)}" if motif else ""
