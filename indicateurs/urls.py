"""Follow-up pages. Included by ``hn.urls`` into the ``dossiers`` URL namespace, under
``dossiers/`` (``dossiers:suivi``): the follow-up is a phase of the dossier, its names and
paths are those of the dossier's pages."""

from django.urls import path

from indicateurs import views

urlpatterns = [
    path("<str:numero>/suivi/", views.page, name="suivi"),
]
