from django.contrib import admin

from hn.comptes.scopes import acces
from hn.journal.services import difference, instantane, tracer
from hn.referentiel.models import (
    GHT,
    Categorie,
    CoefficientActivite,
    Domaine,
    Echeance,
    Etablissement,
    GrilleForfait,
    Indicateur,
    Prerequis,
    Programme,
    Region,
)


class PiloteAdmin(admin.ModelAdmin):
    """Editable by the national pilots; every change traced with before/after values."""

    def has_module_permission(self, request):
        return acces(request.user).pilote

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: acces(request.user).pilote
    )

    def has_delete_permission(self, request, obj=None):
        # Reference data is referenced by dossiers and money lines: never deleted here.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        avant = instantane(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        apres = instantane(obj)
        avant, apres = difference(avant, apres)
        tracer(
            "referentiel_modifie" if change else "referentiel_cree",
            acteur=request.user,
            objet=obj,
            avant=avant or None,
            apres=apres,
        )


class IndicateurInline(admin.TabularInline):
    model = Indicateur
    fields = ["code", "libelle", "type", "cible", "cible_a_confirmer", "source"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Programme)
class ProgrammeAdmin(PiloteAdmin):
    list_display = ["code", "nom", "annee_reference_activite", "montant_total_publie"]


@admin.register(Indicateur)
class IndicateurAdmin(PiloteAdmin):
    list_display = ["programme", "code", "libelle", "type", "cible", "cible_a_confirmer"]
    list_filter = ["programme", "type", "cible_a_confirmer"]
    list_editable = []
    search_fields = ["code", "libelle"]
    fields = [
        "programme",
        "prerequis",
        "domaine",
        "code",
        "libelle",
        "type",
        "cible",
        "cible_a_confirmer",
        "source",
    ]
    readonly_fields = ["programme", "prerequis", "domaine", "code"]


@admin.register(GrilleForfait)
class GrilleForfaitAdmin(PiloteAdmin):
    list_display = ["domaine", "categorie", "avance", "montant_min", "montant_max"]
    list_filter = ["domaine__programme", "avance", "categorie"]


@admin.register(Domaine)
class DomaineAdmin(PiloteAdmin):
    list_display = ["programme", "code", "libelle"]
    list_filter = ["programme"]
    inlines = [IndicateurInline]


@admin.register(Prerequis)
class PrerequisAdmin(PiloteAdmin):
    list_display = ["programme", "code", "libelle"]
    list_filter = ["programme"]
    inlines = [IndicateurInline]


@admin.register(Echeance)
class EcheanceAdmin(PiloteAdmin):
    list_display = ["programme", "libelle", "date"]
    list_filter = ["programme"]


@admin.register(Categorie)
class CategorieAdmin(PiloteAdmin):
    list_display = ["programme", "code", "borne_min", "borne_max"]


@admin.register(CoefficientActivite)
class CoefficientActiviteAdmin(PiloteAdmin):
    list_display = ["programme", "volume", "coefficient"]


@admin.register(Region)
class RegionAdmin(PiloteAdmin):
    list_display = ["code", "nom", "decoupage", "region_actuelle"]
    list_filter = ["decoupage"]


@admin.register(GHT)
class GHTAdmin(PiloteAdmin):
    list_display = ["nom", "region", "support"]
    raw_id_fields = ["support"]


@admin.register(Etablissement)
class EtablissementAdmin(PiloteAdmin):
    list_display = ["finess", "raison_sociale", "region", "statut"]
    list_filter = ["region", "statut"]
    search_fields = ["finess", "raison_sociale"]
    raw_id_fields = ["ght"]
