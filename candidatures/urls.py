"""Pages of the calls for applications (SPEC §7), mounted at ``/candidatures/``."""

from django.urls import path

from candidatures import views

app_name = "candidatures"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("creer/", views.creer, name="creer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transmettre/", views.transmettre, name="transmettre"),
    path("<int:pk>/decider/", views.decider, name="decider"),
    path("programmation/<int:campagne>/<str:region>/", views.programmation, name="programmation"),
]
