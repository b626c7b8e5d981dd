"""The user's own second-factor pages (``/double-authentification/``, namespace ``mfa``)."""

from django.urls import path

from hn.comptes import views_mfa

app_name = "mfa"

urlpatterns = [
    path("", views_mfa.etat, name="etat"),
    path("activer/", views_mfa.activer, name="activer"),
    path("verification/", views_mfa.verifier, name="verifier"),
    path("codes-de-secours/", views_mfa.codes, name="codes"),
]
