from django.urls import path

from dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("demander/", views.demander, name="demander"),
    path("initialiser/", views.initialiser, name="initialiser"),
    path("<str:numero>/", views.detail, name="detail"),
    path("<str:numero>/pages/<slug:slug>/", views.page, name="page"),
    path("<str:numero>/deposer/", views.deposer, name="deposer"),
    path("<str:numero>/instruction/", views.instruction, name="instruction"),
    path("<str:numero>/historique/", views.historique, name="historique"),
    path("<str:numero>/pieces/ajouter/", views.piece_ajouter, name="piece_ajouter"),
    path("<str:numero>/pieces/<int:pk>/remplacer/", views.piece_remplacer, name="piece_remplacer"),
    path("<str:numero>/pieces/<int:pk>/supprimer/", views.piece_supprimer, name="piece_supprimer"),
]
