"""Deadlines of the contradictory phase (SPEC §8, §9), swept by ``hn.taches.echeances.balayer``
(registered in ``AuditsConfig.ready``), same candidates/lock/re-check pattern as
``dossiers.echeances``:

- rappel_contradictoire: reminders 15 and 7 days before the ES's answer is due, to the ES
  gestionnaires, while it has not answered;
- delai_contradictoire: the answer not received by the due date — the audit is flagged
  (``delai_expire_le``), the ES and the ARS valideurs are told; the CMSI decides.

Idempotent: reminders are notifications keyed by audit, due date and palier; the expiry sets
the flag once (a flagged audit is no longer a candidate). Acted by the system.
"""

import datetime as dt

from audits.enums import EtatAudit
from audits.models import Audit
from audits.notifications import lien
from dossiers.echeances import PALIERS_RAPPEL, Destinataires, deja_notifies, palier
from hn.comptes.destinataires import comptes_etablissement
from hn.comptes.enums import Role
from hn.journal.services import tracer
from hn.notifications.models import Categorie
from hn.notifications.services import notifier
from hn.taches.echeances import echeance, unite


def _sans_reponse(**filtre):
    return Audit.objects.filter(
        etat=EtatAudit.CONTRADICTOIRE, reponse_es="", **filtre
    ).select_related("tirage", "dossier__etablissement")


@echeance(
    "rappel_contradictoire",
    "Rappels de réponse à un audit (J-15, J-7)",
    "rappel(s) de réponse à un audit",
)
def rappels_contradictoire(jour, bilan):
    candidats = {}
    for audit in _sans_reponse(
        echeance_reponse__gte=jour,
        echeance_reponse__lte=jour + dt.timedelta(days=max(PALIERS_RAPPEL)),
    ):
        p = palier(jour, audit.echeance_reponse)
        candidats[f"rappel_contradictoire:{audit.pk}:{audit.echeance_reponse:%Y-%m-%d}:J-{p}"] = (
            audit,
            p,
        )
    for cle in sorted(set(candidats) - deja_notifies(candidats)):
        audit, p = candidats[cle]
        dossier = audit.dossier
        with unite(bilan, f"Rappel d'audit {dossier.numero}"):
            n = notifier(
                cle=cle,
                destinataires=comptes_etablissement(
                    dossier.etablissement, roles=(Role.ES_GESTIONNAIRE,)
                ),
                categorie=Categorie.RAPPEL,
                titre=f"Audit du dossier {dossier.numero} : réponse attendue d'ici {p} jours",
                message=(
                    f"L'audit {audit.tirage.annee} du dossier « {dossier.nom} » a conclu à une "
                    "non-conformité. Votre réponse écrite est attendue au plus tard le "
                    f"{audit.echeance_reponse:%d/%m/%Y}."
                ),
                lien=lien(audit),
            )
            bilan.traites += 1 if n else 0


@echeance(
    "delai_contradictoire",
    "Phases contradictoires d'audit sans réponse à l'échéance",
    "audit(s) sans réponse signalé(s)",
)
def delais_contradictoire(jour, bilan):
    dus = list(
        _sans_reponse(echeance_reponse__lt=jour, delai_expire_le__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    destinataires = Destinataires()
    for pk in dus:
        with unite(bilan, f"Audit {pk}"):
            audit = (
                Audit.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("tirage", "dossier__etablissement")
                .filter(
                    pk=pk,
                    etat=EtatAudit.CONTRADICTOIRE,
                    reponse_es="",
                    delai_expire_le__isnull=True,
                )
                .first()
            )
            if audit is None:
                continue
            _signaler_expiration(audit, jour, destinataires)
            bilan.traites += 1


def _signaler_expiration(audit, jour, destinataires):
    dossier = audit.dossier
    audit.delai_expire_le = jour
    audit.save(update_fields=["delai_expire_le"])
    evenement = tracer(
        "audit_delai_expire",
        objet=audit,
        etablissement=dossier.etablissement,
        region=dossier.region,
        apres={"echeance_reponse": audit.echeance_reponse, "delai_expire_le": jour},
    )
    notifier(
        cle=f"evenement:{evenement.pk}",
        destinataires=[
            *comptes_etablissement(dossier.etablissement, roles=(Role.ES_GESTIONNAIRE,)),
            *destinataires.valideurs(dossier.region_id),
        ],
        categorie=Categorie.RETARD,
        titre=f"Audit du dossier {dossier.numero} : délai de réponse expiré",
        message=(
            f"L'établissement n'a pas répondu à l'audit {audit.tirage.annee} du dossier "
            f"« {dossier.nom} » dans le délai (échéance le {audit.echeance_reponse:%d/%m/%Y}). "
            "L'ARS peut décider : classer l'audit ou clore le dossier pour fausse déclaration."
        ),
        lien=lien(audit),
    )
