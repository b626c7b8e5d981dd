"""The French of the audits' journal rows (``hn.journal.libelles``), registered from
``AuditsConfig.ready()``."""

from audits.enums import Conclusion, Decision, EtatAudit
from hn.formats import compter
from hn.journal.libelles import action, champs

VALEURS = {
    "etat": dict(EtatAudit.choices),
    "conclusion": dict(Conclusion.choices),
    "decision": dict(Decision.choices),
}


def _tirage(avant, apres) -> str:
    if "tires" not in apres:
        return ""
    return f"{compter(len(apres['tires']), 'dossier(s) tiré(s)')} sur {apres.get('population', 0)}"


def _auditeur(avant, apres) -> str:
    return f"auditeur {apres['auditeur']}" if apres.get("auditeur") else ""


def _conclusion(avant, apres) -> str:
    return VALEURS["conclusion"].get(apres.get("conclusion"), "").lower()


def enregistrer():
    action(
        "audit_tirage",
        "Tirage des audits",
        "{acteur} a tiré au sort les dossiers à auditer",
        resume=_tirage,
    )
    action(
        "audit_auditeur_designe",
        "Auditeur désigné",
        "{acteur} a désigné un auditeur",
        resume=_auditeur,
        valeurs=VALEURS,
    )
    action(
        "audit_grille", "Grille de contrôle enregistrée", "{acteur} a rempli la grille de contrôle"
    )
    action(
        "audit_termine_conforme",
        "Audit conclu conforme",
        "{acteur} a conclu l’audit",
        resume=_conclusion,
        valeurs=VALEURS,
    )
    action(
        "audit_contradictoire",
        "Phase contradictoire ouverte",
        "{acteur} a conclu l’audit non conforme : la phase contradictoire est ouverte",
        valeurs=VALEURS,
    )
    action(
        "audit_reponse_es",
        "Réponse de l’établissement",
        "{acteur} a répondu aux conclusions de l’audit",
    )
    action(
        "audit_classe",
        "Audit classé",
        "{acteur} a classé l’audit après la phase contradictoire",
        valeurs=VALEURS,
    )
    action(
        "audit_cloture",
        "Dossier clos pour fausse déclaration",
        "{acteur} a clos le dossier pour fausse déclaration après l’audit",
        valeurs=VALEURS,
    )
    action(
        "audit_delai_expire",
        "Délai de réponse expiré",
        "{acteur} a constaté l’expiration du délai de réponse de l’établissement",
    )
    action(
        "audit_synthese_transmise",
        "Tableau des audits transmis",
        "{acteur} a transmis le tableau consolidé des audits au niveau national",
    )
    champs(
        {
            "programme": "Programme",
            "annee": "Année",
            "graine": "Graine du tirage",
            "population": "Dossiers de la population",
            "tires": "Dossiers tirés",
            "auditeur": "Auditeur",
            "lignes": "Lignes de la grille modifiées",
            "conclusion": "Conclusion",
            "echeance_reponse": "Échéance de la réponse",
            "delai_expire_le": "Délai expiré le",
            "pieces": "Pièces jointes",
            "decision": "Décision",
        },
        nombres=("graine", "population"),
    )
