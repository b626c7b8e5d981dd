"""Benchmark dossiers made due (``bench.generer --dus``, ``bench.mesurer``): the decision
deadline of a share of the deposited dossiers moved into the past so that the implicit refusal
sweep has work, put back afterwards; and the deadlines passed since the generation re-dated."""

import random
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from dossiers.models import Dossier
from hn.dates import PARIS, ajouter_mois, aujourd_hui, date_paris, echeance_decision


def marquer_dus(part: float, *, graine: int = 1) -> list[tuple]:
    """Move the decision deadline of ``part`` of the deposited dossiers into the past (1 to 30
    days ago), so that the implicit refusal is due. Returns what :func:`restaurer_dus` needs."""
    ids = list(Dossier.objects.filter(etat="depose").order_by("pk").values_list("pk", flat=True))
    rng = random.Random(graine)
    choisis = sorted(rng.sample(ids, round(len(ids) * part))) if ids else []
    originaux = list(
        Dossier.objects.filter(pk__in=choisis).values_list("pk", "depose_le", "echeance_decision")
    )
    debut = ajouter_mois(aujourd_hui(), -4)
    nouvelles = []
    for pk, _, _ in originaux:
        jour = debut - timedelta(days=rng.randint(2, 31))
        moment = datetime.combine(jour, datetime.min.time(), tzinfo=PARIS) + timedelta(hours=10)
        nouvelles.append((pk, moment, echeance_decision(jour)))
    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, nouvelles)
    return originaux


def restaurer_dus(originaux: list[tuple]) -> int:
    """Put back the deposited state and dates of the dossiers :func:`marquer_dus` changed (the
    sweep may have refused them implicitly meanwhile; its journal rows stay: append-only)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, originaux, reouvrir=True)
    return len(originaux)


def _mettre_a_jour_dates(cursor, lignes, *, reouvrir=False):
    table = connection.ops.quote_name(Dossier._meta.db_table)
    extra = ", etat = 'depose', decide_le = NULL" if reouvrir else ""
    for pk, depose_le, echeance in lignes:
        cursor.execute(
            f"UPDATE {table} SET depose_le = %s, echeance_decision = %s{extra} WHERE id = %s",
            [depose_le, echeance, pk],
        )


def rafraichir_echeances() -> int:
    """A data set reused days later: deposited dossiers whose deadline has passed meanwhile are
    re-dated (dépôt 1 to 110 days ago) so that "nothing due" stays true. Returns the count."""
    echus = list(
        Dossier.objects.filter(etat="depose", echeance_decision__lt=aujourd_hui()).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(len(echus))
    lignes = []
    maintenant = timezone.now().replace(microsecond=0)
    for pk in echus:
        depose = maintenant - timedelta(seconds=rng.randrange(86_400, 110 * 86_400))
        lignes.append((pk, depose, echeance_decision(date_paris(depose))))
    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, lignes)
    return len(lignes)
