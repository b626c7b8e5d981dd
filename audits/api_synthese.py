"""Audits API, fiche and consolidated tables (API.md "Audits"): ``GET audits/{id}/fiche/`` (the
fiche de synthèse as PDF) and ``GET audits/synthese/?programme=&annee=[&region=]``
(``&format=xlsx|csv``). Routes in ``audits.api_urls``."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from audits import pdf, synthese
from audits.services import get_audit_for_user
from dossiers.api import QuelQueSoitAccept
from hn.champs import parametre_texte
from hn.comptes.scopes import acces
from hn.exports import format_demande, reponse_liste
from hn.pdf import reponse_pdf
from hn.referentiel.models import Region


class AuditFiche(APIView):
    """The fiche de synthèse (PDF): the ARS, the national level; the ES once sent (404 before)."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, pk):
        audit = get_audit_for_user(request.user, pk)
        if not pdf.lit_la_fiche(request.user, audit):
            raise Http404("Fiche de synthèse introuvable.")
        return reponse_pdf(pdf.fiche_pdf(audit), pdf.nom_fiche(audit))


def _date(valeur):
    return valeur.isoformat() if valeur else None


def _region(t) -> dict:
    return {
        "programme": t.programme.code,
        "region": t.region.code,
        "annee": t.annee,
        "tirage": t.tirage.pk if t.tirage else None,
        "graine": t.tirage.graine if t.tirage else None,
        "population": t.population,
        "echantillon": t.echantillon,
        "termines": t.termines,
        "non_conformes": t.non_conformes,
        "a_rembourser": t.total_a_rembourser,
        "transmise_le": _date(t.transmission.transmise_le) if t.transmission else None,
        "audits": [
            {
                "id": ligne.audit.pk,
                "rang": ligne.audit.rang,
                "dossier": ligne.audit.dossier.numero,
                "finess": ligne.audit.dossier.etablissement.finess,
                "etablissement": ligne.audit.dossier.etablissement.raison_sociale,
                "auditeurs": [d.auditeur.username for d in ligne.audit.designations.all()],
                "etat": ligne.audit.etat,
                "debute_le": _date(ligne.audit.debute_le),
                "conclu_le": _date(ligne.audit.conclu_le),
                "conclusion": ligne.audit.conclusion or None,
                "decision": ligne.audit.decision or None,
                "decide_le": _date(ligne.audit.decide_le),
                "fiche_envoyee_le": _date(ligne.audit.fiche_envoyee_le),
                "a_rembourser": ligne.a_rembourser,
            }
            for ligne in t.lignes
        ],
    }


def _national(t) -> dict:
    return {
        "programme": t.programme.code,
        "annee": t.annee,
        "regions": [
            {
                "region": ligne.region.code,
                "nom": ligne.region.nom,
                "tires": ligne.tires,
                "termines": ligne.termines,
                "non_conformes": ligne.non_conformes,
                "a_rembourser": ligne.a_rembourser,
                "transmise_le": _date(ligne.transmise_le),
            }
            for ligne in t.lignes
        ],
        "alertes": [
            {
                "audit": a.pk,
                "dossier": a.dossier.numero,
                "region": a.tirage.region.code,
                "decide_le": _date(a.decide_le),
            }
            for a in t.alertes
        ],
    }


def _parametres(request):
    errors = {}
    programme = parametre_texte(request, "programme")
    annee = parametre_texte(request, "annee")
    if not programme:
        errors["programme"] = ["Le programme (HN ou HOPEN) est obligatoire."]
    if not annee or not annee.isdigit():
        errors["annee"] = ["Une année (AAAA)."]
    if errors:
        raise exceptions.ValidationError(errors)
    programme = synthese.programme_ou_404(programme)
    return programme, synthese.annee_ou_404(programme, int(annee))


class AuditSynthese(APIView):
    """The consolidated table: with ``region`` (or for an ARS, its own région), the région's
    audits; without, for the national level, one row per région."""

    content_negotiation_class = QuelQueSoitAccept

    @extend_schema(
        parameters=[
            OpenApiParameter("programme", str, required=True, description="HN ou HOPEN"),
            OpenApiParameter("annee", int, required=True),
            OpenApiParameter("region", str, description="code INSEE (national : facultatif)"),
        ],
        responses=dict,
    )
    def get(self, request):
        code = parametre_texte(request, "region")
        a = acces(request.user)
        if not code and not a.national:
            if not a.regions:
                raise exceptions.PermissionDenied(
                    "Le tableau consolidé des audits est lu par l'ARS et le niveau national."
                )
            code = (
                Region.objects.filter(pk__in=a.regions_lecture)
                .order_by("code")
                .values_list("code", flat=True)
                .first()
            )
        region = synthese.region_lisible(request.user, code) if code else None
        programme, annee = _parametres(request)
        format_ = format_demande(request)
        if region is None:
            t = synthese.tableau_national(programme, annee)
            if format_:
                return reponse_liste(
                    format_,
                    f"audits-{programme.code}-{annee}-national",
                    f"Audits {programme.code} {annee}",
                    synthese.ENTETES_NATIONAL,
                    synthese.lignes_national(t),
                    montants=(len(synthese.ENTETES_NATIONAL) - 1,),
                )
            return Response(_national(t))
        t = synthese.tableau_region(programme, region, annee)
        if format_:
            return reponse_liste(
                format_,
                f"audits-{programme.code}-{region.code}-{annee}",
                f"Audits {programme.code} {annee} {region.nom}",
                synthese.ENTETES_REGION,
                synthese.lignes_region(t),
                montants=(len(synthese.ENTETES_REGION) - 1,),
            )
        return Response(_region(t))
