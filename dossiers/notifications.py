"""Who is told of which dossier event, and what they read: one table, keyed by the trace
action. ``dossiers.actions`` notifies through it right after tracing, in the same
transaction; the key is the trace row, so an event is notified once."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from hn.comptes.destinataires import (
    ROLES_ARS,
    comptes_etablissement,
    comptes_nationaux,
    comptes_region,
)
from hn.dates import date_paris, recandidature_possible_le
from hn.notifications.models import Categorie
from hn.notifications.services import notifier

ES, ARS_VALIDEURS, ARS, NATIONAL = "es", "ars_valideurs", "ars", "national"


@dataclass(frozen=True)
class Avis:
    publics: tuple[str, ...]
    titre: str
    message: str
    categorie: str = Categorie.DOSSIER
    vue: str = ""  # the page linked for every audience (default: by audience, see _lien)


AVIS = {
    "dossier_initialise": Avis(
        (ES,),
        "Dossier {numero} initialisé",
        "L'ARS a initialisé le dossier {programme} « {nom} ». Vous pouvez le saisir puis le "
        "déposer.",
    ),
    "dossier_depose": Avis(
        (ARS_VALIDEURS,),
        "Dossier {numero} déposé",
        "{etablissement} a déposé le dossier {programme} « {nom} ». Décision attendue au plus "
        "tard le {echeance_decision} ; à défaut, le dossier sera réputé refusé.",
    ),
    "dossier_reporte": Avis(
        (ES,),
        "Dossier {numero} reporté par l'ARS",
        "L'ARS a reporté le dossier « {nom} » pour corrections : {commentaire}",
    ),
    "dossier_refuse": Avis(
        (ES,),
        "Dossier {numero} refusé",
        "L'ARS a refusé le dossier « {nom} » ({motif}) : {commentaire}",
    ),
    "dossier_accepte": Avis(
        (ES,),
        "Dossier {numero} accepté",
        "L'ARS a accepté le dossier « {nom} ». Le suivi de sa mise en œuvre commence.",
    ),
    "dossier_clos": Avis(
        (ES, NATIONAL),
        "Dossier {numero} clos",
        "L'ARS a clos le dossier « {nom} » de {etablissement} ({motif_cloture}) : {commentaire}",
    ),
    "dossier_refuse_implicitement": Avis(
        (ES, ARS),
        "Dossier {numero} refusé implicitement",
        "Le dossier « {nom} » de {etablissement}, déposé le {depose_le}, n'a pas reçu de "
        "décision de l'ARS dans le délai de quatre mois : il est réputé refusé (refus "
        "implicite) à la date du {refuse_le}. Une nouvelle candidature est possible à partir "
        "du {recandidature}.",
        Categorie.REFUS_IMPLICITE,
    ),
    # --- phase suivi (indicateurs/suivi.py) ---
    "rapport_suivi_depose": Avis(
        (ARS_VALIDEURS,),
        "Dossier {numero} : rapport de suivi n° {rapport} déposé",
        "{etablissement} a déposé le rapport de suivi n° {rapport} du dossier « {nom} » "
        "(valeurs au {arrete_le}). Prochain rapport attendu le {prochain_rapport_le}.",
        vue="dossiers:suivi",
    ),
    "cibles_atteintes": Avis(
        (ARS_VALIDEURS, ES),
        "Dossier {numero} : cibles du domaine {domaine} atteintes",
        "Le rapport de suivi n° {rapport} du dossier « {nom} » montre tous les indicateurs des "
        "prérequis et du domaine {domaine} à leur cible : l'ARS peut notifier le financement "
        "de ce domaine.",
        vue="dossiers:suivi",
    ),
    "financement_notifie": Avis(
        (ES,),
        "Dossier {numero} : financement du domaine {domaine} notifié",
        "L'ARS a notifié le soutien à l'usage du domaine {domaine} du dossier « {nom} » : "
        "{montant} € (forfait moins l'amorçage).",
        vue="dossiers:suivi",
    ),
    "domaine_clos": Avis(
        (ES, NATIONAL),
        "Dossier {numero} : domaine {domaine} clos",
        "Le domaine {domaine} du dossier « {nom} » de {etablissement} est clos : "
        "{commentaire} L'engagement est libéré ; l'amorçage versé est à rembourser.",
        vue="dossiers:suivi",
    ),
    "domaine_clos_fin_programme": Avis(
        (ES, ARS_VALIDEURS, NATIONAL),
        "Dossier {numero} : domaine {domaine} clos (fin du programme)",
        "Le programme est terminé sans que les cibles du domaine {domaine} du dossier « {nom} » "
        "de {etablissement} soient atteintes : {commentaire} L'engagement est libéré ; "
        "l'amorçage versé est à rembourser.",
        vue="dossiers:suivi",
    ),
    "dossier_clos_fin_programme": Avis(
        (ES, ARS_VALIDEURS, NATIONAL),
        "Dossier {numero} clos (fin du programme)",
        "Le dossier « {nom} » de {etablissement} est clos à la fin du programme, sans "
        "financement des domaines dont les cibles ne sont pas atteintes : {commentaire}",
    ),
    "cloture_demandee": Avis(
        (ARS_VALIDEURS,),
        "Dossier {numero} : l'établissement demande une clôture",
        "{etablissement} demande la clôture ({domaine}) du dossier « {nom} » : {commentaire}",
        vue="dossiers:suivi",
    ),
    "frequence_suivi_fixee": Avis(
        (ES,),
        "Dossier {numero} : fréquence des rapports de suivi",
        "L'ARS a fixé un rapport de suivi tous les {frequence_suivi} mois ; prochain rapport "
        "attendu le {prochain}.",
        vue="dossiers:suivi",
    ),
}


def _date(jour) -> str:
    return f"{jour:%d/%m/%Y}" if jour else "—"


def _comptes(public: str, dossier):
    if public == ES:
        return comptes_etablissement(dossier.etablissement)
    if public == ARS_VALIDEURS:
        return comptes_region(dossier.etablissement.region)
    if public == ARS:
        return comptes_region(dossier.etablissement.region, roles=ROLES_ARS)
    return comptes_nationaux()


def _lien(public: str, dossier, vue: str = "") -> str:
    """The instruction page for those who decide, the dossier itself for everyone else."""
    vue = vue or ("dossiers:instruction" if public == ARS_VALIDEURS else "dossiers:detail")
    return reverse(vue, args=[dossier.numero])


def _lisible(valeur) -> str:
    if isinstance(valeur, date):
        return _date(valeur)
    if isinstance(valeur, str) and len(valeur) == 10 and valeur[4] == "-" and valeur[7] == "-":
        try:
            return _date(date.fromisoformat(valeur))
        except ValueError:
            return valeur
    return str(valeur)


def notifier_evenement(evenement, dossier) -> int:
    avis = AVIS.get(evenement.action)
    if avis is None:
        return 0
    valeurs = {
        # The event's own values (domaine, montant, rapport…), dates in French.
        **{k: _lisible(v) for k, v in (evenement.apres or {}).items() if k != "etat"},
        "numero": dossier.numero,
        "nom": dossier.nom,
        "programme": dossier.programme.nom,
        "etablissement": dossier.etablissement.raison_sociale,
        "echeance_decision": _date(dossier.echeance_decision),
        "depose_le": _date(dossier.depose_le and date_paris(dossier.depose_le)),
        "refuse_le": _date(dossier.decide_le),
        "recandidature": _date(
            recandidature_possible_le(dossier.decide_le, motif_financier=False)
            if dossier.decide_le
            else None
        ),
        "motif": dossier.get_motif_refus_display(),
        "motif_cloture": dossier.get_motif_cloture_display(),
        "commentaire": evenement.commentaire or "—",
    }
    titre = avis.titre.format(**valeurs)
    message = avis.message.format(**valeurs)
    return sum(
        notifier(
            cle=f"evenement:{evenement.pk}",
            destinataires=_comptes(public, dossier),
            categorie=avis.categorie,
            titre=titre,
            message=message,
            lien=_lien(public, dossier, avis.vue),
        )
        for public in avis.publics
    )
