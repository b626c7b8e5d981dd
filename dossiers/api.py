"""Dossier API (API.md): thin views over dossiers.actions and dossiers.services."""

import hashlib
import logging
from functools import wraps

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import actions, analyse, pieces, repartition
from dossiers.models import DemandeInitialisation, Dossier, MembreDossier
from dossiers.pagination import PaginationParIds
from dossiers.saisie import enregistrer_saisie
from dossiers.serializers import (
    DemandeCreateSerializer,
    DemandeSerializer,
    DossierCreateSerializer,
    DossierListSerializer,
    DossierSerializer,
    PieceListSerializer,
    PieceRemplacementSerializer,
    PieceSerializer,
    PieceUploadSerializer,
)
from dossiers.services import exiger_instruction, get_dossier_for_user
from hn.api.exceptions import Conflit, ErreurValidation
from hn.api.parsers import FormParser, JSONParser, MultiPartParser  # issue 17: bounded parsers
from hn.champs import booleen, lire, parametre_texte, texte
from hn.journal.models import Evenement
from hn.referentiel.models import Etablissement, Programme

logger = logging.getLogger(__name__)


class StockageIndisponible(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = pieces.MSG_STOCKAGE
    default_code = "stockage_indisponible"


def erreurs_metier(view):
    """Turn the actions' French errors into API.md responses (400, 409; 503 when the
    attachments' storage refuses a write)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except actions.DossierError as exc:
            raise ErreurValidation(
                exc.errors or {"non_field_errors": [exc.message]}, message=exc.message
            ) from exc
        except actions.DepotIncomplet as exc:
            raise Conflit(exc.message, manquants=exc.manquants) from exc
        except actions.TransitionRefusee as exc:
            raise Conflit(exc.message, etat=exc.etat) from exc
        except pieces.StockageIndisponible as exc:
            raise StockageIndisponible(exc.message) from exc

    return wrapper


def _programme(code) -> Programme:
    programme = Programme.objects.filter(code=str(code or "").upper()).first()
    if programme is None:
        raise exceptions.ValidationError({"programme": [f"Programme inconnu : {code}."]})
    return programme


def _etablissement_visible(user, finess) -> Etablissement:
    etab = (
        Etablissement.objects.visibles_par(user)
        .select_related("region")
        .filter(finess=str(finess or "").strip().upper())
        .first()
    )
    if etab is None:
        raise exceptions.ValidationError(
            {"finess": [f"Aucun établissement de votre périmètre n'a le FINESS {finess}."]}
        )
    return etab


class DemandeList(generics.ListCreateAPIView):
    serializer_class = DemandeSerializer

    def get_queryset(self):
        return (
            DemandeInitialisation.objects.visibles_par(self.request.user)
            .select_related("programme", "etablissement__region", "dossier", "ght")
            .prefetch_related("membres")
            .order_by("echeance", "pk")
        )

    @extend_schema(request=DemandeCreateSerializer, responses={201: DemandeSerializer})
    @erreurs_metier
    def post(self, request):
        data = DemandeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        demande = actions.demander_initialisation(
            programme=_programme(data.validated_data["programme"]),
            etablissement=_etablissement_visible(request.user, data.validated_data["finess"]),
            acting_user=request.user,
            membres=data.validated_data.get("membres"),  # None: a single établissement's
        )
        return Response(DemandeSerializer(demande).data, status=status.HTTP_201_CREATED)


def membres_candidats() -> Prefetch:
    """A GHT dossier's candidate members with their établissement, in one query for a whole
    page (``dossiers.ght.candidats`` reads it)."""
    return Prefetch("membres", queryset=MembreDossier.objects.select_related("etablissement"))


class DossierList(generics.ListCreateAPIView):
    serializer_class = DossierListSerializer
    pagination_class = PaginationParIds  # deep pages read their ids from an index first

    def get_queryset(self):
        qs = (
            Dossier.objects.visibles_par(self.request.user)
            .select_related("programme", "etablissement__region", "ght")
            .prefetch_related(membres_candidats())
        )
        filtres = {
            "programme": "programme__code",
            "etat": "etat",
            "region": "region__code",
            "finess": "etablissement__finess",
        }
        for param, field in filtres.items():
            valeur = parametre_texte(self.request, param)
            if valeur:
                qs = qs.filter(**{field: valeur.upper() if param == "programme" else valeur})
        return qs.order_by("-cree_le", "-pk")

    @extend_schema(request=DossierCreateSerializer, responses={201: DossierSerializer})
    @erreurs_metier
    def post(self, request):
        data = DossierCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        etab = _etablissement_visible(request.user, data.validated_data["finess"])
        demande = None
        if data.validated_data.get("demande"):
            demande = get_object_or_404(
                DemandeInitialisation.objects.visibles_par(request.user),
                pk=data.validated_data["demande"],
            )
        dossier = actions.initialiser_dossier(
            programme=_programme(data.validated_data["programme"]),
            etablissement=etab,
            nom=data.validated_data.get("nom", ""),
            demande=demande,
            acting_user=request.user,
        )
        return Response(
            DossierSerializer(dossier, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class DossierDetail(APIView):
    @extend_schema(responses=DossierSerializer)
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        return Response(DossierSerializer(dossier, context={"request": request}).data)

    @extend_schema(request=dict, responses=DossierSerializer)
    @erreurs_metier
    def patch(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero, write=True)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Un objet JSON est attendu."]})
        dossier = enregistrer_saisie(
            dossier=dossier, data=dict(request.data), acting_user=request.user
        )
        return Response(DossierSerializer(dossier, context={"request": request}).data)


TRANSITIONS = {
    "deposer": lambda d, data, user: actions.deposer(dossier=d, acting_user=user),
    "reporter": lambda d, data, user: actions.reporter(
        dossier=d, commentaire=data.get("commentaire", ""), acting_user=user
    ),
    "refuser": lambda d, data, user: actions.refuser(
        dossier=d,
        motif=data.get("motif", ""),
        commentaire=data.get("commentaire", ""),
        acting_user=user,
    ),
    "clore": lambda d, data, user: actions.clore(
        dossier=d,
        motif=data.get("motif", ""),
        commentaire=data.get("commentaire", ""),
        acting_user=user,
    ),
    # Body: {"commentaire", "amorcage": {"D2": 40000, ...}, "derogation": false}.
    "accepter": lambda d, data, user: actions.accepter(
        dossier=d,
        commentaire=data.get("commentaire", ""),
        acting_user=user,
        amorcage=objet_montants(data, "amorcage"),
        derogation=lire(data, "derogation", booleen, defaut=False),
    ),
}


def objet_montants(data, champ) -> dict:
    valeur = data.get(champ) or {}
    if not isinstance(valeur, dict):
        raise exceptions.ValidationError({champ: ["Un objet {domaine: montant}."]})
    return valeur


class DossierTransition(APIView):
    @extend_schema(request=dict, responses=DossierSerializer)
    @erreurs_metier
    def post(self, request, numero, name):
        if name not in TRANSITIONS:
            raise exceptions.NotFound(f"Transition inconnue : {name}.")
        dossier = get_dossier_for_user(request.user, numero)
        dossier = TRANSITIONS[name](dossier, request.data, request.user)
        return Response(DossierSerializer(dossier, context={"request": request}).data)


class DossierPrerequis(APIView):
    """ARS page II.2. Body: {"decisions": {"P1": "accepte", ...}, "commentaire": str}."""

    @extend_schema(request=dict, responses=DossierSerializer)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        exiger_instruction(request.user, dossier)
        decisions = request.data.get("decisions")
        if not isinstance(decisions, dict):
            raise exceptions.ValidationError({"decisions": ["Un objet {code: décision}."]})
        dossier = actions.valider_prerequis(
            dossier=dossier,
            decisions=decisions,
            commentaire=request.data.get("commentaire", ""),
            acting_user=request.user,
        )
        return Response(DossierSerializer(dossier, context={"request": request}).data)


class DossierDomaines(APIView):
    """ARS page II.4. Body: {"decisions": [{"code", "decision", "commentaire"}]}."""

    @extend_schema(request=dict, responses=DossierSerializer)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        exiger_instruction(request.user, dossier)
        items = request.data.get("decisions")
        if not isinstance(items, list):
            raise exceptions.ValidationError(
                {"decisions": ["Une liste de {code, decision, commentaire}."]}
            )
        decisions = {
            str(i.get("code", "")).upper(): (i.get("decision"), i.get("commentaire", ""))
            for i in items
            if isinstance(i, dict)
        }
        dossier = actions.valider_domaines(
            dossier=dossier, decisions=decisions, acting_user=request.user
        )
        return Response(DossierSerializer(dossier, context={"request": request}).data)


class DossierCommentaires(APIView):
    @extend_schema(request=dict, responses=DossierSerializer)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        exiger_instruction(request.user, dossier)
        if request.data.get("page"):
            actions.commenter_page(
                dossier=dossier,
                page=request.data.get("page"),
                texte=request.data.get("texte", ""),
                acting_user=request.user,
            )
        else:
            actions.commenter(
                dossier=dossier, texte=request.data.get("texte", ""), acting_user=request.user
            )
        dossier.refresh_from_db()
        return Response(
            DossierSerializer(dossier, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class DossierForfaits(APIView):
    """The forfait of each domaine and its breakdown by candidate établissement (one line for
    a single ES's dossier, one per candidate member for a GHT's) [SPEC §3, §10]; a member's
    users read their own lines and the totals (dossiers.repartition)."""

    @extend_schema(
        operation_id="dossiers_forfaits_retrieve",
        responses={
            200: inline_serializer(
                "ForfaitsDossier",
                fields={
                    "domaines": inline_serializer(
                        "ForfaitDomaine",
                        many=True,
                        fields={
                            "code": serializers.CharField(),
                            "montant": serializers.IntegerField(
                                help_text="Somme des forfaits standard des candidats, en euros."
                            ),
                            "par_etablissement": inline_serializer(
                                "ForfaitEtablissement",
                                many=True,
                                fields={
                                    "finess": serializers.CharField(),
                                    "activite_combinee": serializers.FloatField(),
                                    "categorie": serializers.CharField(),
                                    "montant": serializers.IntegerField(
                                        help_text="Forfait standard, en euros entiers."
                                    ),
                                },
                            ),
                        },
                    )
                },
            ),
            409: OpenApiResponse(description="Activité de référence d'un candidat inconnue."),
        },
    )
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        forfaits = repartition.forfaits_lisibles(request.user, dossier)
        if forfaits is None:
            raise Conflit(repartition.message_activite_inconnue(dossier))
        return Response(forfaits)


class DossierHistorique(APIView):
    @extend_schema(
        responses=inline_serializer(
            "EvenementDossier",
            fields={
                "horodatage": serializers.DateTimeField(),
                "acteur": serializers.CharField(),
                "action": serializers.CharField(),
                "de": serializers.CharField(allow_null=True),
                "vers": serializers.CharField(allow_null=True),
                "commentaire": serializers.CharField(),
            },
            many=True,
        )
    )
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        rows = Evenement.objects.visibles_par(request.user).filter(
            objet_type="dossiers.dossier", objet_id=str(dossier.pk)
        )
        return Response(
            [
                {
                    "horodatage": timezone.localtime(e.horodatage),
                    "acteur": e.acteur_nom,
                    "action": e.action,
                    "de": (e.avant or {}).get("etat"),
                    "vers": (e.apres or {}).get("etat"),
                    "commentaire": e.commentaire if e.valeurs_lisibles_par(request.user) else "",
                }
                for e in rows.order_by("horodatage", "pk")
            ]
        )


# --- attachments (SPEC §4) ------------------------------------------------------------------


def _donnees(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


def _piece_lisible(user, dossier, pk):
    piece = pieces.pieces_lisibles(user, dossier).filter(pk=pk).first()
    if piece is None:
        raise Http404("Pièce introuvable.")
    return piece


def _piece_modifiable(user, numero, pk):
    """The gestionnaire's active piece (another tenant's dossier 404, a read-only role 403)."""
    dossier = get_dossier_for_user(user, numero, write=True)
    piece = pieces.pieces_actives(dossier).filter(pk=pk).first()
    if piece is None:
        raise Http404("Pièce introuvable.")
    return piece


def _piece_data(request, piece, numero):
    return PieceSerializer(piece, context={"request": request, "numero": numero}).data


class DossierPieces(APIView):
    """The attachments the caller may read (ES: the saisie; ARS and national: the last dépôt),
    and the gestionnaire's upload (multipart ``fichier``, ``categorie``[, ``prerequis``])."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(operation_id="dossiers_pieces_list", responses=PieceListSerializer)
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        lisibles = list(pieces.pieces_lisibles(request.user, dossier))
        context = {"request": request, "numero": dossier.numero}
        return Response(
            {
                "count": len(lisibles),
                "pieces": PieceSerializer(lisibles, many=True, context=context).data,
            }
        )

    @extend_schema(
        request={"multipart/form-data": PieceUploadSerializer}, responses={201: PieceSerializer}
    )
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero, write=True)
        data = _donnees(request)
        piece = pieces.ajouter_piece(
            dossier=dossier,
            fichier=request.FILES.get("fichier"),
            categorie=lire(data, "categorie", texte, defaut="", longueur=30, multiligne=False),
            prerequis_code=lire(data, "prerequis", texte, longueur=20, multiligne=False) or None,
            acting_user=request.user,
        )
        return Response(_piece_data(request, piece, numero), status=status.HTTP_201_CREATED)


