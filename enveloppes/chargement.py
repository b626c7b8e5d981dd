"""The envelopes of each programme, created when the référentiel loads it (``programme_charge``
of ``hn.referentiel.chargement``): one per région, at the published amount of the fixture."""

from decimal import Decimal

from django.dispatch import receiver

from enveloppes.models import Enveloppe
from hn.referentiel.chargement import KEUR, programme_charge
from hn.referentiel.models import Region


@receiver(programme_charge)
def creer_enveloppes(sender, *, programme, data, chargeur, **kwargs):
    for env in data["enveloppes_keur"]:
        region = Region.objects.get(code=env["region"], decoupage=data["decoupage"])
        chargeur.upsert(
            Enveloppe,
            {"programme": programme, "region": region},
            {"montant_publie": Decimal(str(env["montant"])) * KEUR},
        )
