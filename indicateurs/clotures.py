"""Closures of the follow-up [000 A4 §2; SPEC §5]: of one domaine (partial), of every domaine
at the dossier's total closure (``dossiers.actions.clore``, through ``indicateurs.evenements``),
at the programme's end (the sweep, ``indicateurs.echeances``), and the ES's request for one.
A closed domaine's engagement is released and its paid amorçage becomes repayable (the ledger,
``enveloppes.actions``, in the same transaction under the dossier's lock)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from dossiers.actions import (
    DossierError,
    TransitionRefusee,
    clore_le_dossier,
    instruire,
    motif_et_commentaire,
    tracer_dossier,
    verrouiller,
)
from dossiers.enums import MOTIFS_ARS, SUIVI_OUVERT, MotifCloture, SuiviDomaine
from enveloppes import actions as enveloppes
from enveloppes.evenements import argent
from hn.champs import texte_libre
from hn.comptes.perms import peut_saisir
from hn.dates import aujourd_hui
from indicateurs.suivi import domaine_suivi, exiger_suivi


def _clore_domaines(dossier, domaines, *, motif, commentaire, acting_user, le):
    for dd in domaines:
        dd.clore(motif=motif, commentaire=commentaire, le=le)
        dd.save(update_fields=["suivi", "motif_cloture", "commentaire_cloture", "clos_le"])
    if not domaines:
        return []
    with argent():
        return enveloppes.liberer(
            dossier=dossier,
            motif=commentaire,
            acting_user=acting_user,
            domaines=[dd.domaine.code for dd in domaines],
            audit=motif == MotifCloture.DECLARATIONS_ERRONEES,
            le=le,
        )


def _motif(motif, commentaire) -> str:
    return motif_et_commentaire(
        motif,
        commentaire,
        MOTIFS_ARS,
        "Choisissez le motif de la clôture : cibles_inatteignables, declarations_erronees ou "
        "demande_etablissement.",
        "Le commentaire est obligatoire pour clore.",
        "La clôture doit être motivée.",
    )


@transaction.atomic
def clore_domaine(*, dossier, domaine: str, motif: str, commentaire: str, acting_user):
    """Partial closure [000 A4 §2; SPEC §5]: the domaine's engagement is released, its paid
    amorçage (after false declarations on HOP'EN: also its paid usage) becomes repayable; the
    ES and the national level are told. When no selected domaine is left open, the dossier
    itself is closed."""
    dossier = instruire(dossier, acting_user)
    exiger_suivi(dossier, "de clore un domaine")
    commentaire = _motif(motif, commentaire)
    dd = domaine_suivi(dossier, domaine)
    ouverts = (*SUIVI_OUVERT, SuiviDomaine.FINANCE)
    if dd.suivi not in ouverts or (
        dd.suivi == SuiviDomaine.FINANCE and motif != MotifCloture.DECLARATIONS_ERRONEES
    ):
        raise TransitionRefusee(
            f"Le domaine {dd.domaine.code} est « {dd.get_suivi_display()} » : il ne peut pas "
            "être clos (un domaine financé ne l'est qu'après des déclarations erronées).",
            dd.suivi,
        )
    le = aujourd_hui()
    _clore_domaines(
        dossier, [dd], motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )
    tracer_dossier(
        "domaine_clos",
        dossier,
        acting_user,
        apres={"domaine": dd.domaine.code, "motif": motif},
        commentaire=commentaire,
    )
    restants = dossier.domaines.filter(suivi__in=SUIVI_OUVERT).exists()
    finances = dossier.domaines.filter(suivi=SuiviDomaine.FINANCE).exists()
    if not restants and not finances:
        clore_le_dossier(
            dossier, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
        )
    return dd


def clore_tous_les_domaines(dossier, *, motif, commentaire, acting_user, le):
    """For the dossier's total closure (``dossiers.actions.clore``, through
    ``indicateurs.evenements``): every domaine still
    awaiting its targets — and, after false declarations, the funded ones — is closed."""
    etats = list(SUIVI_OUVERT)
    if motif == MotifCloture.DECLARATIONS_ERRONEES:
        etats.append(SuiviDomaine.FINANCE)
    domaines = list(
        dossier.domaines.select_for_update().select_related("domaine").filter(suivi__in=etats)
    )
    return _clore_domaines(
        dossier, domaines, motif=motif, commentaire=commentaire, acting_user=acting_user, le=le
    )


def clore_fin_de_programme(dossier, *, fin: date) -> bool:
    """Called by the sweep under the dossier's lock: the domaines still awaiting their targets
    are closed by the system; the dossier too when none was funded."""
    commentaire = (
        f"Fin du programme {dossier.programme.code} : cibles à atteindre avant le "
        f"{fin:%d/%m/%Y}, non atteintes. Domaine clos sans financement."
    )
    # Not at target: a domaine whose targets are met keeps its funding to be notified.
    domaines = list(
        dossier.domaines.select_for_update()
        .select_related("domaine")
        .filter(suivi=SuiviDomaine.SELECTIONNE)
    )
    if not domaines:
        return False
    le = aujourd_hui()
    motif = MotifCloture.FIN_PROGRAMME
    _clore_domaines(
        dossier, domaines, motif=motif, commentaire=commentaire, acting_user=None, le=le
    )
    for dd in domaines:
        tracer_dossier(
            "domaine_clos_fin_programme",
            dossier,
            None,
            apres={"domaine": dd.domaine.code, "motif": motif},
            commentaire=commentaire,
        )
    if not dossier.domaines.filter(
        suivi__in=(SuiviDomaine.FINANCE, SuiviDomaine.CIBLES_ATTEINTES)
    ).exists():
        clore_le_dossier(
            dossier,
            motif=motif,
            commentaire=commentaire,
            acting_user=None,
            le=le,
            action="dossier_clos_fin_programme",
        )
    return True


@transaction.atomic
def demander_cloture(*, dossier, commentaire: str, acting_user, domaine: str = ""):
    """The ES asks its ARS to close the dossier (or one domaine); the ARS decides."""
    dossier = verrouiller(dossier)
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied("Seul le gestionnaire de l'établissement demande une clôture.")
    exiger_suivi(dossier, "de demander la clôture")
    commentaire = texte_libre(commentaire, "commentaire")
    if not commentaire:
        raise DossierError(
            "Expliquez la demande de clôture.",
            {"commentaire": ["Le commentaire est obligatoire."]},
        )
    code = ""
    if domaine:
        code = domaine_suivi(dossier, domaine).domaine.code
    dossier.cloture_demandee_le = timezone.now()
    dossier.cloture_demandee_motif = (f"{code} : " if code else "") + commentaire
    dossier.save(update_fields=["cloture_demandee_le", "cloture_demandee_motif"])
    tracer_dossier(
        "cloture_demandee",
        dossier,
        acting_user,
        apres={"domaine": code or "tous"},
        commentaire=commentaire,
    )
    return dossier
