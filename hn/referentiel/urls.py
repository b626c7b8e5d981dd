from django.urls import path

from hn.referentiel import views

app_name = "referentiel"

urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<str:code>/", views.programme, name="programme"),
    path("etablissements/", views.etablissements, name="etablissements"),
    path("etablissements/<str:finess>/", views.etablissement, name="etablissement"),
]
