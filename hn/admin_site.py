from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from hn.comptes.scopes import acces


class HNAdminSite(admin.AdminSite):
    """The admin is where the national level edits the référentiels (SPEC §2)."""

    site_header = "Administration du référentiel HN / HOP'EN"
    site_title = "Référentiel HN / HOP'EN"
    index_title = "Référentiels des programmes"
    login_template = "registration/login.html"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and acces(user).pilote


class HNAdminConfig(AdminConfig):
    default_site = "hn.admin_site.HNAdminSite"
