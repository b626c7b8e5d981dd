"""Audits API (SPEC §8, API.md "Audits"): thin views over ``audits.actions``, French errors
(400/409), tenant 404. Routes in ``audits.api_urls`` (namespace ``api``)."""

from functools import wraps

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audits import actions, grille
from audits.models import Audit, Designation, Tirage
from audits.services import audits_visibles, exiger_lecture_grille, get_audit_for_user
from dossiers.api import QuelQueSoitAccept, erreurs_metier, fichier_de_piece
from hn.api.exceptions import Conflit
from hn.api.parsers import FormParser, JSONParser, MultiPartParser
from hn.champs import parametre_texte


def erreurs_audit(view):
    """The audits' own 409s (second draw, grid incomplete), then the dossiers' (400, 409)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except actions.DejaTire as exc:
            raise Conflit(exc.message) from exc
        except actions.GrilleIncomplete as exc:
            raise Conflit(exc.message, manquants=exc.manquants) from exc

    return erreurs_metier(wrapper)


def _filtrer(request, qs, champs: dict):
    for param, field in champs.items():
        valeur = parametre_texte(request, param)
        if valeur:
            if param == "annee" and not valeur.isdigit():
                raise exceptions.ValidationError({"annee": ["Une année (AAAA)."]})
            qs = qs.filter(**{field: valeur.upper() if param == "programme" else valeur})
    return qs


# --- draws ----------------------------------------------------------------------------------


class TirageSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code")
    region = serializers.CharField(source="region.code")
    tire_par = serializers.CharField(source="tire_par.username")

    class Meta:
        model = Tirage
        fields = [
            "id",
            "programme",
            "region",
            "annee",
            "graine",
            "population",
            "tires",
            "tire_le",
            "tire_par",
        ]


class TirageList(generics.ListAPIView):
    """GET: the draws (ARS of the région, national). POST (ARS valideur): ``{"programme",
    "region", "annee"[, "graine"]}`` draws the year's sample; 409 when already drawn."""

    serializer_class = TirageSerializer

    def get_queryset(self):
        qs = Tirage.objects.visibles_par(self.request.user).select_related(
            "programme", "region", "tire_par"
        )
        qs = _filtrer(
            self.request,
            qs,
            {"programme": "programme__code", "region": "region__code", "annee": "annee"},
        )
        return qs.order_by("-annee", "programme__ordre", "region__code", "pk")

    @extend_schema(request=dict, responses={201: TirageSerializer})
    @erreurs_audit
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        tirage = actions.tirer(
            programme=data.get("programme"),
            region=data.get("region"),
            annee=data.get("annee"),
            graine=data.get("graine"),
            acting_user=request.user,
        )
        return Response(TirageSerializer(tirage).data, status=status.HTTP_201_CREATED)


# --- audits ---------------------------------------------------------------------------------


class AuditSerializer(serializers.ModelSerializer):
    tirage = serializers.IntegerField(source="tirage_id")
    dossier = serializers.CharField(source="dossier.numero")
    finess = serializers.CharField(source="dossier.etablissement.finess")
    programme = serializers.CharField(source="tirage.programme.code")
    region = serializers.CharField(source="tirage.region.code")
    annee = serializers.IntegerField(source="tirage.annee")
    auditeurs = serializers.SerializerMethodField()
    conclusion = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Audit
        fields = [
            "id",
            "tirage",
            "dossier",
            "finess",
            "programme",
            "region",
            "annee",
            "etat",
            "auditeurs",
            "conclusion",
            "observations",
            "reponse_es",
            "decision",
            "fiche_envoyee_le",
        ]

    def get_auditeurs(self, audit) -> list[str]:
        return [d.auditeur.username for d in audit.designations.all()]

    def get_conclusion(self, audit) -> str | None:
        return audit.conclusion or None

    def get_decision(self, audit) -> str | None:
        return audit.decision or None


def avec_auditeurs(qs):
    return qs.prefetch_related(
        Prefetch(
            "designations",
            queryset=Designation.objects.select_related("auditeur").order_by("designe_le", "pk"),
        )
    )


def _audit(request, pk):
    return avec_auditeurs(audits_visibles(request.user)).get(
        pk=get_audit_for_user(request.user, pk).pk
    )


class AuditList(generics.ListAPIView):
    """The audits (filters ``programme``, ``region``, ``annee``, ``etat``): the ARS of the
    région, the national level, the ES its own, an auditor those they are designated on."""

    serializer_class = AuditSerializer

    def get_queryset(self):
        qs = _filtrer(
            self.request,
            audits_visibles(self.request.user),
            {
                "programme": "tirage__programme__code",
                "region": "tirage__region__code",
                "annee": "tirage__annee",
                "etat": "etat",
            },
        )
        return avec_auditeurs(qs).order_by("-tirage__annee", "tirage_id", "rang")


