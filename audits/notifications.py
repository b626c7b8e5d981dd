"""Who is told of which audit event, and what they read: one table keyed by the trace action
(as ``dossiers.notifications``). ``audits.actions`` notifies right after tracing, in the same
transaction; the key is the trace row, so an event is notified once."""

from dataclasses import dataclass

from django.urls import reverse

from hn.comptes.destinataires import (
    ROLES_ARS,
    comptes_etablissement,
    comptes_nationaux,
    comptes_region,
)
from hn.comptes.enums import Role
from hn.notifications.models import Categorie
from hn.notifications.services import notifier

ES, ES_GESTIONNAIRES, ARS_VALIDEURS, ARS, NATIONAL, AUDITEURS = (
    "es",
    "es_gestionnaires",
    "ars_valideurs",
    "ars",
    "national",
    "auditeurs",
)


@dataclass(frozen=True)
class Avis:
    publics: tuple[str, ...]
    titre: str
    message: str
    categorie: str = Categorie.DOSSIER


AVIS = {
    "audit_auditeur_designe": Avis(
        (AUDITEURS,),
        "Audit du dossier {numero} : vous êtes désigné auditeur",
        "L'ARS vous a désigné pour auditer le dossier « {nom} » de {etablissement} (tirage "
        "{annee}). Remplissez la grille de contrôle puis concluez.",
    ),
    "audit_termine_conforme": Avis(
        (ES, ARS_VALIDEURS),
        "Audit du dossier {numero} : conforme",
        "L'audit {annee} du dossier « {nom} » de {etablissement} conclut à la conformité des "
        "déclarations : {observations}",
    ),
    "audit_contradictoire": Avis(
        (ES_GESTIONNAIRES, ARS_VALIDEURS),
        "Audit du dossier {numero} : non conforme, réponse attendue avant le {echeance}",
        "L'audit {annee} du dossier « {nom} » de {etablissement} conclut à une non-conformité "
        ": {observations} L'établissement peut répondre par écrit jusqu'au {echeance} ; "
        "l'ARS décidera ensuite de classer l'audit ou de clore le dossier pour fausse "
        "déclaration.",
    ),
    "audit_reponse_es": Avis(
        (ARS_VALIDEURS,),
        "Audit du dossier {numero} : réponse de l'établissement",
        "{etablissement} a répondu à l'audit {annee} du dossier « {nom} » : {reponse}",
    ),
    "audit_classe": Avis(
        (ES, ARS_VALIDEURS),
        "Audit du dossier {numero} classé",
        "Après la phase contradictoire, l'ARS classe l'audit {annee} du dossier « {nom} » : "
        "{commentaire}",
    ),
    "audit_cloture": Avis(
        (ES, ARS, NATIONAL),
        "Fausse déclaration : dossier {numero} clos après audit",
        "Après l'audit {annee} et la phase contradictoire, l'ARS clôt le dossier « {nom} » de "
        "{etablissement} pour fausse déclaration : {commentaire} Montant à rembourser : "
        "{a_rembourser} €.",
    ),
}


def lien(audit) -> str:
    """The page linked from an audit's notifications: the audit's own page."""
    return reverse("audits:detail", args=[audit.pk])


def _comptes(public: str, audit, auditeur=None):
    dossier = audit.dossier
    if public == ES:
        return comptes_etablissement(dossier.etablissement)
    if public == ES_GESTIONNAIRES:
        return comptes_etablissement(dossier.etablissement, roles=(Role.ES_GESTIONNAIRE,))
    if public == ARS_VALIDEURS:
        return comptes_region(dossier.region_id)
    if public == ARS:
        return comptes_region(dossier.region_id, roles=ROLES_ARS)
    if public == AUDITEURS:
        return [auditeur] if auditeur is not None else audit.auditeurs.all()
    return comptes_nationaux()


def notifier_audit(evenement, audit, *, auditeur=None, **valeurs) -> int:
    """``auditeur``: the one just designated (else every designated auditor)."""
    avis = AVIS.get(evenement.action)
    if avis is None:
        return 0
    dossier = audit.dossier
    valeurs = {
        "numero": dossier.numero,
        "nom": dossier.nom,
        "etablissement": dossier.etablissement.raison_sociale,
        "annee": audit.tirage.annee,
        "observations": audit.observations or "—",
        "echeance": f"{audit.echeance_reponse:%d/%m/%Y}" if audit.echeance_reponse else "—",
        "reponse": audit.reponse_es or "—",
        "commentaire": audit.commentaire_decision or "—",
        **valeurs,
    }
    return sum(
        notifier(
            cle=f"evenement:{evenement.pk}",
            destinataires=_comptes(public, audit, auditeur),
            categorie=avis.categorie,
            titre=avis.titre.format(**valeurs),
            message=avis.message.format(**valeurs),
            lien=lien(audit),
        )
        for public in avis.publics
    )
