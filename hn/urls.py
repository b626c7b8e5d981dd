from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dossiers import urls as dossiers_urls
from hn import views
from indicateurs import urls as indicateurs_urls

# The dossier's pages and those of its follow-up phase (indicateurs) share the ``dossiers/``
# prefix and the ``dossiers`` namespace (``dossiers:suivi``): one include, one namespace.
DOSSIERS = (dossiers_urls.urlpatterns + indicateurs_urls.urlpatterns, dossiers_urls.app_name)

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibilite/", views.page_publique, {"gabarit": "accessibilite"}, name="accessibilite"),
    path(
        "mentions-legales/",
        views.page_publique,
        {"gabarit": "mentions_legales"},
        name="mentions_legales",
    ),
    path(
        "donnees-personnelles/",
        views.page_publique,
        {"gabarit": "donnees_personnelles"},
        name="donnees_personnelles",
    ),
    path("", include("hn.referentiel.urls")),
    path("dossiers/", include(DOSSIERS)),
    path("enveloppes/", include("enveloppes.urls")),
    path("audits/", include("audits.urls")),
    path("candidatures/", include("candidatures.urls")),
    path("pilotage/", include("pilotage.urls")),
    path("comptes/", include("hn.comptes.urls")),
    # --- MFA (issue 17) ---
    path("double-authentification/", include("hn.comptes.mfa_urls")),
    # --- end MFA ---
    path("journal/", include("hn.journal.urls")),
    path("notifications/", include("hn.notifications.urls")),
    path("operations/", include("hn.taches.urls")),
    path("exports/", include("hn.taches.urls_exports")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hn.api.urls")),
]

# Error pages: JSON under /api/, the platform's French pages elsewhere (hn/views.py).
handler400 = "hn.views.erreur_400"
handler403 = "hn.views.erreur_403"
handler404 = "hn.views.erreur_404"
handler500 = "hn.views.erreur_500"
