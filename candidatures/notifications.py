"""Who is told of which event of the calls, and what they read: one table keyed by the trace
action (as ``dossiers.notifications``); notified right after tracing, in the same transaction,
keyed by the trace row so an event is notified once."""

from dataclasses import dataclass

from django.urls import reverse

from hn.comptes.destinataires import comptes_etablissement, comptes_nationaux, comptes_region
from hn.notifications.models import Categorie
from hn.notifications.services import notifier

ES, ARS_VALIDEURS, NATIONAL = "es", "ars_valideurs", "national"


@dataclass(frozen=True)
class Avis:
    publics: tuple[str, ...]
    titre: str
    message: str


AVIS = {
    "precandidature_transmise": Avis(
        (ARS_VALIDEURS,),
        "Pré-candidature reçue : {etablissement}",
        "{etablissement} a transmis sa pré-candidature à l'appel « {campagne} »{tardive}. "
        "Réponse attendue au plus tard le {reponse_avant}.",
    ),
    "precandidature_preselectionnee": Avis(
        (ES,),
        "Votre pré-candidature est pré-sélectionnée",
        "L'ARS a pré-sélectionné la pré-candidature de {etablissement} à l'appel « {campagne} » "
        ": vous pouvez demander l'initialisation de votre dossier. {commentaire}",
    ),
    "precandidature_rejetee": Avis(
        (ES,),
        "Votre pré-candidature n'est pas retenue",
        "L'ARS n'a pas retenu la pré-candidature de {etablissement} à l'appel « {campagne} ». "
        "Motif : {commentaire}",
    ),
    "programmation_transmise": Avis(
        (NATIONAL,),
        "Programmation transmise : {region}",
        "L'ARS {region} a transmis la version {version} de sa programmation pluriannuelle de "
        "l'appel « {campagne} »{en_retard}.",
    ),
}


def _valeurs(objet, evenement) -> tuple[dict, str]:
    apres = evenement.apres or {}
    campagne = objet.campagne
    if hasattr(objet, "etablissement"):
        lien = reverse("candidatures:detail", args=[objet.pk])
        return {
            "etablissement": objet.etablissement.raison_sociale,
            "campagne": campagne.libelle,
            "tardive": " (tardive)" if objet.tardive else "",
            "reponse_avant": f"{campagne.reponse_avant:%d/%m/%Y}",
            "commentaire": objet.commentaire_decision or "",
        }, lien
    lien = reverse("candidatures:programmation", args=[campagne.pk, objet.region.code])
    return {
        "region": objet.region.nom,
        "campagne": campagne.libelle,
        "version": apres.get("version", ""),
        "en_retard": f", après l'échéance du {campagne.programmation_avant:%d/%m/%Y}"
        if apres.get("en_retard")
        else "",
    }, lien


def _comptes(public, objet):
    if public == ES:
        return comptes_etablissement(objet.etablissement)
    if public == ARS_VALIDEURS:
        return comptes_region(objet.region_id)
    return comptes_nationaux()


def notifier_evenement(evenement, objet) -> int:
    """``objet``: the pré-candidature or the programmation the event is about."""
    avis = AVIS.get(evenement.action)
    if avis is None:
        return 0
    valeurs, lien = _valeurs(objet, evenement)
    return sum(
        notifier(
            cle=f"evenement:{evenement.pk}",
            destinataires=_comptes(public, objet),
            categorie=Categorie.DOSSIER,
            titre=avis.titre.format(**valeurs),
            message=avis.message.format(**valeurs).strip(),
            lien=lien,
        )
        for public in avis.publics
    )
