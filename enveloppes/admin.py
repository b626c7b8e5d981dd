from django.contrib import admin

from enveloppes.models import Enveloppe
from hn.referentiel.admin import PiloteAdmin


@admin.register(Enveloppe)
class EnveloppeAdmin(PiloteAdmin):
    list_display = ["programme", "region", "montant_publie"]
    list_filter = ["programme"]
