from django.urls import path

from hn.journal import views

app_name = "journal"

urlpatterns = [path("", views.liste, name="liste")]
