"""Pilotage routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from pilotage import api_bilan

urlpatterns: list = [
    path("pilotage/bilan/", api_bilan.BilanApi.as_view(), name="pilotage-bilan"),
]
