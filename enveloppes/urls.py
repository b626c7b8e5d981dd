from django.urls import path

from enveloppes import redeploiement, views, vues_derogation

app_name = "enveloppes"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("syntheses/", views.syntheses, name="syntheses"),
    # The national synthesis of a programme for a year: every région side by side (XLSX).
    path(
        "syntheses/<str:programme>/<int:annee>/xlsx/",
        views.synthese_nationale_xlsx,
        name="synthese_nationale_xlsx",
    ),
    # HOP'EN's amorçage by derogation: before the <programme>/<region>/ patterns (which would
    # read "derogations/HOPEN/" as an envelope).
    path("derogations/<str:programme>/", vues_derogation.nationale, name="derogations"),
    path(
        "derogations/<str:programme>/<str:region>/",
        vues_derogation.regionale,
        name="derogation",
    ),
    # One envelope: programme code and the région's INSEE code in the programme's découpage
    # (HN: the former région, e.g. /enveloppes/HN/82/; HOP'EN: the current one).
    path("<str:programme>/<str:region>/", views.detail, name="detail"),
    path(
        "<str:programme>/<str:region>/redeployer/",
        redeploiement.redeployer,
        name="redeployer",
    ),
    path(
        "<str:programme>/<str:region>/synthese/<int:annee>/",
        views.synthese_page,
        name="synthese",
    ),
    path(
        "<str:programme>/<str:region>/synthese/<int:annee>/commentaire/",
        views.commenter,
        name="commentaire",
    ),
    path(
        "<str:programme>/<str:region>/synthese/<int:annee>/pdf/",
        views.synthese_pdf,
        name="synthese_pdf",
    ),
    path(
        "<str:programme>/<str:region>/synthese/<int:annee>/xlsx/",
        views.synthese_xlsx,
        name="synthese_xlsx",
    ),
]
