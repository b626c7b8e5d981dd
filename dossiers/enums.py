from django.db import models


class Etat(models.TextChoices):
    EN_SAISIE = "en_saisie", "En cours de saisie"
    DEPOSE = "depose", "Déposé"
    REPORTE = "reporte", "Reporté par l'ARS"
    REFUSE = "refuse", "Refusé"
    REFUSE_IMPLICITE = "refuse_implicite", "Refusé implicitement"
    ACCEPTE = "accepte", "Accepté"
    CLOS = "clos", "Clos"


ETATS_EDITABLES = (Etat.EN_SAISIE, Etat.REPORTE)
ETATS_REFUSES = (Etat.REFUSE, Etat.REFUSE_IMPLICITE)
ETATS_SUIVI = (Etat.ACCEPTE, Etat.CLOS)


class Phase(models.TextChoices):
    INSTRUCTION = "instruction", "Instruction"
    SUIVI = "suivi", "Suivi de projet"


class MotifRefus(models.TextChoices):
    """[000 A2 §3]: maîtrise de l'enveloppe, non-atteinte des prérequis, autres."""

    ENVELOPPE = "enveloppe", "Maîtrise de l'enveloppe"
    PREREQUIS = "prerequis", "Non-atteinte des prérequis"
    AUTRE = "autre", "Autre motif"


class Avancement(models.TextChoices):
    NON_DEMARRE = "non_demarre", "Non démarré"
    ETUDE = "etude", "Phase d'étude ou de choix de solution"
    DEPLOIEMENT = "deploiement", "Déploiement en cours"


class DecisionPrerequis(models.TextChoices):
    ACCEPTE = "accepte", "Accepté"
    NON_ACCEPTE = "non_accepte", "Non accepté"


class DecisionDomaine(models.TextChoices):
    SELECTIONNE = "selectionne", "Sélectionné"
    NON_SELECTIONNE = "non_selectionne", "Non sélectionné"


class TypeContact(models.TextChoices):
    """Pages 3 and 4 of the dossier [000 A9 §4]."""

    CONTACT = "contact", "Contact du programme (coordination avec l'ARS)"
    RESPONSABLE_PROJET = "responsable_projet", "Responsable du projet"
    DSI = "dsi", "Directeur des systèmes d'information (DSI)"
    DIRECTEUR = "directeur", "Directeur de l'établissement"
    # GHT dossiers [003 §5.3.1]: the GHT's DSI, named and validated by the support's director.
    DSI_GHT = "dsi_ght", "DSI du GHT"


class CategoriePiece(models.TextChoices):
    """Attachments: prérequis proofs and the project document [000 A9 §4, §8]."""

    JUSTIFICATIF_PREREQUIS = "justificatif_prerequis", "Justificatif de prérequis"
    DOCUMENT_PROJET = "document_projet", "Document de projet"
    # GHT dossiers [003 §5.3.1]: the GHT's schéma directeur SI, deposited by the support.
    SDSI_GHT = "sdsi_ght", "Schéma directeur SI du GHT"
    AUTRE = "autre", "Autre document"


class EtatAnalyse(models.TextChoices):
    """The antivirus verdict of an attachment (dossiers.analyse): served to anyone but its
    uploader only once ``saine``."""

    EN_ANALYSE = "en_analyse", "En cours d'analyse antivirus"
    SAINE = "saine", "Saine"
    INFECTEE = "infectee", "Refusée par l'antivirus"


class MotifCloture(models.TextChoices):
    """SPEC §5 / [000 A4 §2]: on the ARS's initiative or at the ES's request."""

    CIBLES_INATTEIGNABLES = (
        "cibles_inatteignables",
        "Cibles impossibles à atteindre avant la fin du programme",
    )
    DECLARATIONS_ERRONEES = "declarations_erronees", "Déclarations fausses ou erronées"
    DEMANDE_ETABLISSEMENT = "demande_etablissement", "À la demande de l'établissement"
    FIN_PROGRAMME = "fin_programme", "Fin du programme : cibles non atteintes"


# The reasons the ARS may give (the programme's end is the system's own).
MOTIFS_ARS = (
    MotifCloture.CIBLES_INATTEIGNABLES,
    MotifCloture.DECLARATIONS_ERRONEES,
    MotifCloture.DEMANDE_ETABLISSEMENT,
)


class SuiviDomaine(models.TextChoices):
    """Phase suivi of a selected domaine [SPEC §5]: sélectionné → cibles atteintes →
    financement notifié, or clos."""

    HORS_SUIVI = "", "Hors suivi"
    SELECTIONNE = "selectionne", "Sélectionné"
    CIBLES_ATTEINTES = "cibles_atteintes", "Cibles atteintes"
    FINANCE = "finance", "Financement notifié"
    CLOS = "clos", "Clos"


SUIVI_OUVERT = (SuiviDomaine.SELECTIONNE, SuiviDomaine.CIBLES_ATTEINTES)
