"""Deadlines of the instruction (SPEC §9), swept by ``hn.taches.echeances.balayer``.

- refus_implicite: a dossier deposited 4 calendar months ago without an ARS decision is
  refused implicitly, the refusal date being the expiry date [000 §2, A2 §3; 003 A4 §1];
- retard_initialisation: a request not initialised within 1 month + 15 days is escalated to
  the ARS valideurs and the national level (the regulation sets no automatic outcome);
- rappel_decision, rappel_initialisation: reminders 15 and 7 days before each deadline, to
  whoever must act (the ARS valideurs).

The follow-up's deadlines are in ``indicateurs.echeances``, HOP'EN's derogation deadline in
``enveloppes.evenements``; ``palier``, ``deja_notifies`` and ``Destinataires`` serve them too.

Candidates are found with one indexed query on the due dates stored on the rows; each is then
locked with ``skip_locked``, so two workers sweeping at once never handle the same row, and
re-checked under the lock, so a dossier decided meanwhile is left alone.
"""

import datetime as dt

from django.urls import reverse

from dossiers import actions
from dossiers.enums import Etat
from dossiers.models import DemandeInitialisation, Dossier
from hn.comptes.destinataires import comptes_nationaux, comptes_region
from hn.dates import date_paris
from hn.notifications.models import Categorie, Notification
from hn.notifications.services import notifier
from hn.taches.echeances import echeance, unite

PALIERS_RAPPEL = (15, 7)  # days before the deadline (our choice, SPEC §9)


def palier(jour: dt.date, echeance_: dt.date) -> int | None:
    """The reminder due on ``jour`` for a deadline on ``echeance_``: 15 from 15 days before,
    7 from 7 days before (a sweep that missed a day catches up; a later palier supersedes
    an earlier one not yet sent), None outside the window or once the deadline is past."""
    restant = (echeance_ - jour).days
    if restant < 0:
        return None
    dus = [p for p in PALIERS_RAPPEL if restant <= p]
    return min(dus) if dus else None


def deja_notifies(cles) -> set[str]:
    return set(Notification.objects.filter(cle__in=cles).values_list("cle", flat=True).distinct())


class Destinataires:
    """The sweep's recipients, one query per région and not per item."""

    def __init__(self):
        self._regions = {}
        self._nationaux = None

    def valideurs(self, region_id):
        if region_id not in self._regions:
            self._regions[region_id] = list(comptes_region(region_id))
        return self._regions[region_id]

    def nationaux(self):
        if self._nationaux is None:
            self._nationaux = list(comptes_nationaux())
        return self._nationaux


@echeance("refus_implicite", "Refus implicites", "dossier(s) refusé(s) implicitement")
def refus_implicites(jour, bilan):
    dus = list(
        Dossier.objects.filter(etat=Etat.DEPOSE, echeance_decision__lt=jour)
        .order_by("echeance_decision", "pk")
        .values_list("pk", flat=True)
    )
    for pk in dus:
        with unite(bilan, f"Dossier {pk}"):
            dossier = (
                Dossier.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, etat=Etat.DEPOSE, echeance_decision__lt=jour)
                .first()
            )
            if dossier is None:  # another worker has it, or the ARS decided meanwhile
                continue
            # Traced as "systeme"; the ES and the ARS are notified by the trace's table.
            actions.refuser_implicitement(dossier=dossier)
            bilan.traites += 1


@echeance("rappel_decision", "Rappels de décision (J-15, J-7)", "rappel(s) de décision")
def rappels_decision(jour, bilan):
    candidats = {}
    for d in Dossier.objects.filter(
        etat=Etat.DEPOSE,
        echeance_decision__gte=jour,
        echeance_decision__lte=jour + dt.timedelta(days=max(PALIERS_RAPPEL)),
    ).select_related("etablissement"):
        p = palier(jour, d.echeance_decision)
        candidats[f"rappel_decision:{d.pk}:{d.echeance_decision:%Y-%m-%d}:J-{p}"] = (d, p)
    destinataires = Destinataires()
    for cle in sorted(set(candidats) - deja_notifies(candidats)):
        dossier, p = candidats[cle]
        with unite(bilan, f"Rappel {dossier.numero}"):
            verrou = (
                Dossier.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    pk=dossier.pk, etat=Etat.DEPOSE, echeance_decision=dossier.echeance_decision
                )
                .first()
            )
            if verrou is None:
                continue
            n = notifier(
                cle=cle,
                destinataires=destinataires.valideurs(dossier.etablissement.region_id),
                categorie=Categorie.RAPPEL,
                titre=f"Dossier {dossier.numero} : décision à prendre d'ici {p} jours",
                message=(
                    f"Le dossier « {dossier.nom} » de {dossier.etablissement.raison_sociale} "
                    f"attend la décision de l'ARS au plus tard le "
                    f"{dossier.echeance_decision:%d/%m/%Y}. Passé cette date, il sera réputé "
                    "refusé (refus implicite)."
                ),
                lien=reverse("dossiers:instruction", args=[dossier.numero]),
            )
            bilan.traites += 1 if n else 0


