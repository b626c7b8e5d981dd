from django.urls import path

from hn.taches import vues_exports as views

app_name = "exports"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("demander/", views.demander, name="demander"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/etat/", views.etat_json, name="etat"),
    path("<uuid:pk>/fichier/", views.fichier, name="fichier"),
]
