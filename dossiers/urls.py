from django.urls import path

from dossiers import views, views_historique, views_pdf

# The follow-up's pages (indicateurs.urls) join this namespace in hn.urls.
app_name = "dossiers"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("tableau-de-bord/", views.tableau, name="tableau"),
    path("demander/", views.demander, name="demander"),
    path("initialiser/", views.initialiser, name="initialiser"),
    path("<str:numero>/", views.detail, name="detail"),
    path("<str:numero>/pages/<slug:slug>/", views.page, name="page"),
    path("<str:numero>/deposer/", views.deposer, name="deposer"),
    path("<str:numero>/instruction/", views.instruction, name="instruction"),
    path("<str:numero>/historique/", views_historique.historique, name="historique"),
    path("<str:numero>/pieces/ajouter/", views.piece_ajouter, name="piece_ajouter"),
    path("<str:numero>/pieces/<int:pk>/remplacer/", views.piece_remplacer, name="piece_remplacer"),
    path("<str:numero>/pieces/<int:pk>/supprimer/", views.piece_supprimer, name="piece_supprimer"),
    # Exports (dossiers/views_pdf.py).
    path("<str:numero>/pdf/", views_pdf.dossier_pdf, name="pdf"),
    path("<str:numero>/apercu/", views_pdf.apercu, name="apercu"),
    path("<str:numero>/accuse/<int:rang>/", views_pdf.accuse, name="accuse"),
    path("<str:numero>/depots/<int:rang>/pdf/", views_pdf.depot_pdf, name="depot_pdf"),
]
