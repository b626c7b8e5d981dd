"""Calls for applications API (SPEC §7, API.md "Calls for applications and programmation"):
thin views over ``candidatures.actions``, French errors (400/409), tenant 404. Routes in
``candidatures.api_urls`` (namespace ``api``)."""

from functools import wraps

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from candidatures import actions, campagnes, chiffrage, exports
from candidatures.enums import EtatPrecandidature
from candidatures.models import Campagne
from candidatures.services import (
    campagne_ou_404,
    get_precandidature_for_user,
    heure_paris,
    precandidature_api,
    precandidatures_visibles,
    region_lisible,
)
from dossiers.api import QuelQueSoitAccept, erreurs_metier
from hn.api.exceptions import Conflit
from hn.champs import parametre_texte
from hn.exports import format_demande, reponse_liste
from hn.referentiel.models import Etablissement


def erreurs_candidature(view):
    """The calls' own 409s (incomplete, over the envelope), then the dossiers' (400, 409)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except actions.Incomplete as exc:
            raise Conflit(exc.message, manquants=exc.manquants) from exc
        except actions.Depassement as exc:
            raise Conflit(exc.message, depassements=exc.depassements) from exc

    return erreurs_metier(wrapper)


def _corps(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


def campagne_api(c: Campagne) -> dict:
    return {
        "id": c.pk,
        "programme": c.programme.code,
        "code": c.code,
        "libelle": c.libelle,
        "ouverture": c.ouverture,
        "cloture": c.cloture,
        "programmation_avant": c.programmation_avant,
        "reponse_avant": c.reponse_avant,
        "tardives_jusqu_au": c.tardives_jusqu_au,
        "premier_semestre": c.premier_semestre,
        "dernier_semestre_prerequis": c.dernier_semestre_prerequis,
        "dernier_semestre_cibles": c.dernier_semestre_cibles,
    }


LISTE = {200: {"type": "array", "items": {"type": "object", "additionalProperties": {}}}}


class CampagneList(APIView):
    """GET (anyone authenticated): the campaigns. POST (national pilote): opens one; 400 when
    dates are out of order."""

    @extend_schema(responses=LISTE)
    def get(self, request):
        qs = Campagne.objects.select_related("programme").order_by("-ouverture", "pk")
        if programme := parametre_texte(request, "programme"):
            qs = qs.filter(programme__code=programme.upper())
        return Response([campagne_api(c) for c in qs])

    @extend_schema(request=dict, responses={201: dict})
    @erreurs_candidature
    def post(self, request):
        campagne = campagnes.ouvrir(donnees=_corps(request), acting_user=request.user)
        return Response(campagne_api(campagne), status=status.HTTP_201_CREATED)


def _campagne_de(valeur) -> Campagne:
    try:
        return Campagne.objects.select_related("programme").get(pk=int(str(valeur)))
    except (Campagne.DoesNotExist, ValueError):
        raise exceptions.ValidationError(
            {"campagne": [f"Appel à candidatures inconnu : {valeur}."]}
        ) from None


def _filtrer(request, qs):
    for param, champ in (("campagne", "campagne_id"), ("region", "region__code")):
        if valeur := parametre_texte(request, param):
            if param == "campagne" and not valeur.isdigit():
                raise exceptions.ValidationError({"campagne": ["Identifiant numérique attendu."]})
            qs = qs.filter(**{champ: valeur})
    if etat := parametre_texte(request, "etat"):
        if etat not in EtatPrecandidature.values:
            raise exceptions.ValidationError(
                {"etat": [f"État inconnu ({', '.join(EtatPrecandidature.values)})."]}
            )
        qs = qs.filter(etat=etat)
    return qs


class PrecandidatureList(APIView):
    """GET (scoped; ``&format=xlsx`` for the ARS export, one row per ES and domaine). POST (ES
    gestionnaire): ``{"campagne", "finess"}``."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(
        parameters=[
            OpenApiParameter("campagne", int),
            OpenApiParameter("region", str),
            OpenApiParameter("etat", str),
            OpenApiParameter("format", str, description="xlsx ou csv"),
        ],
        responses=LISTE,
        operation_id="precandidatures_list",
    )
    def get(self, request):
        qs = _filtrer(request, precandidatures_visibles(request.user)).order_by(
            "campagne_id", "etablissement__finess"
        )
        if format_ := format_demande(request):
            return reponse_liste(
                format_,
                "precandidatures",
                "Pré-candidatures",
                exports.ENTETES,
                exports.lignes(list(qs)),
                montants=exports.MONTANTS,
            )
        liste = list(qs)
        estimations = chiffrage.estimations(liste)
        return Response([precandidature_api(pc, estimations[pc.pk]) for pc in liste])

    @extend_schema(request=dict, responses={201: dict})
    @erreurs_candidature
    def post(self, request):
        data = _corps(request)
        campagne = _campagne_de(data.get("campagne"))
        etab = (
            Etablissement.objects.visibles_par(request.user)
            .select_related("region")
            .filter(finess=str(data.get("finess") or "").strip().upper())
            .first()
        )
        if etab is None:
            raise exceptions.ValidationError(
                {"finess": [f"Aucun établissement de votre périmètre n'a le FINESS "
                            f"{data.get('finess')}."]}
            )  # fmt: skip
        pc = actions.creer(campagne=campagne, etablissement=etab, acting_user=request.user)
        pc = get_precandidature_for_user(request.user, pc.pk)
        return Response(precandidature_api(pc), status=status.HTTP_201_CREATED)


