from django.urls import path

from hn.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/lue/", views.lire, name="lire"),
    path("tout-lire/", views.tout_lire, name="tout_lire"),
]
