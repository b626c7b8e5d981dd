from django.urls import path

from hn.comptes import mots_de_passe, views

app_name = "comptes"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("nouveau/", views.creer, name="creer"),
    # Passwords and login blocks (issue 17), before the username patterns.
    path("mot-de-passe/", mots_de_passe.ChangerMotDePasse.as_view(), name="changer_mot_de_passe"),
    path(
        "mot-de-passe/oublie/",
        mots_de_passe.MotDePasseOublie.as_view(),
        name="mot_de_passe_oublie",
    ),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        mots_de_passe.ReinitialiserMotDePasse.as_view(),
        name="reinitialiser_mot_de_passe",
    ),
    path("blocages/", views.blocages, name="blocages"),
    path("blocages/debloquer/", views.debloquer, name="debloquer"),
    path("<str:username>/roles/", views.ajouter_role, name="ajouter_role"),
    path(
        "<str:username>/double-authentification/reinitialiser/",
        views.reinitialiser_mfa,
        name="reinitialiser_mfa",
    ),
    path("attributions/<int:pk>/retirer/", views.retirer_role, name="retirer_role"),
]
