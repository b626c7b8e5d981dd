from django.contrib import admin

from hn.comptes.scopes import acces
from hn.journal.models import Evenement


@admin.register(Evenement)
class EvenementAdmin(admin.ModelAdmin):
    """Read-only for the national level."""

    list_display = ["horodatage", "acteur_nom", "action", "objet_libelle"]
    list_filter = ["action"]
    search_fields = ["acteur_nom", "objet_libelle"]

    def get_queryset(self, request):
        return Evenement.objects.visibles_par(request.user)

    def get_exclude(self, request, obj=None):
        if obj is not None and not obj.valeurs_lisibles_par(request.user):
            return ["avant", "apres", "commentaire"]
        return []

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
