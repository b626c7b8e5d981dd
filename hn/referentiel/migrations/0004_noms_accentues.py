"""Accents on the référentiel's names (issue 19): « Île-de-France » (the région, and the demo
GHT named after it), « Échange et partage ». Names only: codes (INSEE, domaine) stay as they
are (API.md)."""

from django.db import migrations

REGIONS = {"Ile-de-France": "Île-de-France"}
PREREQUIS = {"Echange et partage": "Échange et partage"}  # HOP'EN P4
GHTS = {"GHT Ile-de-France": "GHT Île-de-France"}


def _renommer(apps, inverse: bool):
    Region = apps.get_model("referentiel", "Region")
    Prerequis = apps.get_model("referentiel", "Prerequis")
    GHT = apps.get_model("referentiel", "GHT")
    renommages = ((Region, "nom", REGIONS), (Prerequis, "libelle", PREREQUIS), (GHT, "nom", GHTS))
    for model, champ, noms in renommages:
        for avant, apres in noms.items():
            if inverse:
                avant, apres = apres, avant
            model.objects.filter(**{champ: avant}).update(**{champ: apres})


def accentuer(apps, schema_editor):
    _renommer(apps, inverse=False)


def desaccentuer(apps, schema_editor):
    _renommer(apps, inverse=True)


class Migration(migrations.Migration):
    dependencies = [("referentiel", "0003_eligibilite")]

    operations = [migrations.RunPython(accentuer, desaccentuer)]
