"""Pilotage pages (issue 16): the dashboards, the bilan."""

from django.urls import path  # noqa: F401

app_name = "pilotage"

urlpatterns: list = []
