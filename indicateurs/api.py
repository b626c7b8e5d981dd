"""Phase suivi API (SPEC §5): reports, amorçage, funding, payments, closures. Same style as
``dossiers.api``: thin views over ``indicateurs.suivi`` and ``indicateurs.clotures``, French
errors (400/409), tenant 404. Routes in ``indicateurs.api_urls`` (namespace ``api``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.api import erreurs_metier, objet_montants
from dossiers.enums import SUIVI_OUVERT, SuiviDomaine
from dossiers.services import get_dossier_for_user
from enveloppes.models import MouvementEnveloppe
from hn.champs import booleen, lire
from hn.referentiel.regles import arrondi_euro
from indicateurs import clotures, suivi
from indicateurs.models import RapportSuivi


def _euros(montant) -> int:
    """Whole euros, half up (as API.md's envelope figures)."""
    return int(arrondi_euro(montant)) if montant is not None else 0


class RapportSerializer(serializers.ModelSerializer):
    depose_par = serializers.CharField(source="depose_par.username")
    valeurs = serializers.SerializerMethodField()
    valeurs_membres = serializers.SerializerMethodField()
    avancements = serializers.SerializerMethodField()

    class Meta:
        model = RapportSuivi
        fields = [
            "rang",
            "arrete_le",
            "attendu_le",
            "depose_le",
            "depose_par",
            "budget_engage",
            "etp_engages",
            "commentaire",
            "valeurs",
            "valeurs_membres",
            "avancements",
        ]

    def get_valeurs(self, rapport) -> dict:
        return {
            v.indicateur.code: {
                "valeur": v.valeur,
                "non_applicable": v.non_applicable,
                "atteint": None if v.non_applicable else v.indicateur.est_atteint(v.valeur),
            }
            for v in rapport.valeurs.all()
            if v.etablissement_id is None
        }

    def get_valeurs_membres(self, rapport) -> dict:
        """A GHT dossier's domaine indicators: ``{finess: {code: {…}}}`` [SPEC §10]."""
        result: dict = {}
        for v in rapport.valeurs.all():
            if v.etablissement_id is not None:
                result.setdefault(v.etablissement.finess, {})[v.indicateur.code] = {
                    "valeur": v.valeur,
                    "non_applicable": v.non_applicable,
                    "atteint": None if v.non_applicable else v.indicateur.est_atteint(v.valeur),
                }
        return result

    def get_avancements(self, rapport) -> dict:
        return {
            a.domaine_dossier.domaine.code: {
                "avancement": a.avancement,
                "condition_avance": a.condition_avance,
                "commentaire": a.commentaire,
            }
            for a in rapport.avancements.all()
        }


def _rapports(dossier):
    return dossier.rapports.select_related("depose_par").prefetch_related(
        "valeurs__indicateur", "valeurs__etablissement", "avancements__domaine_dossier__domaine"
    )


def etat_du_suivi(dossier) -> dict:
    """Per domaine: state, money (whole euros, from the ledger) and what blocks the funding."""
    rapport = suivi.dernier_rapport(dossier)
    valeurs = suivi.valeurs_du_rapport(rapport)
    indicateurs = list(dossier.programme.indicateurs.all())
    membres = suivi.membres_suivis(dossier)
    argent = MouvementEnveloppe.objects.filter(dossier=dossier).par_domaine()
    domaines = []
    for dd in dossier.domaines.select_related("domaine"):
        if dd.suivi == SuiviDomaine.HORS_SUIVI:
            continue
        c = argent.get(dd.pk)
        domaines.append(
            {
                "domaine": dd.domaine.code,
                "suivi": dd.suivi,
                "cibles_atteintes_le": dd.cibles_atteintes_le,
                "finance_le": dd.finance_le,
                "clos_le": dd.clos_le,
                "motif_cloture": dd.motif_cloture,
                "engage": _euros(c and c.engage),
                "amorcage_decide": _euros(c and c.engage_amorcage),
                "amorcage_verse": _euros(c and c.consomme_amorcage),
                "usage_notifie": _euros(c and c.usage_notifie),
                "usage_verse": _euros(c and c.consomme_usage),
                "remboursement_du": _euros(c and (c.du_amorcage + c.du_usage)),
                "rembourse": _euros(c and (c.rembourse_amorcage + c.rembourse_usage)),
                "blocages": suivi.blocages(dossier, dd, valeurs, indicateurs, membres)
                if dd.suivi in SUIVI_OUVERT
                else [],
            }
        )
    return {
        "numero": dossier.numero,
        "etat": dossier.etat,
        "frequence_suivi": dossier.frequence_suivi,
        "prochain_rapport_le": dossier.prochain_rapport_le,
        "dernier_rapport": rapport.rang if rapport else None,
        "cloture_demandee_le": dossier.cloture_demandee_le,
        "prerequis_atteints_le": dossier.prerequis_atteints_le,
        "derogation_remboursement_exige_le": dossier.derogation_remboursement_exige_le,
        "domaines": domaines,
    }


def _reponse(request, numero, code=status.HTTP_200_OK):
    dossier = get_dossier_for_user(request.user, numero)
    return Response(etat_du_suivi(dossier), status=code)


class DossierSuivi(APIView):
    """GET: the follow-up of the dossier. POST (ARS) ``{"frequence_suivi": 1..6}`` and/or
    ``{"prerequis_atteints_le": "AAAA-MM-JJ"}`` (amorçage by derogation)."""

    @extend_schema(responses=dict)
    def get(self, request, numero):
        return _reponse(request, numero)

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        if "prerequis_atteints_le" in request.data:
            suivi.constater_prerequis_atteints(
                dossier=dossier, le=request.data["prerequis_atteints_le"], acting_user=request.user
            )
        if "frequence_suivi" in request.data or "prerequis_atteints_le" not in request.data:
            suivi.fixer_frequence(
                dossier=dossier, mois=request.data.get("frequence_suivi"), acting_user=request.user
            )
        return _reponse(request, numero)


class DossierRapports(APIView):
    """GET: the reports, newest first. POST (ES gestionnaire): ``{"arrete_le", "budget_engage",
    "etp_engages", "commentaire", "valeurs": {code: {"valeur", "non_applicable"}},
    "avancements": {domaine: {"avancement", "condition_avance", "commentaire"}}}``."""

    @extend_schema(responses=RapportSerializer(many=True))
    def get(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        return Response(RapportSerializer(_rapports(dossier), many=True).data)

    @extend_schema(request=dict, responses={201: RapportSerializer})
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        rapport = suivi.deposer_rapport(
            dossier=dossier, data=request.data, acting_user=request.user
        )
        rapport = _rapports(dossier).get(pk=rapport.pk)
        return Response(RapportSerializer(rapport).data, status=status.HTTP_201_CREATED)


class DossierAmorcage(APIView):
    """ARS: ``{"montants": {"D2": 40000}, "derogation": false}`` after the acceptance (at the
    acceptance, the ``accepter`` transition takes the same ``amorcage``)."""

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        suivi.decider_amorcage(
            dossier=dossier,
            montants=objet_montants(request.data, "montants"),
            derogation=lire(request.data, "derogation", booleen, defaut=False),
            acting_user=request.user,
        )
        return _reponse(request, numero)


class DossierDemandeCloture(APIView):
    """ES gestionnaire: ``{"domaine": "" (tout le dossier) | "D2", "commentaire"}``."""

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero):
        dossier = get_dossier_for_user(request.user, numero)
        clotures.demander_cloture(
            dossier=dossier,
            domaine=request.data.get("domaine", ""),
            commentaire=request.data.get("commentaire", ""),
            acting_user=request.user,
        )
        return _reponse(request, numero)


class DomaineFinancement(APIView):
    """ARS: notify the usage funding of the domaine (409 with the blocking indicators)."""

    @extend_schema(request=None, responses=dict)
    @erreurs_metier
    def post(self, request, numero, domaine):
        dossier = get_dossier_for_user(request.user, numero)
        suivi.notifier_financement(dossier=dossier, domaine=domaine, acting_user=request.user)
        return _reponse(request, numero)


class DomaineVersement(APIView):
    """ARS: ``{"volet": "amorcage" | "usage"}``: what is decided/notified is paid."""

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero, domaine):
        dossier = get_dossier_for_user(request.user, numero)
        suivi.verser(
            dossier=dossier,
            domaine=domaine,
            volet=request.data.get("volet", ""),
            acting_user=request.user,
        )
        return _reponse(request, numero)


class DomaineRemboursement(APIView):
    """ARS: ``{"volet": "amorcage" | "usage", "montant"}``: a repayment received."""

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero, domaine):
        dossier = get_dossier_for_user(request.user, numero)
        suivi.constater_remboursement(
            dossier=dossier,
            domaine=domaine,
            volet=request.data.get("volet", ""),
            montant=request.data.get("montant"),
            acting_user=request.user,
        )
        return _reponse(request, numero)


class DomaineCloture(APIView):
    """ARS: partial closure ``{"motif", "commentaire"}``."""

    @extend_schema(request=dict, responses=dict)
    @erreurs_metier
    def post(self, request, numero, domaine):
        dossier = get_dossier_for_user(request.user, numero)
        clotures.clore_domaine(
            dossier=dossier,
            domaine=domaine,
            motif=request.data.get("motif", ""),
            commentaire=request.data.get("commentaire", ""),
            acting_user=request.user,
        )
        return _reponse(request, numero)
