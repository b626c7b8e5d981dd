from django.contrib import admin

from hn.comptes.scopes import acces
from hn.journal.models import Evenement


@admin.register(Evenement)
class EvenementAdmin(admin.ModelAdmin):
    """Read-only for the national level."""

    list_display = ["horodatage", "acteur_nom", "action", "objet_libelle"]
    list_filter = ["action"]
    search_fields = ["acteur_nom", "objet_libelle"]

    def has_module_permission(self, request):
        return acces(request.user).national

    def has_view_permission(self, request, obj=None):
        return acces(request.user).national

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
