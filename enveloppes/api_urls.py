"""Envelope routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from enveloppes import api

urlpatterns: list = [
    path("enveloppes/", api.EnveloppeList.as_view(), name="enveloppes"),
    # National redeployments (API.md "Pilotage"); before the <programme>/<region>/ routes.
    path(
        "enveloppes/redeploiements/",
        api.Redeploiements.as_view(),
        name="enveloppe-redeploiements",
    ),
    path(
        "enveloppes/<str:programme>/<str:region>/mouvements/",
        api.EnveloppeMouvements.as_view(),
        name="enveloppe-mouvements",
    ),
    path(
        "enveloppes/<str:programme>/<str:region>/synthese/<int:annee>/",
        api.EnveloppeSynthese.as_view(),
        name="enveloppe-synthese",
    ),
]