class PrecandidatureDetail(APIView):
    @extend_schema(responses=dict)
    def get(self, request, pk):
        return Response(precandidature_api(get_precandidature_for_user(request.user, pk)))

    @extend_schema(request=dict, responses=dict)
    @erreurs_candidature
    def patch(self, request, pk):
        pc = get_precandidature_for_user(request.user, pk)
        actions.modifier(precandidature=pc, donnees=request.data, acting_user=request.user)
        return Response(precandidature_api(get_precandidature_for_user(request.user, pk)))


TRANSITIONS = {
    "transmettre": lambda pc, user, data: actions.transmettre(precandidature=pc, acting_user=user),
    # A GHT member's draft, validated by the support's gestionnaire [SPEC §10].
    "valider_support": lambda pc, user, data: actions.valider_support(
        precandidature=pc, acting_user=user
    ),
    "preselectionner": lambda pc, user, data: actions.preselectionner(
        precandidature=pc, acting_user=user, commentaire=data.get("commentaire")
    ),
    "rejeter": lambda pc, user, data: actions.rejeter(
        precandidature=pc, acting_user=user, commentaire=data.get("commentaire")
    ),
}


class PrecandidatureTransition(APIView):
    @extend_schema(request=dict, responses=dict)
    @erreurs_candidature
    def post(self, request, pk, name):
        pc = get_precandidature_for_user(request.user, pk)
        if name not in TRANSITIONS:
            raise exceptions.NotFound(f"Transition inconnue : {name} ({', '.join(TRANSITIONS)}).")
        TRANSITIONS[name](pc, request.user, _corps(request))
        return Response(precandidature_api(get_precandidature_for_user(request.user, pk)))


def programmation_api(campagne, region) -> dict:
    lignes = chiffrage.lignes(campagne, region)
    totaux = chiffrage.totaux(campagne, region, lignes)
    return {
        "campagne": campagne.pk,
        "region": region.code,
        "lignes": [chiffrage.ligne_api(lg) for lg in lignes],
        "total": totaux.total,
        "total_amorcage": totaux.total_amorcage,
        "total_usage": totaux.total_usage,
        "enveloppe": int(totaux.enveloppe),
        "plafond_amorcage": int(totaux.plafond_amorcage),
        "reste": int(totaux.reste),
        "reste_amorcage": int(totaux.reste_amorcage),
        "depassements": totaux.depassements,
        "versions": [
            {
                "rang": v.rang,
                "transmise_le": heure_paris(v.transmise_le),
                "par": v.transmise_par.username,
                "en_retard": v.en_retard,
                "total": v.total,
                "total_amorcage": v.total_amorcage,
            }
            for v in chiffrage.versions(campagne, region)
        ],
    }


class ProgrammationDetail(APIView):
    """GET (ARS of the région, national): lines, totals, envelope, versions. PATCH (ARS
    valideur): ``{"lignes": [{"finess", "domaine", "amorcage"}]}``."""

    @extend_schema(responses=dict)
    def get(self, request, campagne, region):
        campagne = campagne_ou_404(campagne)
        return Response(programmation_api(campagne, region_lisible(request.user, region)))

    @extend_schema(request=dict, responses=dict)
    @erreurs_candidature
    def patch(self, request, campagne, region):
        campagne = campagne_ou_404(campagne)
        region = region_lisible(request.user, region)
        actions.ajuster(
            campagne=campagne,
            region=region,
            lignes=_corps(request).get("lignes"),
            acting_user=request.user,
        )
        return Response(programmation_api(campagne, region))


class ProgrammationTransmettre(APIView):
    """POST (ARS valideur): a dated version for the national level; 409 over the envelope or
    the amorçage ceiling."""

    @extend_schema(request=None, responses={201: dict})
    @erreurs_candidature
    def post(self, request, campagne, region):
        campagne = campagne_ou_404(campagne)
        region = region_lisible(request.user, region)
        actions.transmettre_programmation(
            campagne=campagne, region=region, acting_user=request.user
        )
        return Response(programmation_api(campagne, region), status=status.HTTP_201_CREATED)
