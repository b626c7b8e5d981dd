"""Deadlines of the follow-up (SPEC §5, §9), swept by ``hn.taches.echeances.balayer``:

- rappel_suivi: reminders 15 and 7 days before a follow-up report is due, to the ES;
- retard_suivi: a report not filed by its due date, to the ES and the ARS valideurs;
- fin_programme: at the programme's end, the domaines not at target are closed without funding.

Then HOP'EN's derogation deadline (``enveloppes.evenements.derogations``), registered here after
ours: the sweep runs its kinds in registration order, and enveloppes' ``ready()`` comes before
indicateurs', so registering it there would run it (and print it) before the follow-up's kinds.
Same candidates/lock/re-check pattern as ``dossiers.echeances``.
"""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from dossiers.echeances import PALIERS_RAPPEL, Destinataires, deja_notifies, palier
from dossiers.enums import SUIVI_OUVERT, Etat, SuiviDomaine
from dossiers.models import Dossier
from enveloppes.evenements import DEROGATION, derogations
from hn.comptes.destinataires import comptes_etablissement
from hn.comptes.enums import Role
from hn.notifications.models import Categorie
from hn.notifications.services import notifier
from hn.referentiel.models import Echeance
from hn.taches.echeances import echeance, unite
from indicateurs import clotures

ROLES_SAISIE = (Role.ES_GESTIONNAIRE,)  # who files the follow-up reports

FIN_DU_PROGRAMME = "atteinte_cibles"  # calendar code: targets to reach "avant le" this date


def _en_suivi(**filtre):
    """Accepted dossiers with at least one domaine still awaiting its targets."""
    return (
        Dossier.objects.filter(etat=Etat.ACCEPTE, domaines__suivi__in=SUIVI_OUVERT, **filtre)
        .distinct()
        .select_related("etablissement", "programme")
    )


@echeance("rappel_suivi", "Rappels de rapport de suivi (J-15, J-7)", "rappel(s) de suivi")
def rappels_suivi(jour, bilan):
    candidats = {}
    for d in _en_suivi(
        prochain_rapport_le__gte=jour,
        prochain_rapport_le__lte=jour + dt.timedelta(days=max(PALIERS_RAPPEL)),
    ):
        p = palier(jour, d.prochain_rapport_le)
        candidats[f"rappel_suivi:{d.pk}:{d.prochain_rapport_le:%Y-%m-%d}:J-{p}"] = (d, p)
    for cle in sorted(set(candidats) - deja_notifies(candidats)):
        dossier, p = candidats[cle]
        with unite(bilan, f"Rappel de suivi {dossier.numero}"):
            n = notifier(
                cle=cle,
                destinataires=comptes_etablissement(dossier.etablissement, roles=ROLES_SAISIE),
                categorie=Categorie.RAPPEL,
                titre=f"Dossier {dossier.numero} : rapport de suivi attendu d'ici {p} jours",
                message=(
                    f"Le rapport de suivi du dossier « {dossier.nom} » est attendu au plus tard "
                    f"le {dossier.prochain_rapport_le:%d/%m/%Y} : valeurs des indicateurs, "
                    "avancement par domaine, budget et ressources humaines engagés."
                ),
                lien=reverse("dossiers:suivi", args=[dossier.numero]),
            )
            bilan.traites += 1 if n else 0


@echeance("retard_suivi", "Rapports de suivi en retard", "rapport(s) en retard signalé(s)")
def retards_suivi(jour, bilan):
    candidats = {
        f"retard_suivi:{d.pk}:{d.prochain_rapport_le:%Y-%m-%d}": d
        for d in _en_suivi(prochain_rapport_le__lt=jour)
    }
    destinataires = Destinataires()
    for cle in sorted(set(candidats) - deja_notifies(candidats)):
        dossier = candidats[cle]
        message = (
            f"Le rapport de suivi du dossier « {dossier.nom} » de "
            f"{dossier.etablissement.raison_sociale} était attendu le "
            f"{dossier.prochain_rapport_le:%d/%m/%Y} : il n'a pas été déposé."
        )
        lien = reverse("dossiers:suivi", args=[dossier.numero])
        with unite(bilan, f"Retard de suivi {dossier.numero}"):
            n = notifier(
                cle=cle,
                destinataires=[
                    *comptes_etablissement(dossier.etablissement, roles=ROLES_SAISIE),
                    *destinataires.valideurs(dossier.etablissement.region_id),
                ],
                categorie=Categorie.RETARD,
                titre=f"Dossier {dossier.numero} : rapport de suivi en retard",
                message=message,
                lien=lien,
            )
            bilan.traites += 1 if n else 0


@echeance(
    "fin_programme",
    "Fin du programme : domaines sans cibles atteintes clos",
    "dossier(s) aux domaines clos sans financement",
)
def fin_programme(jour, bilan):
    """At the programme's end (calendar ``atteinte_cibles``: targets are due *before* that
    date), every domaine not at target is closed without funding, its engagement released and
    its paid amorçage made repayable [SPEC §5; 000 §2, A4 §2; 003 §5.3.1]. A domaine whose
    targets are met keeps its funding to be notified."""
    fins = dict(
        Echeance.objects.filter(code=FIN_DU_PROGRAMME, date__lte=jour).values_list(
            "programme_id", "date"
        )
    )
    if not fins:
        return
    # The dossiers in follow-up at the programme's end (accepted before it: a dossier accepted
    # afterwards — only in made-up data such as the demo — never lived that end), with a
    # domaine not at target.
    en_cours = Q()
    for programme_id, fin in fins.items():
        en_cours |= Q(programme_id=programme_id, decide_le__lt=fin)
    dus = list(
        Dossier.objects.filter(
            en_cours, etat=Etat.ACCEPTE, domaines__suivi=SuiviDomaine.SELECTIONNE
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in dus:
        with unite(bilan, f"Dossier {pk}"):
            dossier = (
                Dossier.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("programme", "etablissement__region")
                .filter(pk=pk, etat=Etat.ACCEPTE)
                .first()
            )
            if dossier is None:
                continue
            if clotures.clore_fin_de_programme(dossier, fin=fins[dossier.programme_id]):
                bilan.traites += 1


echeance(*DEROGATION)(derogations)
