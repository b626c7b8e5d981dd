"""Exports of the dossier (API.md ``GET dossiers/{numero}/pdf/``) and its dépôts with their
accusés de dépôt. Same visibility as the rest of the dossier API."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import pdf
from dossiers.api import QuelQueSoitAccept
from dossiers.services import get_dossier_for_user
from dossiers.views_pdf import depot_lisible, reponse_pdf

PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


class DossierPdf(APIView):
    """The whole dossier as the caller may read it (the ARS: the last dépôt; before the first
    dépôt, only the header)."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(responses=PDF)
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        return reponse_pdf(pdf.pdf_dossier(request.user, dossier), f"{dossier.numero}.pdf")


class DossierDepots(APIView):
    """The dépôts of the dossier, oldest first, each with its accusé and its frozen version."""

    @extend_schema(
        responses=inline_serializer(
            "DepotDossier",
            fields={
                "rang": serializers.IntegerField(),
                "depose_le": serializers.DateTimeField(),
                "empreinte": serializers.CharField(help_text="SHA-256 du contenu déposé."),
                "accuse": serializers.URLField(help_text="Accusé de dépôt (PDF)."),
                "pdf": serializers.URLField(help_text="Version déposée (PDF)."),
            },
            many=True,
        )
    )
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)

        def url(name, rang):
            return request.build_absolute_uri(
                reverse(name, kwargs={"numero": dossier.numero, "rang": rang})
            )

        return Response(
            [
                {
                    "rang": d.rang,
                    "depose_le": d.depose_le,
                    "empreinte": d.empreinte,
                    "accuse": url("api:dossier-depot-accuse", d.rang),
                    "pdf": url("api:dossier-depot-pdf", d.rang),
                }
                for d in dossier.depots.order_by("rang")
            ]
        )


class DossierDepotAccuse(APIView):
    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(responses=PDF)
    def get(self, request, numero, rang):
        depot = depot_lisible(request.user, numero, rang)
        return reponse_pdf(
            pdf.accuse_de_depot(depot),
            f"accuse-de-depot-{depot.dossier.numero}-{depot.rang}.pdf",
        )


class DossierDepotPdf(APIView):
    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(responses=PDF)
    def get(self, request, numero, rang):
        depot = depot_lisible(request.user, numero, rang)
        return reponse_pdf(pdf.pdf_depot(depot), f"{depot.dossier.numero}-depot-{depot.rang}.pdf")
