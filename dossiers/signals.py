"""``Dossier.region`` copies the établissement's current région (the ARS scope reads it without a
join): an établissement that changes région takes its dossiers along, as the join did."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from hn.referentiel.models import Etablissement


@receiver(post_save, sender=Etablissement, dispatch_uid="dossiers_region_suit_etablissement")
def region_suit_etablissement(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    from dossiers.models import Dossier

    Dossier.objects.filter(etablissement=instance).exclude(region_id=instance.region_id).update(
        region_id=instance.region_id
    )