class DossierPiece(APIView):
    @extend_schema(responses=PieceSerializer)
    def get(self, request, numero, piece):
        dossier = get_dossier_for_user(request.user, numero)
        return Response(_piece_data(request, _piece_lisible(request.user, dossier, piece), numero))

    @extend_schema(responses={204: None})
    @erreurs_metier
    def delete(self, request, numero, piece):
        pieces.supprimer_piece(
            piece=_piece_modifiable(request.user, numero, piece), acting_user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class DossierPieceRemplacer(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": PieceRemplacementSerializer},
        responses={201: PieceSerializer},
    )
    @erreurs_metier
    def post(self, request, numero, piece):
        nouvelle = pieces.remplacer_piece(
            piece=_piece_modifiable(request.user, numero, piece),
            fichier=request.FILES.get("fichier"),
            acting_user=request.user,
        )
        return Response(_piece_data(request, nouvelle, numero), status=status.HTTP_201_CREATED)


class QuelQueSoitAccept(BaseContentNegotiation):
    """A download answers whatever the client accepts (its errors in JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DossierPieceFichier(APIView):
    """The file itself, sent by this view after the rights check (with S3 too: no redirect to a
    bucket URL), as an attachment under its original name. Pieces are 2 Mo at most: the file
    is read whole (and closed) and checked against its SHA-256 before it is sent."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    def get(self, request, numero, piece):
        dossier = get_dossier_for_user(request.user, numero)
        return fichier_de_piece(request.user, _piece_lisible(request.user, dossier, piece))


def fichier_de_piece(user, piece) -> HttpResponse:
    """The file of a piece the caller may read (also the audits' answer pieces): refused while
    scanned or once infected (409), checked against its SHA-256, sent as an attachment."""
    if not analyse.servie_a(piece, user):  # antivirus: not scanned yet, or infected
        raise Conflit(analyse.message_refus(piece), etat_analyse=piece.etat_analyse)
    with piece.fichier.open("rb") as fichier:
        data = fichier.read()
    if hashlib.sha256(data).hexdigest() != piece.empreinte:
        logger.error("Pièce %s : le fichier stocké ne correspond pas à son empreinte.", piece.pk)
        raise exceptions.APIException("Le fichier stocké est altéré ; contactez le support.")
    response = HttpResponse(data, content_type=piece.type_mime)
    response["Content-Disposition"] = content_disposition_header(True, piece.nom)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
