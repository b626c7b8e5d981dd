"""Pages of the calls for applications (SPEC §7), mounted at ``/candidatures/``."""

from django.urls import path

from candidatures import views

app_name = "candidatures"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("<int:pk>/", views.detail, name="detail"),
    path("programmation/<int:campagne>/<str:region>/", views.programmation, name="programmation"),
]
