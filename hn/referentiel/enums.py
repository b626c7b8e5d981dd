from django.db import models


class Decoupage(models.TextChoices):
    ACTUEL = "2016", "Régions depuis 2016"
    ANCIEN = "avant_2016", "Régions avant 2016"


class Statut(models.TextChoices):
    """Statut juridique. HN distinguished public / privé / ESPIC; HOP'EN splits privé [004]."""

    PUBLIC = "public", "Public"
    PRIVE_LUCRATIF = "prive_lucratif", "Privé à but lucratif"
    PRIVE_NON_LUCRATIF = "prive_non_lucratif", "Privé à but non lucratif (ESPIC)"
    CLCC = "clcc", "Centre de lutte contre le cancer (CLCC)"


class Activite(models.TextChoices):
    MCO = "mco", "MCO"
    SSR = "ssr", "SSR"
    PSY = "psy", "PSY"
    HAD = "had", "HAD"


class TypeIndicateur(models.TextChoices):
    TAUX = "taux", "Taux (%)"
    EXISTENCE = "existence", "Existence (oui/non)"


class CategorieCode(models.TextChoices):
    A = "A", "Catégorie A"
    B = "B", "Catégorie B"
    C = "C", "Catégorie C"
    D = "D", "Catégorie D"


class VolumeActivite(models.TextChoices):
    """Activity volumes entering the activité combinée [000 A3 §1, 003 A3 §1]."""

    JOURNEES_MCO = "journees_mco", "Journées MCO"
    SEANCES_MCO = "seances_mco", "Séances MCO"
    HDJ_CHIRURGIE_AMBULATOIRE = (
        "hdj_chirurgie_ambulatoire",
        "Hospitalisations de jour de chirurgie ambulatoire",
    )
    HDJ_HORS_CHIRURGIE_AMBULATOIRE = (
        "hdj_hors_chirurgie_ambulatoire",
        "Hospitalisations de jour hors chirurgie ambulatoire",
    )
    JOURNEES_SSR = "journees_ssr", "Journées SSR"
    JOURNEES_PSY = "journees_psy", "Journées PSY"
    JOURNEES_HAD = "journees_had", "Journées HAD"
