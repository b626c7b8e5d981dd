"""The audits of the bench's 10x data set (issue 13 point 9), called by ``bench.generer`` once
the dossiers are written: past years drawn in every région for both programmes, through the
application's own draw (``audits.actions.tirer``: the draw of a whole year takes seconds, no
bulk path needed), each région by its CMSI with a seed derived from the bench's; then, in
région 84, audits in progress where ``ars_auditeur`` filled half the grid (what the grid page
shows at its heaviest). Idempotent: a programme and région already drawn that year is kept.

``tirer_annee`` is also what the bench times (``bench.mesures_audits``), on a year not drawn,
inside a transaction it rolls back."""

import random

from django.db import transaction

from audits import actions
from audits.enums import EtatAudit
from audits.grille import indicateurs_audites
from audits.models import Audit, Tirage
from hn.comptes.enums import Role
from hn.comptes.models import Attribution, User
from hn.referentiel.models import Programme, Region

AUDITEUR = "ars_auditeur"  # the demo's auditor of région 84
EN_COURS = 20  # audits of région 84 brought in progress, their grid half filled


def valideurs() -> dict[str, User]:
    """Current région code -> its CMSI (the first attributed)."""
    attributions = (
        Attribution.objects.filter(role=Role.ARS_VALIDEUR, region__isnull=False)
        .select_related("user", "region")
        .order_by("pk")
    )
    result: dict[str, User] = {}
    for a in attributions:
        result.setdefault(a.region.code, a.user)
    return result


def tirer_annee(annee: int, *, graine: int) -> list[Tirage]:
    """Every current région drawn for ``annee`` for both programmes, by its CMSI, with seeds
    drawn from ``graine``; those already drawn are left. Returns the new draws."""
    rng = random.Random(graine)
    cmsi = valideurs()
    tirages = []
    for programme in Programme.objects.order_by("code"):
        for region in Region.objects.actuelles().order_by("code"):
            graine_region = rng.randrange(2**62)
            if (
                region.code not in cmsi
                or Tirage.objects.filter(programme=programme, region=region, annee=annee).exists()
            ):
                continue
            tirages.append(
                actions.tirer(
                    programme=programme.code,
                    region=region.code,
                    annee=annee,
                    graine=graine_region,
                    acting_user=cmsi[region.code],
                )
            )
    return tirages


@transaction.atomic
def mettre_en_cours(annee: int, *, nombre: int = EN_COURS) -> int:
    """Audits of région 84 still to plan that year, up to ``nombre`` in progress:
    ``ars_auditeur`` designated by the CMSI, half the grid filled. Returns how many were
    started."""
    auditeur = User.objects.filter(username=AUDITEUR).first()
    valideur = valideurs().get("84")
    if auditeur is None or valideur is None:
        return 0
    de_l_annee = Audit.objects.filter(tirage__annee=annee, tirage__region__code="84")
    nombre -= de_l_annee.filter(etat=EtatAudit.EN_COURS).count()
    audits = de_l_annee.filter(etat=EtatAudit.A_PLANIFIER).order_by(
        "tirage__programme__code", "rang"
    )[: max(0, nombre)]
    n = 0
    for audit in audits:
        actions.designer(audit=audit, username=AUDITEUR, acting_user=valideur)
        indicateurs = indicateurs_audites(audit.dossier)
        lignes = [
            {"code": i.code, "resultat": "conforme", "preuves_verifiees": True,
             "observations": "Constaté sur place."}
            for i in indicateurs[: max(1, len(indicateurs) // 2)]
        ]  # fmt: skip
        actions.enregistrer_grille(audit=audit, lignes=lignes, acting_user=auditeur)
        n += 1
    return n


def generer(annees: list[int], *, graine: int) -> dict[str, int]:
    """The data set's audits: each of ``annees`` drawn everywhere, audits of région 84 in
    progress in the first one (the demo's draws of région 84, last year, are left as they
    are)."""
    compte = {"tirages": 0, "audits": 0}
    for annee in annees:
        with transaction.atomic():
            tirages = tirer_annee(annee, graine=graine + annee)
        compte["tirages"] += len(tirages)
        compte["audits"] += sum(len(t.tires) for t in tirages)
    compte["audits en cours"] = mettre_en_cours(annees[0]) if annees else 0
    return compte
