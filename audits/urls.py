"""Audit pages (``audits`` namespace, under ``/audits/``)."""

from django.urls import path

from audits import urls_synthese, views

app_name = "audits"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("tirages/", views.tirages, name="tirages"),
    path("tirages/<int:pk>/", views.tirage, name="tirage"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/auditeurs/", views.designer, name="designer"),
    path("<int:pk>/grille/", views.grille, name="grille"),
    path("<int:pk>/terminer/", views.terminer, name="terminer"),
    path("<int:pk>/repondre/", views.repondre, name="repondre"),
    path("<int:pk>/decider/", views.decider, name="decider"),
    # The fiche de synthèse and the consolidated tables (audits.views_synthese).
    *urls_synthese.urlpatterns,
]
