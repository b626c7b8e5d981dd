from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig

from hn import antivirus
from hn.comptes.scopes import acces

MSG_ANTIVIRUS_DESACTIVE = (
    "Antivirus désactivé (ANTIVIRUS=aucun) : les pièces jointes ne sont pas analysées. "
    "En production, installez clamav-daemon et réglez ANTIVIRUS=clamd."
)


class HNAdminSite(admin.AdminSite):
    """The admin is where the national level edits the référentiels (SPEC §2)."""

    site_header = "Administration du référentiel HN / HOP'EN"
    site_title = "Référentiel HN / HOP'EN"
    index_title = "Référentiels des programmes"
    login_template = "registration/login.html"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and acces(user).pilote

    def index(self, request, extra_context=None):
        if not antivirus.actif():
            messages.warning(request, MSG_ANTIVIRUS_DESACTIVE)
        return super().index(request, extra_context)


class HNAdminConfig(AdminConfig):
    default_site = "hn.admin_site.HNAdminSite"
