"""Pilotage routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from pilotage import api, api_bilan

urlpatterns: list = [
    path("pilotage/", api.Pilotage.as_view(), name="pilotage"),
    # Before the blocks' route, which would take "bilan" for a block.
    path("pilotage/bilan/", api_bilan.BilanApi.as_view(), name="pilotage-bilan"),
    path(
        "pilotage/<slug:bloc>/",
        api.PilotageBloc.as_view(),
        name="pilotage-bloc",
    ),
]
