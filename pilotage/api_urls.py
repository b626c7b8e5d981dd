"""Pilotage routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
