from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hn.champs import parametre_texte
from hn.referentiel import regles
from hn.referentiel.models import Etablissement, Indicateur, Programme
from hn.referentiel.serializers import (
    DomaineSerializer,
    EtablissementSerializer,
    ForfaitQuerySerializer,
    ForfaitSerializer,
    PrerequisSerializer,
    ProgrammeSerializer,
    nombre,
)


def regles_par_programme() -> dict:
    return {p.pk: (p, p.regles()) for p in Programme.objects.all()}


class ProgrammeList(generics.ListAPIView):
    serializer_class = ProgrammeSerializer
    pagination_class = None
    queryset = Programme.objects.prefetch_related("calendrier")


class ProgrammeDomaines(APIView):
    @extend_schema(
        responses=inline_serializer(
            "DomainesDuProgramme",
            fields={
                "programme": serializers.CharField(),
                "domaines": DomaineSerializer(many=True),
                "prerequis": PrerequisSerializer(many=True),
            },
        )
    )
    def get(self, request, code):
        programme = get_object_or_404(Programme, code=code.upper())
        indicateurs = Prefetch("indicateurs", queryset=Indicateur.objects.order_by("ordre"))
        return Response(
            {
                "programme": programme.code,
                "domaines": DomaineSerializer(
                    programme.domaines.prefetch_related(indicateurs), many=True
                ).data,
                "prerequis": PrerequisSerializer(
                    programme.prerequis.prefetch_related(indicateurs), many=True
                ).data,
            }
        )


class Forfait(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("domaine", str, required=True),
            OpenApiParameter("activite_combinee", float, required=True),
            OpenApiParameter("avance", bool),
        ],
        responses=ForfaitSerializer,
    )
    def get(self, request, code):
        programme = get_object_or_404(Programme, code=code.upper())
        reg = programme.regles()
        query = ForfaitQuerySerializer(data=request.query_params, context={"regles": reg})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        categorie, montant = regles.forfait(
            reg, data["domaine"], data["activite_combinee"], avance=data["avance"]
        )
        return Response(
            {
                "programme": programme.code,
                "domaine": data["domaine"],
                "activite_combinee": nombre(data["activite_combinee"]),
                "categorie": categorie.code,
                "avance": data["avance"],
                "montant": montant,
            }
        )


class EtablissementMixin:
    serializer_class = EtablissementSerializer
    lookup_field = "finess"

    def get_queryset(self):
        qs = Etablissement.objects.visibles_par(self.request.user).select_related("region", "ght")
        region = parametre_texte(self.request, "region")
        if region:
            qs = qs.filter(region__code=region)
        statut = parametre_texte(self.request, "statut")
        if statut:
            qs = qs.filter(statut=statut)
        return qs.prefetch_related("volumes").order_by("finess")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "regles": regles_par_programme()}


class EtablissementList(EtablissementMixin, generics.ListAPIView):
    @extend_schema(parameters=[OpenApiParameter("region", str), OpenApiParameter("statut", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EtablissementDetail(EtablissementMixin, generics.RetrieveAPIView):
    pass
