from django.db import models


class EtatPrecandidature(models.TextChoices):
    """SPEC §7, API.md "Calls for applications": brouillon → transmise → pré-sélectionnée or
    rejetée."""

    BROUILLON = "brouillon", "Brouillon"
    TRANSMISE = "transmise", "Transmise à l'ARS"
    PRESELECTIONNEE = "preselectionnee", "Pré-sélectionnée"
    REJETEE = "rejetee", "Rejetée"


class Position(models.TextChoices):
    """The établissement's position in the AMI [003 A5, second section]."""

    AUCUNE = "aucune", "Aucune"
    EN_PROJET = "en_projet", "En projet"
    DEFINITIVE = "definitive", "Définitive"


ETATS_DECIDES = (EtatPrecandidature.PRESELECTIONNEE, EtatPrecandidature.REJETEE)
