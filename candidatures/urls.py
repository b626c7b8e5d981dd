"""Pages of the calls for applications (SPEC §7), mounted at ``/candidatures/``."""

from django.urls import path

from candidatures import views, views_campagnes, views_programmation

app_name = "candidatures"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("creer/", views.creer, name="creer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transmettre/", views.transmettre, name="transmettre"),
    path("<int:pk>/decider/", views.decider, name="decider"),
    path("<int:pk>/valider-support/", views.valider_support, name="valider_support"),
    # --- programmation and campaigns (helper "programmation") ---
    path("campagnes/", views_campagnes.liste, name="campagnes"),
    path(
        "programmation/<int:campagne>/",
        views_programmation.nationale,
        name="programmation_nationale",
    ),
    path(
        "programmation/<int:campagne>/<str:region>/",
        views_programmation.programmation,
        name="programmation",
    ),
    path(
        "programmation/<int:campagne>/<str:region>/ajuster/",
        views_programmation.ajuster,
        name="programmation_ajuster",
    ),
    path(
        "programmation/<int:campagne>/<str:region>/transmettre/",
        views_programmation.transmettre,
        name="programmation_transmettre",
    ),
    # --- end of programmation and campaigns ---
]
