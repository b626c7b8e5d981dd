"""Audit routes of the API (included in ``hn.api.urls``, namespace ``api``)."""

from django.urls import path

from audits import api, api_synthese

urlpatterns: list = [
    path("audits/", api.AuditList.as_view(), name="audits"),
    path("audits/tirages/", api.TirageList.as_view(), name="audit-tirages"),
    path("audits/synthese/", api_synthese.AuditSynthese.as_view(), name="audit-synthese"),
    path("audits/<int:pk>/", api.AuditDetail.as_view(), name="audit"),
    path("audits/<int:pk>/fiche/", api_synthese.AuditFiche.as_view(), name="audit-fiche"),
    path("audits/<int:pk>/auditeurs/", api.AuditAuditeurs.as_view(), name="audit-auditeurs"),
    path("audits/<int:pk>/grille/", api.AuditGrille.as_view(), name="audit-grille"),
    path(
        "audits/<int:pk>/transitions/<str:name>/",
        api.AuditTransition.as_view(),
        name="audit-transition",
    ),
    path("audits/<int:pk>/pieces/", api.AuditPieces.as_view(), name="audit-pieces"),
    path(
        "audits/<int:pk>/pieces/<int:piece>/fichier/",
        api.AuditPieceFichier.as_view(),
        name="audit-piece-fichier",
    ),
]
