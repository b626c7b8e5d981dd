"""Pilotage routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from pilotage import api

urlpatterns: list = [
    path("pilotage/", api.Pilotage.as_view(), name="pilotage"),
    path(
        "pilotage/<slug:bloc>/",
        api.PilotageBloc.as_view(),
        name="pilotage-bloc",
    ),
]