def _demandes(jour, **filtre):
    return (
        DemandeInitialisation.objects.en_attente()
        .filter(**filtre)
        .select_related("etablissement", "programme")
        .order_by("echeance", "pk")
    )


def _notifier_demande(demande, cle, destinataires, categorie, titre, message) -> int:
    lien = f"{reverse('dossiers:initialiser')}?demande={demande.pk}"
    return notifier(
        cle=cle,
        destinataires=destinataires,
        categorie=categorie,
        titre=titre,
        message=message,
        lien=lien,
    )


def _le(demande) -> str:
    return f"{date_paris(demande.demandee_le):%d/%m/%Y}"


def _verrouiller_demande(demande):
    return (
        DemandeInitialisation.objects.en_attente()
        .select_for_update(skip_locked=True)
        .filter(pk=demande.pk)
        .first()
    )


@echeance(
    "retard_initialisation",
    "Initialisations en retard (1 mois et 15 jours)",
    "demande(s) en retard signalée(s)",
)
def retards_initialisation(jour, bilan):
    demandes = {f"retard_initialisation:{d.pk}": d for d in _demandes(jour, echeance__lt=jour)}
    destinataires = Destinataires()
    for cle in sorted(set(demandes) - deja_notifies(demandes)):
        demande = demandes[cle]
        with unite(bilan, f"Demande {demande.pk}"):
            if _verrouiller_demande(demande) is None:
                continue
            comptes = destinataires.valideurs(demande.etablissement.region_id)
            comptes = comptes + destinataires.nationaux()
            n = _notifier_demande(
                demande,
                cle,
                comptes,
                Categorie.RETARD,
                f"Demande d'initialisation en retard : {demande.etablissement.raison_sociale}",
                (
                    f"{demande.etablissement.raison_sociale} (FINESS "
                    f"{demande.etablissement.finess}) a demandé un dossier "
                    f"{demande.programme.nom} le {_le(demande)}. L'ARS devait "
                    f"l'initialiser au plus tard le {demande.echeance:%d/%m/%Y} (un mois et "
                    "quinze jours) : ce délai est dépassé."
                ),
            )
            bilan.traites += 1 if n else 0


@echeance(
    "rappel_initialisation",
    "Rappels d'initialisation (J-15, J-7)",
    "rappel(s) d'initialisation",
)
def rappels_initialisation(jour, bilan):
    candidats = {}
    for d in _demandes(
        jour,
        echeance__gte=jour,
        echeance__lte=jour + dt.timedelta(days=max(PALIERS_RAPPEL)),
    ):
        p = palier(jour, d.echeance)
        candidats[f"rappel_initialisation:{d.pk}:J-{p}"] = (d, p)
    destinataires = Destinataires()
    for cle in sorted(set(candidats) - deja_notifies(candidats)):
        demande, p = candidats[cle]
        with unite(bilan, f"Rappel demande {demande.pk}"):
            if _verrouiller_demande(demande) is None:
                continue
            n = _notifier_demande(
                demande,
                cle,
                destinataires.valideurs(demande.etablissement.region_id),
                Categorie.RAPPEL,
                f"Dossier à initialiser d'ici {p} jours : {demande.etablissement.raison_sociale}",
                (
                    f"{demande.etablissement.raison_sociale} a demandé un dossier "
                    f"{demande.programme.nom} le {_le(demande)}. L'ARS doit "
                    f"l'initialiser au plus tard le {demande.echeance:%d/%m/%Y}."
                ),
            )
            bilan.traites += 1 if n else 0