class AuditDetail(APIView):
    @extend_schema(responses=AuditSerializer)
    def get(self, request, pk):
        return Response(AuditSerializer(_audit(request, pk)).data)


class AuditAuditeurs(APIView):
    """ARS valideur: ``{"username"}`` designates an auditor (400 with the reason when they are
    not an ARS auditeur of the région, always for a valideur)."""

    @extend_schema(request=dict, responses={201: AuditSerializer})
    @erreurs_audit
    def post(self, request, pk):
        audit = get_audit_for_user(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        actions.designer(audit=audit, username=data.get("username"), acting_user=request.user)
        return Response(AuditSerializer(_audit(request, pk)).data, status=status.HTTP_201_CREATED)


def _grille(audit) -> dict:
    return {
        "audit": audit.pk,
        "etat": audit.etat,
        "lignes": [
            {
                "code": ligne.code,
                "libelle": ligne.indicateur.libelle,
                "valeur_declaree": ligne.valeur_declaree,
                "cible": ligne.cible,
                "resultat": ligne.resultat or None,
                "preuves_verifiees": ligne.preuves_verifiees,
                "observations": ligne.observations,
            }
            for ligne in grille.lignes(audit)
        ],
    }


class AuditGrille(APIView):
    """GET (ARS, national, the designated auditors): the control grid. PATCH (a designated
    auditor while ``en_cours``): ``{"lignes": [{"code", "resultat", "preuves_verifiees",
    "observations"}]}``; the lines not sent are left as they are."""

    @extend_schema(responses=dict)
    def get(self, request, pk):
        audit = get_audit_for_user(request.user, pk)
        exiger_lecture_grille(request.user, audit)
        return Response(_grille(audit))

    @extend_schema(request=dict, responses=dict)
    @erreurs_audit
    def patch(self, request, pk):
        audit = get_audit_for_user(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        audit = actions.enregistrer_grille(
            audit=audit, lignes=data.get("lignes"), acting_user=request.user
        )
        return Response(_grille(audit))


def _donnees(request) -> dict:
    return request.data if hasattr(request.data, "get") else {}


def _terminer(audit, request):
    data = _donnees(request)
    return actions.terminer(
        audit=audit,
        conclusion=data.get("conclusion"),
        observations=data.get("observations", ""),
        acting_user=request.user,
    )


def _repondre(audit, request):
    """JSON ``{"reponse"}``, or multipart: ``reponse`` and files under ``pieces``."""
    return actions.repondre(
        audit=audit,
        reponse=_donnees(request).get("reponse", ""),
        fichiers=request.FILES.getlist("pieces"),
        acting_user=request.user,
    )


def _decider(audit, request):
    data = _donnees(request)
    return actions.decider(
        audit=audit,
        decision=data.get("decision"),
        commentaire=data.get("commentaire", ""),
        acting_user=request.user,
    )


TRANSITIONS = {"terminer": _terminer, "repondre": _repondre, "decider": _decider}


class AuditTransition(APIView):
    """``terminer`` (designated auditor: ``{"conclusion", "observations"}``), ``repondre`` (ES
    gestionnaire: ``{"reponse"}``), ``decider`` (ARS valideur: ``{"decision": "classer" |
    "cloturer", "commentaire"}``); returns the audit."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=dict, responses=AuditSerializer)
    @erreurs_audit
    def post(self, request, pk, name):
        if name not in TRANSITIONS:
            raise exceptions.NotFound(f"Transition inconnue : {name}.")
        TRANSITIONS[name](get_audit_for_user(request.user, pk), request)
        return Response(AuditSerializer(_audit(request, pk)).data)


# --- the answer's attachments ----------------------------------------------------------------


class PieceReponseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="piece.pk")
    nom = serializers.CharField(source="piece.nom")
    taille = serializers.IntegerField(source="piece.taille")
    type_mime = serializers.CharField(source="piece.type_mime")
    etat_analyse = serializers.CharField(source="piece.etat_analyse")
    deposee_le = serializers.DateTimeField(source="piece.deposee_le")


class AuditPieces(APIView):
    """The attachments of the ES's answer, for whoever reads the audit."""

    @extend_schema(responses=PieceReponseSerializer(many=True))
    def get(self, request, pk):
        audit = get_audit_for_user(request.user, pk)
        liens = audit.pieces_reponse.select_related("piece").order_by("pk")
        return Response(PieceReponseSerializer(liens, many=True).data)


class AuditPieceFichier(APIView):
    """The file of one attachment of the answer (after the antivirus scan)."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    def get(self, request, pk, piece):
        audit = get_audit_for_user(request.user, pk)
        lien = audit.pieces_reponse.select_related("piece").filter(piece_id=piece).first()
        if lien is None:
            raise Http404("Pièce introuvable.")
        return fichier_de_piece(request.user, lien.piece)
