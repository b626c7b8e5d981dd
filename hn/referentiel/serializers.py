from decimal import Decimal

from rest_framework import serializers

from hn import saisie
from hn.referentiel import regles
from hn.referentiel.models import Domaine, Echeance, Etablissement, Indicateur, Programme

MESSAGES_ACTIVITE = {
    "obligatoire": "L'activité combinée doit être un nombre (ex. 15000).",
    "invalide": "L'activité combinée doit être un nombre (ex. 15000).",
    "non_fini": "L'activité combinée doit être un nombre fini.",
    "minimum": "L'activité combinée ne peut pas être négative.",
    "maximum": "L'activité combinée est hors de proportion (1 000 000 000 au plus).",
}
ACTIVITE_MAX = 1_000_000_000  # far above any hospital's, far below Decimal's limits


def nombre(value: Decimal):
    """A Decimal as a JSON number: int when whole."""
    return int(value) if value == value.to_integral_value() else float(value)


class EcheanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Echeance
        fields = ["code", "libelle", "date"]


class ProgrammeSerializer(serializers.ModelSerializer):
    calendrier = EcheanceSerializer(many=True, read_only=True)
    montant_total_publie = serializers.SerializerMethodField()

    class Meta:
        model = Programme
        fields = [
            "code",
            "nom",
            "decoupage",
            "annee_reference_activite",
            "montant_total_publie",
            "calendrier",
        ]

    def get_montant_total_publie(self, obj) -> int:
        return int(obj.montant_total_publie)


class IndicateurSerializer(serializers.ModelSerializer):
    cible = serializers.SerializerMethodField()

    class Meta:
        model = Indicateur
        fields = ["code", "libelle", "type", "cible", "cible_a_confirmer"]

    def get_cible(self, obj) -> float | None:
        return None if obj.cible is None else nombre(obj.cible)


class DomaineSerializer(serializers.ModelSerializer):
    indicateurs = IndicateurSerializer(many=True, read_only=True)
    forfait_avance = serializers.SerializerMethodField()

    class Meta:
        model = Domaine
        fields = ["code", "libelle", "forfait_avance", "avance_condition", "indicateurs"]

    def get_forfait_avance(self, obj) -> bool:
        return bool(obj.avance_indicateur)


class PrerequisSerializer(serializers.Serializer):
    code = serializers.CharField()
    libelle = serializers.CharField()
    indicateurs = IndicateurSerializer(many=True, read_only=True)


class ForfaitQuerySerializer(serializers.Serializer):
    domaine = serializers.CharField(
        error_messages={"required": "Le domaine est obligatoire (ex. D2)."}
    )
    activite_combinee = serializers.CharField(
        error_messages={"required": "L'activité combinée est obligatoire."}
    )
    avance = serializers.BooleanField(
        required=False,
        default=False,
        error_messages={"invalid": "« avance » vaut true ou false."},
    )

    def validate_activite_combinee(self, value):
        try:
            return saisie.nombre(
                value,
                obligatoire=True,
                minimum=0,
                maximum=ACTIVITE_MAX,
                messages=MESSAGES_ACTIVITE,
            )
        except saisie.SaisieInvalide as exc:
            raise serializers.ValidationError(exc.message) from None

    def validate_domaine(self, value):
        domaine = value.strip().upper()
        if domaine not in self.context["regles"].grilles:
            raise serializers.ValidationError(f"Domaine inconnu pour ce programme : {value}.")
        return domaine

    def validate(self, attrs):
        reg: regles.ReglesProgramme = self.context["regles"]
        if attrs["avance"] and not reg.domaine_a_forfait_avance(attrs["domaine"]):
            raise serializers.ValidationError(
                {"avance": f"Le domaine {attrs['domaine']} n'a pas de forfait avancé."}
            )
        return attrs


class ForfaitSerializer(serializers.Serializer):
    programme = serializers.CharField()
    domaine = serializers.CharField()
    activite_combinee = serializers.FloatField()
    categorie = serializers.CharField()
    avance = serializers.BooleanField()
    montant = serializers.IntegerField(help_text="Forfait en euros, arrondi à l'euro.")


class EtablissementSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    region_nom = serializers.CharField(source="region.nom")
    activites = serializers.ListField(child=serializers.CharField())
    ght = serializers.CharField(source="ght.nom", default=None, allow_null=True)
    support_ght = serializers.BooleanField(source="est_support_ght")
    programmes = serializers.SerializerMethodField()

    class Meta:
        model = Etablissement
        fields = [
            "finess",
            "raison_sociale",
            "region",
            "region_nom",
            "statut",
            "activites",
            "ght",
            "support_ght",
            "programmes",
        ]

    def get_programmes(self, obj) -> list[dict]:
        regles_par_programme = self.context["regles"]
        rows = []
        for volumes in obj.volumes.all():
            programme, reg = regles_par_programme[volumes.programme_id]
            ac = regles.activite_combinee(volumes.volumes(), reg.coefficients)
            rows.append(
                {
                    "programme": programme.code,
                    "annee_reference": programme.annee_reference_activite,
                    "activite_combinee": nombre(ac),
                    "categorie": regles.categorie(ac, reg.categories).code,
                }
            )
        return rows
