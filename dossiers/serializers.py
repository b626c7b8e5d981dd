from dataclasses import asdict

from django.urls import reverse
from rest_framework import serializers

from dossiers.contenu import domaines_demandes, manquants
from dossiers.eligibilite import controles
from dossiers.enums import CategoriePiece
from dossiers.ght import candidats
from dossiers.models import DemandeInitialisation, Dossier, PieceJointe
from dossiers.services import actions_possibles, contenu_lisible, lit_la_saisie
from hn.champs import EntierStrict, TexteStrict


class DemandeSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code")
    finess = serializers.CharField(source="etablissement.finess")
    etablissement = serializers.CharField(source="etablissement.raison_sociale")
    region = serializers.CharField(source="etablissement.region.code")
    dossier = serializers.SerializerMethodField()
    en_retard = serializers.BooleanField()
    ght = serializers.SerializerMethodField()
    membres = serializers.SerializerMethodField()

    class Meta:
        model = DemandeInitialisation
        fields = [
            "id",
            "programme",
            "finess",
            "etablissement",
            "region",
            "demandee_le",
            "echeance",
            "en_retard",
            "initialisee_le",
            "dossier",
            "ght",
            "membres",
        ]

    def get_ght(self, obj) -> str | None:
        """The GHT's name for a GHT request [SPEC §10], null for a single établissement's."""
        return obj.ght.nom if obj.ght_id else None

    def get_membres(self, obj) -> list[str]:
        """The candidate members' FINESS (a GHT request), [] otherwise; reads a prefetched
        ``membres``."""
        if not obj.ght_id:
            return []
        return sorted(e.finess for e in obj.membres.all())

    def get_dossier(self, obj) -> str | None:
        dossier = getattr(obj, "dossier", None)
        return dossier.numero if dossier else None


class DemandeCreateSerializer(serializers.Serializer):
    programme = TexteStrict(longueur=20, multiligne=False, obligatoire=True)
    finess = TexteStrict(longueur=9, multiligne=False, obligatoire=True)
    # A GHT request [SPEC §10]: the support's FINESS in ``finess``, its candidate members here
    # (checked by dossiers.ght.membres_demandes: a list of FINESS of its GHT, each once).
    membres = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Dossier de GHT : les numéros FINESS des établissements candidats du GHT.",
    )


class DossierCreateSerializer(serializers.Serializer):
    programme = TexteStrict(longueur=20, multiligne=False, obligatoire=True)
    finess = TexteStrict(longueur=9, multiligne=False, obligatoire=True)
    nom = TexteStrict(required=False, longueur=200, multiligne=False)
    demande = EntierStrict(required=False, minimum=1)


class DossierListSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.code")
    finess = serializers.CharField(source="etablissement.finess")
    region = serializers.CharField(source="etablissement.region.code")
    phase = serializers.CharField()
    ght = serializers.SerializerMethodField()
    membres = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "numero",
            "programme",
            "finess",
            "region",
            "nom",
            "etat",
            "phase",
            "cree_le",
            "depose_le",
            "echeance_decision",
            "decide_le",
            "motif_refus",
            "ght",
            "membres",
        ]

    def get_ght(self, obj) -> str | None:
        """The GHT's name for a GHT dossier [SPEC §10], null for a single établissement's."""
        return obj.ght.nom if obj.ght_id else None

    def get_membres(self, obj) -> list[str]:
        """The candidate members' FINESS (dossiers.ght.candidats), [] for a single dossier."""
        return [e.finess for e in candidats(obj)] if obj.ght_id else []


