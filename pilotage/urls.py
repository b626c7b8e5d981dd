"""Pilotage pages (issue 16): the dashboards, the bilan."""

from django.urls import path

from pilotage import views, views_bilan

app_name = "pilotage"

urlpatterns: list = [
    # The published bilan (PDF): national, and per région (INSEE code of a current région; HN
    # also a former one).
    path("<str:programme>/bilan.pdf", views_bilan.bilan_national_pdf, name="bilan_pdf"),
    path(
        "<str:programme>/<str:region>/bilan.pdf",
        views_bilan.bilan_region_pdf,
        name="bilan_region_pdf",
    ),
    # The dashboards: /pilotage/ opens the first programme; the national level sees every
    # région side by side, an ARS is sent to its own; ?format=csv|xlsx&table= exports a table.
    path("", views.accueil, name="accueil"),
    path("<str:programme>/", views.nationale, name="nationale"),
    path("<str:programme>/<str:region>/", views.regionale, name="regionale"),
]
