"""Envelope routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

urlpatterns: list = []
