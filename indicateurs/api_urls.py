"""Phase suivi routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from indicateurs import api

urlpatterns: list = [
    path("dossiers/<str:numero>/suivi/", api.DossierSuivi.as_view(), name="dossier-suivi"),
    path(
        "dossiers/<str:numero>/rapports/",
        api.DossierRapports.as_view(),
        name="dossier-rapports",
    ),
    path(
        "dossiers/<str:numero>/amorcage/",
        api.DossierAmorcage.as_view(),
        name="dossier-amorcage",
    ),
    path(
        "dossiers/<str:numero>/demande-cloture/",
        api.DossierDemandeCloture.as_view(),
        name="dossier-demande-cloture",
    ),
    path(
        "dossiers/<str:numero>/domaines/<str:domaine>/financement/",
        api.DomaineFinancement.as_view(),
        name="domaine-financement",
    ),
    path(
        "dossiers/<str:numero>/domaines/<str:domaine>/versements/",
        api.DomaineVersement.as_view(),
        name="domaine-versement",
    ),
    path(
        "dossiers/<str:numero>/domaines/<str:domaine>/remboursements/",
        api.DomaineRemboursement.as_view(),
        name="domaine-remboursement",
    ),
    path(
        "dossiers/<str:numero>/domaines/<str:domaine>/cloture/",
        api.DomaineCloture.as_view(),
        name="domaine-cloture",
    ),
]
