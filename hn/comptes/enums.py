from django.db import models


class Perimetre(models.TextChoices):
    ETABLISSEMENT = "etablissement", "Établissement de santé"
    ARS = "ars", "ARS"
    NATIONAL = "national", "National (DGOS)"


class Role(models.TextChoices):
    ES_GESTIONNAIRE = "es_gestionnaire", "Gestionnaire de fichiers"
    ES_LECTEUR = "es_lecteur", "Lecteur (établissement)"
    ARS_VALIDEUR = "ars_valideur", "Valideur (CMSI)"
    ARS_LECTEUR = "ars_lecteur", "Lecteur (ARS)"
    ARS_AUDITEUR = "ars_auditeur", "Auditeur"
    NATIONAL_PILOTE = "national_pilote", "Pilote national"
    NATIONAL_LECTEUR = "national_lecteur", "Lecteur national"
    ADMINISTRATEUR = "administrateur", "Administrateur"
