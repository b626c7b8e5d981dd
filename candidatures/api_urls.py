"""Routes of the calls' API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from candidatures import api

urlpatterns: list = [
    path("campagnes/", api.CampagneList.as_view(), name="campagnes"),
    path("precandidatures/", api.PrecandidatureList.as_view(), name="precandidatures"),
    path("precandidatures/<int:pk>/", api.PrecandidatureDetail.as_view(), name="precandidature"),
    path(
        "precandidatures/<int:pk>/transitions/<str:name>/",
        api.PrecandidatureTransition.as_view(),
        name="precandidature-transition",
    ),
    path(
        "programmations/<int:campagne>/<str:region>/",
        api.ProgrammationDetail.as_view(),
        name="programmation",
    ),
    path(
        "programmations/<int:campagne>/<str:region>/transmettre/",
        api.ProgrammationTransmettre.as_view(),
        name="programmation-transmettre",
    ),
]
