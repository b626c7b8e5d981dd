"""The ledger's part in a dossier's life, outside ``enveloppes.actions`` (the ledger itself):

- at the acceptance (``dossiers.evenements.ACCEPTE``, registered in ``EnveloppesConfig.ready``):
  the selected forfaits are engaged, then the optional amorçage is decided [SPEC §3, §4];
- HOP'EN's derogation deadline (sweep kind ``derogation``): amorçage paid before the prérequis
  is repayable when they are not met by the programme's deadline [003 §5.1, A2 §2];
- :func:`argent`: the ledger's refusals as the dossier's errors, for every action on a dossier
  that writes money (here and in ``indicateurs.suivi``).
"""

from contextlib import contextmanager
from decimal import Decimal

from dossiers import evenements
from dossiers.actions import DossierError
from dossiers.models import Dossier
from enveloppes import actions as enveloppes
from enveloppes.models import MouvementEnveloppe
from enveloppes.parametres import parametres_de
from enveloppes.regles import MouvementRefuse
from hn.dates import aujourd_hui
from hn.referentiel.models import Programme
from hn.saisie import nombre_ou_erreur
from hn.taches.echeances import unite


@contextmanager
def argent():
    """The ledger's refusals are the dossier's errors (same French message, nothing written)."""
    try:
        yield
    except MouvementRefuse as exc:
        raise DossierError(exc.message, {"montant": [exc.message]}) from exc


# --- the acceptance ------------------------------------------------------------------------


@evenements.abonner(evenements.ACCEPTE, ordre=20)
def engager_a_l_acceptation(*, dossier, acting_user, le, **_):
    """The selected domaines' forfaits engaged on the région's envelope; the selection's drift
    from the région's statut/activité balance is told, never blocking."""
    with argent():
        engagement = enveloppes.engager(dossier=dossier, acting_user=acting_user, le=le)
    dossier.avertissements = list(engagement.avertissements)


@evenements.abonner(evenements.ACCEPTE, ordre=30)
def decider_amorcage_a_l_acceptation(*, dossier, acting_user, amorcage, derogation, **_):
    decider_amorcage_saisi(dossier, amorcage, acting_user, derogation)


NON_NOMBRE = "Le montant doit être un nombre."
MONTANT_SAISI = {"invalide": NON_NOMBRE, "non_fini": NON_NOMBRE}


def montants_saisis(montants) -> dict[str, Decimal]:
    """``{domaine: montant}`` typed by the ARS, read by :func:`hn.saisie.nombre` (French typing
    "12 000,50" included); empty and zero amounts are no amorçage and are left out, the
    ledger checks the others (positive, in proportion, cents). A value that is no number is a
    :class:`DossierError` on ``montants.<domaine>``."""
    errors: dict[str, list[str]] = {}
    lus = {}
    for code, brut in (montants or {}).items():
        code = str(code).upper()
        valeur = nombre_ou_erreur(brut, f"montants.{code}", errors, messages=MONTANT_SAISI)
        if valeur is not None and not valeur.is_zero():
            lus[code] = valeur
    if errors:
        message = next(iter(errors.values()))[0]
        raise DossierError(message, {"montant": [message], **errors})
    return lus


def decider_amorcage_saisi(dossier, montants, acting_user, derogation):
    """The amorçage typed by the ARS (``{domaine: montant}``, empty or zero amounts skipped),
    under the caller's lock and transaction: at the acceptance or after it."""
    montants = montants_saisis(montants)
    if not montants:
        return []
    with argent():
        return enveloppes.decider_amorcage(
            dossier=dossier, montants=montants, acting_user=acting_user, derogation=derogation
        )


# --- HOP'EN's derogation deadline ------------------------------------------------------------

# The sweep kind (hn.taches.echeances): registered by indicateurs.echeances after the
# follow-up's own kinds, so that the sweep keeps its order (see there).
DEROGATION = (
    "derogation",
    "Amorçage par dérogation : prérequis non atteints à l'échéance",
    "dossier(s) dont l'amorçage dérogatoire devient remboursable",
)


def exiger_remboursement_derogation(dossier) -> bool:
    """Called by the sweep under the dossier's lock once the derogation deadline is past."""
    with argent():
        lignes = enveloppes.exiger_remboursement_derogation(
            dossier=dossier, prerequis_atteints_le=dossier.prerequis_atteints_le
        )
    dossier.derogation_remboursement_exige_le = aujourd_hui()
    dossier.save(update_fields=["derogation_remboursement_exige_le"])
    return bool(lignes)


def derogations(jour, bilan):
    """HOP'EN: amorçage paid before the prérequis is repayable when they are not met by the
    programme's derogation deadline (01/01/2021 included) [003 §5.1, A2 §2]."""
    echeances = {}
    for programme in Programme.objects.all():
        echeance_ = parametres_de(programme).derogation_echeance
        if echeance_ is not None and jour > echeance_:
            echeances[programme.pk] = echeance_
    if not echeances:
        return
    avec_derogation = MouvementEnveloppe.objects.filter(derogation=True).values("dossier_id")
    dus = list(
        Dossier.objects.filter(
            programme_id__in=list(echeances),
            pk__in=avec_derogation,
            derogation_remboursement_exige_le__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "programme_id", "prerequis_atteints_le")
    )
    for pk, programme_id, atteints_le in dus:
        if atteints_le is not None and atteints_le <= echeances[programme_id]:
            continue  # met in time: nothing is repayable
        with unite(bilan, f"Dossier {pk}"):
            dossier = (
                Dossier.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("programme", "etablissement__region")
                .filter(pk=pk, derogation_remboursement_exige_le__isnull=True)
                .first()
            )
            if dossier is None:
                continue
            if exiger_remboursement_derogation(dossier):
                bilan.traites += 1
