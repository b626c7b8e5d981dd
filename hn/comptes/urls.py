from django.urls import path

from hn.comptes import views

app_name = "comptes"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.creer, name="creer"),
    path("<str:username>/roles/", views.ajouter_role, name="ajouter_role"),
    path(
        "<str:username>/double-authentification/reinitialiser/",
        views.reinitialiser_mfa,
        name="reinitialiser_mfa",
    ),
    path("attributions/<int:pk>/retirer/", views.retirer_role, name="retirer_role"),
]
