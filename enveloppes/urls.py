from django.urls import path

from enveloppes import views

app_name = "enveloppes"

urlpatterns = [path("", views.liste, name="liste")]
