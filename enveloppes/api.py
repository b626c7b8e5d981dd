"""Envelope API (API.md ``GET enveloppes/``), the ledger lines and the annual synthesis.

Amounts of the envelope rows and of the synthesis are **whole euros**: each figure is computed
to the cent from the ledger, then rounded to the nearest euro, half up, on its own (so a sum of
rounded figures may differ by a euro from the rounded sum). ``total`` is the regional amount as
published (SPEC §3 note); ``disponible`` = published + national redeployments − repayments
taken back − engaged (the synthesis gives those terms). Ledger lines keep their exact amount
(decimal string, two decimals).

Régions: ``region`` is an INSEE code. HOP'EN envelopes are on the current régions. HN envelopes
are on the 26 former régions: ``region=84`` answers the rows of the former régions mapped onto
Auvergne-Rhône-Alpes (Auvergne 83, Rhône-Alpes 82), each with its own former code; a former
code (``region=82``) answers that envelope alone. (Where a former and a current région share a
code — 11, 24, 52, 53, 93, 94, 01-04 — the former région maps onto that same current one.)

Access: the ARS of the région and the national level; other roles 403 on the list, and 404 on
an envelope's routes like anyone outside its scope.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from enveloppes import actions, regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe, enveloppes_visibles
from enveloppes.redeploiement import Refus, lire
from enveloppes.tableaux import (
    CHAMPS_API,
    COLONNES,
    enveloppe_visible,
    euros_entiers,
    exiger_lecture,
    ligne_api,
    synthese,
    verifier_annee,
)
from hn.api.exceptions import ErreurValidation
from hn.champs import DATE_MAX, DATE_MIN, parametre_entier, parametre_texte
from hn.comptes.perms import peut_piloter
from hn.referentiel.models import Programme

LIGNE_ENVELOPPE = inline_serializer(
    "LigneEnveloppe",
    many=True,
    fields={
        "programme": serializers.CharField(),
        "region": serializers.CharField(help_text="Code INSEE (HN : ancienne région)."),
        **{
            champ: serializers.IntegerField(help_text="Euros, arrondi à l'euro le plus proche.")
            for champ in CHAMPS_API
        },
    },
)


class EnveloppeList(APIView):
    """Envelope figures, one row per région visible to the caller."""

    @extend_schema(
        parameters=[
            OpenApiParameter("programme", str, description="HN ou HOPEN"),
            OpenApiParameter(
                "region",
                str,
                description="Code INSEE d'une région actuelle (HN : les anciennes régions "
                "qu'elle couvre) ou d'une ancienne région (HN).",
            ),
        ],
        responses=LIGNE_ENVELOPPE,
    )
    def get(self, request):
        exiger_lecture(request.user)
        qs = enveloppes_visibles(request.user)
        code = parametre_texte(request, "programme")
        if code:
            programme = Programme.objects.filter(code=code.upper()).first()
            if programme is None:
                raise exceptions.ValidationError({"programme": [f"Programme inconnu : {code}."]})
            qs = qs.filter(programme=programme)
        region = parametre_texte(request, "region")
        if region:
            qs = qs.filter(Q(region__code=region) | Q(region__region_actuelle__code=region))
        situations = qs.situations()
        lignes = sorted(qs, key=lambda e: (e.programme.ordre, e.programme.code, e.region.code))
        if region and not lignes:
            raise exceptions.NotFound()
        return Response([ligne_api(e, situations[e.pk]) for e in lignes])


class MouvementSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.numero", default=None)
    finess = serializers.CharField(source="dossier.etablissement.finess", default=None)
    domaine = serializers.CharField(source="domaine.domaine.code", default=None)
    nature_libelle = serializers.CharField(source="get_nature_display")
    acteur = serializers.SerializerMethodField()

    class Meta:
        model = MouvementEnveloppe
        fields = [
            "id",
            "date",
            "nature",
            "nature_libelle",
            "montant",
            "derogation",
            "dossier",
            "finess",
            "domaine",
            "acteur",
            "motif",
            "cree_le",
        ]

    def get_acteur(self, obj) -> str:
        return obj.acteur.get_username() if obj.acteur_id else "systeme"


class EnveloppeMouvements(generics.ListAPIView):
    """The envelope's ledger, oldest first (paginated); filters ``annee`` and ``nature``."""

    serializer_class = MouvementSerializer

    @extend_schema(parameters=[OpenApiParameter("annee", int), OpenApiParameter("nature", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        enveloppe = enveloppe_visible(
            self.request.user, self.kwargs["programme"], self.kwargs["region"]
        )
        qs = MouvementEnveloppe.objects.filter(enveloppe=enveloppe).select_related(
            "dossier__etablissement", "domaine__domaine", "acteur"
        )
        annee = parametre_entier(
            self.request,
            "annee",
            minimum=DATE_MIN.year,
            maximum=DATE_MAX.year,
            message=f"L'année doit être un nombre entre {DATE_MIN.year} et {DATE_MAX.year} "
            "(par exemple 2020).",
        )
        if annee is not None:
            qs = qs.filter(date__year=annee)
        nature = parametre_texte(self.request, "nature")
        if nature:
            qs = qs.filter(nature=nature)
        return qs.order_by("date", "pk")


def _entiers(compteurs) -> dict:
    return {attr: euros_entiers(getattr(compteurs, attr)) for attr, _ in COLONNES}


class EnveloppeSynthese(APIView):
    """The annual synthesis [SPEC §5] as JSON: the same figures as its page, PDF and XLSX."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, programme, region, annee):
        enveloppe = enveloppe_visible(request.user, programme, region)
        sy = synthese(enveloppe, verifier_annee(annee))
        t = sy.tableau
        return Response(
            {
                "programme": enveloppe.programme.code,
                "region": enveloppe.region.code,
                "region_nom": enveloppe.region.nom,
                "region_ars": enveloppe.region_ars.code,
                "annee": sy.annee,
                "au": sy.fin,
                "provisoire": sy.provisoire,
                "enveloppe": ligne_api(enveloppe, t.situation),
                "situation": {attr: euros_entiers(fin) for attr, _, fin, _ in sy.lignes},
                "mouvements_annee": {
                    attr: euros_entiers(variation) for attr, _, _, variation in sy.lignes
                },
                "par_etablissement": [
                    {
                        "finess": lig.objet.finess,
                        "raison_sociale": lig.objet.raison_sociale,
                        "statut": lig.objet.statut,
                        **_entiers(lig.compteurs),
                    }
                    for lig in t.par_etablissement
                ],
                "par_statut": [
                    {"statut": lig.cle, "libelle": lig.libelle, **_entiers(lig.compteurs)}
                    for lig in t.par_statut
                ],
                "par_activite": [
                    {"activite": lig.cle, "libelle": lig.libelle, **_entiers(lig.compteurs)}
                    for lig in t.par_activite
                ],
                "retenus": [
                    {
                        "finess": er.etablissement.finess,
                        "raison_sociale": er.etablissement.raison_sociale,
                        "dossiers": [
                            {
                                "numero": dr.dossier.numero,
                                "commentaire_cmsi": dr.commentaire.texte if dr.commentaire else "",
                                "domaines": [
                                    {
                                        "code": d.domaine.domaine.code,
                                        "suivi": d.domaine.suivi,
                                        "date_cible": d.domaine.date_cible,
                                        **_entiers(d.compteurs),
                                    }
                                    for d in dr.domaines
                                ],
                            }
                            for dr in er.dossiers
                        ],
                    }
                    for er in t.retenus
                ],
            }
        )


# --- national redeployments (API.md "Pilotage") ------------------------------------------------

REFUS_REDEPLOIEMENT = "Seul le pilote national redéploie les enveloppes."

ENVELOPPE_APRES = inline_serializer(
    "EnveloppeApresRedeploiement",
    fields={
        "programme": serializers.CharField(),
        "region": serializers.CharField(),
        "region_nom": serializers.CharField(),
        **{
            champ: serializers.IntegerField(help_text="Euros, arrondi à l'euro le plus proche.")
            for champ in CHAMPS_API
        },
        "redeploye": serializers.IntegerField(help_text="Redéploiements nationaux nets, euros."),
        "allouee": serializers.IntegerField(
            help_text="Enveloppe publiée + redéploiements nets, euros."
        ),
    },
)


def _champs_redeploiement() -> dict:
    return {
        "id": serializers.IntegerField(help_text="La ligne reçue (entrante)."),
        "programme": serializers.CharField(),
        "de": serializers.CharField(help_text="Code INSEE de la région qui cède."),
        "vers": serializers.CharField(help_text="Code INSEE de la région qui reçoit."),
        "montant": serializers.DecimalField(max_digits=14, decimal_places=2),
        "date": serializers.DateField(),
        "motif": serializers.CharField(),
        "acteur": serializers.CharField(),
        "cree_le": serializers.DateTimeField(),
    }


DEMANDE_REDEPLOIEMENT = inline_serializer(
    "DemandeRedeploiement",
    fields={
        "programme": serializers.CharField(help_text="HN ou HOPEN"),
        "de": serializers.CharField(
            help_text="Code INSEE de la région qui cède, dans le découpage du programme "
            "(HN : ancienne région)."
        ),
        "vers": serializers.CharField(help_text="Code INSEE de la région qui reçoit."),
        "montant": serializers.DecimalField(
            max_digits=14, decimal_places=2, help_text="Euros, deux décimales au plus, > 0."
        ),
        "motif": serializers.CharField(),
    },
)
REDEPLOIEMENT_FAIT = inline_serializer(
    "RedeploiementFait",
    fields={
        **_champs_redeploiement(),
        "mouvements": MouvementSerializer(many=True),
        "enveloppes": inline_serializer(
            "EnveloppesRedeploiement", fields={"de": ENVELOPPE_APRES, "vers": ENVELOPPE_APRES}
        ),
    },
)


def _enveloppe_apres(enveloppe) -> dict:
    s = enveloppe.situation()
    return {
        **ligne_api(enveloppe, s),
        "region_nom": enveloppe.region.nom,
        "redeploye": euros_entiers(s.redeploye),
        "allouee": euros_entiers(s.allouee),
    }


def _redeploiement(entrant) -> dict:
    """A redeployment as the pair of its lines: the received line and its ``contrepartie``."""
    sortant = entrant.contrepartie
    return {
        "id": entrant.pk,
        "programme": entrant.enveloppe.programme.code,
        "de": sortant.enveloppe.region.code,
        "vers": entrant.enveloppe.region.code,
        "montant": str(entrant.montant),
        "date": entrant.date,
        "motif": entrant.motif,
        "acteur": entrant.acteur.get_username() if entrant.acteur_id else "systeme",
        "cree_le": entrant.cree_le,
    }


def _source(donnees, errors: dict) -> Enveloppe | None:
    """The giving envelope named by ``programme`` and ``de``; None with the error at its field."""
    code = str(donnees.get("programme") or "").strip().upper()[:20]
    programme = Programme.objects.filter(code=code).first() if code else None
    if programme is None:
        errors["programme"] = [
            f"Programme inconnu : « {code} » (HN ou HOPEN)." if code else "Indiquez le programme."
        ]
        return None
    region = str(donnees.get("de") or "").strip()[:20]
    source = (
        Enveloppe.objects.select_related("programme", "region")
        .filter(programme=programme, region__code=region)
        .first()
        if region
        else None
    )
    if source is None:
        errors["de"] = [
            f"Aucune enveloppe {programme.code} pour la région « {region} » (code INSEE de la "
            "région dans le découpage du programme)."
            if region
            else "Indiquez la région qui cède le montant."
        ]
    return source


class Redeploiements(APIView):
    """National redeployments between two régions' envelopes of a programme (API.md
    "Pilotage"): the national pilot moves an amount, with a ledger line on each envelope
    (``enveloppes.actions.redeployer``); the list of the redeployments, as pairs."""

    @extend_schema(
        operation_id="enveloppes_redeploiements_liste",
        parameters=[OpenApiParameter("programme", str, description="HN ou HOPEN")],
        responses=inline_serializer("Redeploiement", many=True, fields=_champs_redeploiement()),
    )
    def get(self, request):
        exiger_lecture(request.user)
        visibles = enveloppes_visibles(request.user).values("pk")
        qs = (
            MouvementEnveloppe.objects.filter(nature=Nature.REDEPLOIEMENT_ENTRANT)
            .filter(Q(enveloppe__in=visibles) | Q(contrepartie__enveloppe__in=visibles))
            .select_related(
                "enveloppe__programme",
                "enveloppe__region",
                "contrepartie__enveloppe__region",
                "acteur",
            )
        )
        if code := parametre_texte(request, "programme"):
            programme = Programme.objects.filter(code=code.upper()).first()
            if programme is None:
                raise exceptions.ValidationError({"programme": [f"Programme inconnu : {code}."]})
            qs = qs.filter(enveloppe__programme=programme)
        return Response([_redeploiement(m) for m in qs.order_by("date", "pk")])

    @extend_schema(
        operation_id="enveloppes_redeploiements_creer",
        request=DEMANDE_REDEPLOIEMENT,
        responses={201: REDEPLOIEMENT_FAIT},
    )
    def post(self, request):
        if not peut_piloter(request.user):
            raise PermissionDenied(REFUS_REDEPLOIEMENT)
        donnees = request.data if isinstance(request.data, dict) else {}
        errors: dict = {}
        try:
            source = _source(donnees, errors)
            destination, montant, motif = lire(source, donnees, champ="vers", errors=errors)
            sortant, entrant = actions.redeployer(
                source=source,
                destination=destination,
                montant=montant,
                motif=motif,
                acting_user=request.user,
            )
        except Refus as exc:
            raise ErreurValidation(exc.errors, message=str(exc)) from None
        except regles.MouvementRefuse as exc:
            raise ErreurValidation({"montant": [exc.message]}, message=exc.message) from None
        sortant.refresh_from_db()
        entrant = MouvementEnveloppe.objects.select_related(
            "enveloppe__programme", "enveloppe__region", "contrepartie__enveloppe__region", "acteur"
        ).get(pk=entrant.pk)
        return Response(
            {
                **_redeploiement(entrant),
                "mouvements": MouvementSerializer([sortant, entrant], many=True).data,
                "enveloppes": {
                    "de": _enveloppe_apres(source),
                    "vers": _enveloppe_apres(destination),
                },
            },
            status=status.HTTP_201_CREATED,
        )
