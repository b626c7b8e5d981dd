from django.db import models


class Nature(models.TextChoices):
    """What a ledger line records. Every amount is positive; the nature gives its effect on
    each figure (``enveloppes.regles.EFFETS``)."""

    ENGAGEMENT = "engagement", "Engagement à la sélection"
    ENGAGEMENT_COMPLEMENTAIRE = (
        "engagement_complementaire",
        "Engagement complémentaire (forfait avancé)",
    )
    LIBERATION = "liberation", "Libération d'engagement"
    AMORCAGE_DECIDE = "amorcage_decide", "Amorçage décidé"
    AMORCAGE_ANNULE = "amorcage_annule", "Amorçage décidé non versé, annulé"
    AMORCAGE_VERSE = "amorcage_verse", "Amorçage versé"
    USAGE_NOTIFIE = "usage_notifie", "Soutien à l'usage notifié"
    USAGE_ANNULE = "usage_annule", "Soutien à l'usage notifié non versé, annulé"
    USAGE_VERSE = "usage_verse", "Soutien à l'usage versé"
    REMBOURSEMENT_AMORCAGE_DU = "remboursement_amorcage_du", "Remboursement d'amorçage dû"
    REMBOURSEMENT_AMORCAGE_RECU = "remboursement_amorcage_recu", "Remboursement d'amorçage reçu"
    REMBOURSEMENT_USAGE_DU = "remboursement_usage_du", "Remboursement d'usage dû"
    REMBOURSEMENT_USAGE_RECU = "remboursement_usage_recu", "Remboursement d'usage reçu"
    REDEPLOIEMENT_ENTRANT = "redeploiement_entrant", "Redéploiement national reçu"
    REDEPLOIEMENT_SORTANT = "redeploiement_sortant", "Redéploiement national cédé"
    REPRISE = "reprise", "Reprise des montants remboursés sur l'enveloppe"


class Volet(models.TextChoices):
    """The two parts of the funding: amorçage (FMESPP) and usage (AC) [000 A1 §3]."""

    AMORCAGE = "amorcage", "Amorçage"
    USAGE = "usage", "Usage"


# Lines that belong to a dossier's domaine, and lines of the envelope itself.
NATURES_DE_DOMAINE = tuple(
    n for n in Nature if n not in (Nature.REDEPLOIEMENT_ENTRANT, Nature.REDEPLOIEMENT_SORTANT)
)
NATURES_REDEPLOIEMENT = (Nature.REDEPLOIEMENT_ENTRANT, Nature.REDEPLOIEMENT_SORTANT)
# Lines that may carry the HOP'EN derogation flag (amorçage paid before the prérequis).
NATURES_AMORCAGE = (
    Nature.AMORCAGE_DECIDE,
    Nature.AMORCAGE_ANNULE,
    Nature.AMORCAGE_VERSE,
    Nature.REMBOURSEMENT_AMORCAGE_DU,
    Nature.REMBOURSEMENT_AMORCAGE_RECU,
)
