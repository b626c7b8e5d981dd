"""The French of the ledger's journal rows (``hn.journal.libelles``), registered from
``EnveloppesConfig.ready()``: each movement one row, its nature's label and its amount."""

from decimal import Decimal

from enveloppes.enums import Nature
from hn.journal.libelles import VIDE, action, champs, date_francaise, euros

NATURES = dict(Nature.choices)


def mouvements(valeur) -> list[tuple[str, str]]:
    """The traced movements: "Amorçage décidé D1" -> "68 571 € (dérogation) le 12/05/2026"."""
    lignes = []
    for m in valeur if isinstance(valeur, list) else []:
        if not isinstance(m, dict):
            continue
        libelle = " ".join(
            filter(None, [NATURES.get(m.get("nature"), m.get("nature")), m.get("domaine")])
        )
        if any(nom == libelle for nom, _ in lignes):
            libelle = f"{libelle} (n° {m.get('id')})"
        texte = euros(m["montant"]) if m.get("montant") is not None else VIDE
        if m.get("derogation"):
            texte += " (dérogation)"
        if m.get("date"):
            texte += f" le {date_francaise(m['date']) or m['date']}"
        lignes.append((libelle, texte))
    return lignes


def total(avant, apres) -> str:
    """The sum of the movements traced, in euros ("" when none)."""
    montants = [m.get("montant") for m in apres.get("mouvements") or [] if isinstance(m, dict)]
    montants = [Decimal(str(m)) for m in montants if m is not None]
    return euros(sum(montants)) if montants else ""


def enregistrer():
    for code, libelle, phrase in (
        ("enveloppe_engagement", "Forfaits engagés", "{acteur} a engagé les forfaits du dossier"),
        ("enveloppe_amorcage_decide", "Amorçage décidé", "{acteur} a décidé l’amorçage du dossier"),
        ("enveloppe_versement", "Versement", "{acteur} a enregistré un versement"),
        (
            "enveloppe_usage_notifie",
            "Soutien à l’usage notifié",
            "{acteur} a notifié le soutien à l’usage",
        ),
        ("enveloppe_liberation", "Engagement libéré", "{acteur} a libéré un engagement"),
        (
            "enveloppe_remboursement_exige",
            "Remboursement exigé",
            "{acteur} a exigé un remboursement",
        ),
        (
            "enveloppe_remboursement_recu",
            "Remboursement reçu",
            "{acteur} a enregistré un remboursement reçu",
        ),
        ("enveloppe_redeploiement", "Redéploiement national", "{acteur} a redéployé des crédits"),
    ):
        action(code, libelle, phrase, resume=total)
    action(
        "enveloppe_taux_derogation",
        "Taux de dérogation fixé",
        "{acteur} a fixé le taux de dérogation",
    )
    action(
        "enveloppe_commentaire_synthese",
        "Commentaire de synthèse",
        "{acteur} a commenté le dossier dans la synthèse de l’enveloppe",
    )
    champs(
        {
            "enveloppe": "Enveloppe",
            "mouvements": "Mouvement",
            "avertissements": "Avertissements",
            "vers_ou_depuis": "Enveloppe de contrepartie",
            "avance": "Forfait avancé",
            "audit": "Suite à un audit",
            "taux_derogation": "Taux de dérogation (%)",
        },
        nombres=("taux_derogation",),
        details={"mouvements": mouvements},
    )
