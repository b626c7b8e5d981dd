from django.urls import path

from hn.taches import views

app_name = "taches"

urlpatterns = [path("", views.operations, name="operations")]
