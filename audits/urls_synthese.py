"""Web routes of the fiche de synthèse and the consolidated tables (``audits.views_synthese``):
app-level patterns, included under ``audits/`` in the ``audits`` namespace."""

from django.urls import path

from audits import views_synthese as v

SYNTHESE = "synthese/<str:programme>/<int:annee>/"

urlpatterns = [
    path("<int:pk>/fiche/", v.fiche, name="fiche"),
    path(SYNTHESE, v.synthese_nationale, name="synthese_nationale"),
    path(f"{SYNTHESE}<str:region>/", v.synthese_region, name="synthese"),
    path(f"{SYNTHESE}<str:region>/pdf/", v.synthese_region_pdf, name="synthese_pdf"),
    path(f"{SYNTHESE}<str:region>/transmettre/", v.transmettre, name="synthese_transmettre"),
]
