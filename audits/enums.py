from django.db import models


class EtatAudit(models.TextChoices):
    """SPEC §8, API.md "Audits": drawn → auditors designated → (non conforme: contradictory
    phase) → done."""

    A_PLANIFIER = "a_planifier", "À planifier"
    EN_COURS = "en_cours", "En cours"
    CONTRADICTOIRE = "contradictoire", "Phase contradictoire"
    TERMINE = "termine", "Terminé"


class Conclusion(models.TextChoices):
    CONFORME = "conforme", "Conforme"
    NON_CONFORME = "non_conforme", "Non conforme"


class Resultat(models.TextChoices):
    """One line of the control grid."""

    CONFORME = "conforme", "Conforme"
    NON_CONFORME = "non_conforme", "Non conforme"
    NON_VERIFIABLE = "non_verifiable", "Non vérifiable"


class Decision(models.TextChoices):
    """The CMSI's decision after the contradictory phase [000 A5, 003 A4 §1]."""

    CLASSER = "classer", "Classé (la réponse de l'établissement convainc)"
    CLOTURER = "cloturer", "Dossier clos pour fausse déclaration"