class DossierSerializer(DossierListSerializer):
    etablissement = serializers.CharField(source="etablissement.raison_sociale")
    etat_libelle = serializers.CharField(source="get_etat_display")
    contenu = serializers.SerializerMethodField()
    contenu_source = serializers.SerializerMethodField()
    depot = serializers.SerializerMethodField()
    instruction = serializers.SerializerMethodField()
    manquants = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    eligibilite = serializers.SerializerMethodField()

    class Meta(DossierListSerializer.Meta):
        fields = [
            *DossierListSerializer.Meta.fields,
            "etablissement",
            "etat_libelle",
            "contenu",
            "contenu_source",
            "depot",
            "instruction",
            "manquants",
            "actions",
            "eligibilite",
        ]

    def get_eligibilite(self, obj) -> list[dict]:
        return [asdict(c) for c in controles(obj, self._lisible(obj)[0])]

    def _lisible(self, obj):
        if not hasattr(self, "_cache"):
            self._cache = contenu_lisible(self.context["request"].user, obj)
        return self._cache

    def get_contenu(self, obj) -> dict | None:
        return self._lisible(obj)[0]

    def get_contenu_source(self, obj) -> str | None:
        return self._lisible(obj)[1]

    def get_depot(self, obj) -> dict | None:
        depot = self._lisible(obj)[2]
        if depot is None:
            return None
        return {"rang": depot.rang, "depose_le": depot.depose_le, "empreinte": depot.empreinte}

    def get_instruction(self, obj) -> dict:
        # Requested domaines as the caller may read them (the ARS: the deposited snapshot's).
        demandes = domaines_demandes(self._lisible(obj)[0])
        return {
            "prerequis": [
                {"code": d.prerequis.code, "decision": d.decision}
                for d in obj.decisions_prerequis.select_related("prerequis")
            ],
            "commentaire_prerequis": obj.commentaire_ars_prerequis,
            "domaines": [
                {
                    "code": dd.domaine.code,
                    "decision": dd.decision,
                    "commentaire": dd.commentaire_ars,
                }
                for dd in obj.domaines.select_related("domaine")
                if dd.domaine.code in demandes or dd.decision
            ],
            "commentaire_decision": obj.commentaire_ars_decision,
            "commentaires": [
                {"auteur": c.auteur.get_username(), "le": c.cree_le, "texte": c.texte}
                for c in obj.commentaires.select_related("auteur")
            ],
        }

    def get_manquants(self, obj) -> list[dict] | None:
        if obj.editable and lit_la_saisie(self.context["request"].user, obj):
            return manquants(obj)
        return None

    def get_actions(self, obj) -> list[str]:
        return actions_possibles(self.context["request"].user, obj)


class PieceSerializer(serializers.ModelSerializer):
    """An attachment; ``url`` downloads it through the rights-checking view (once the
    antivirus found it clean: ``etat_analyse``, ``analyse`` its detail)."""

    prerequis = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    analyse = serializers.CharField(source="analyse_detail", read_only=True)

    class Meta:
        model = PieceJointe
        fields = [
            "id",
            "categorie",
            "prerequis",
            "nom",
            "taille",
            "type_mime",
            "empreinte",
            "deposee_le",
            "url",
            "etat_analyse",
            "analyse",
        ]

    def get_prerequis(self, obj) -> str | None:
        return obj.prerequis.code if obj.prerequis_id else None

    def get_url(self, obj) -> str:
        numero = self.context.get("numero") or obj.dossier.numero
        path = reverse("api:dossier-piece-fichier", kwargs={"numero": numero, "piece": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PieceUploadSerializer(serializers.Serializer):
    """Multipart body of an upload (for the schema; dossiers.pieces checks everything)."""

    fichier = serializers.FileField(help_text="PDF ou Word (.pdf, .doc, .docx), 2 Mo au plus.")
    categorie = serializers.ChoiceField(choices=CategoriePiece.choices)
    prerequis = serializers.CharField(
        required=False, help_text="Code du prérequis justifié (justificatif de prérequis)."
    )


class PieceRemplacementSerializer(serializers.Serializer):
    fichier = serializers.FileField(help_text="PDF ou Word (.pdf, .doc, .docx), 2 Mo au plus.")


class PieceListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    pieces = PieceSerializer(many=True)
