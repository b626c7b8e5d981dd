"""API authentication endpoints: hashed, expiring, revocable tokens (hn.comptes.jetons) and
the second factor (hn.comptes.mfa), API.md "Authentication hardening". The authentication
class itself is in hn.api.authentification (DRF imports it while loading its views)."""

from django.contrib.auth import authenticate
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hn.api.authentification import JetonAuthentication, RefusAuthentification
from hn.api.exceptions import Conflit
from hn.comptes import jetons, mfa
from hn.comptes.models import Jeton
from hn.journal.services import tracer


class IdentifiantsSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    otp = serializers.CharField(write_only=True, required=False, allow_blank=True)

    def validate(self, attrs):
        # Through django.contrib.auth.authenticate, so that login throttling sees every try,
        # with the Django request: django-axes marks a refused try on it, and its middleware
        # answers the 429 (hn.comptes.verrouillage), as for the login page.
        request = self.context.get("request")
        user = authenticate(
            request=getattr(request, "_request", request),
            username=attrs["username"],
            password=attrs["password"],
        )
        if not user:
            raise serializers.ValidationError(
                "Impossible de se connecter avec les informations d'identification fournies.",
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class CleSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="La clé du jeton, affichée cette seule fois.")


class MfaEtatSerializer(serializers.Serializer):
    actif = serializers.BooleanField()
    obligatoire = serializers.BooleanField()


class MfaSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Secret TOTP en base32 (RFC 6238, SHA-1, 6, 30 s).")
    otpauth_uri = serializers.CharField()


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)


class MfaActiveSerializer(serializers.Serializer):
    actif = serializers.BooleanField()
    codes_secours = serializers.ListField(child=serializers.CharField())


# The answer carries a new secret: never cached, whoever asks.
@method_decorator(never_cache, name="dispatch")
class ObtenirJeton(APIView):
    """POST {"username", "password"[, "otp"]} -> {"token"}: a new token at every call, traced
    like a login; once the user has MFA, a valid ``otp`` (TOTP or backup code) is required."""

    permission_classes = (AllowAny,)
    authentication_classes = (JetonAuthentication,)
    serializer_class = IdentifiantsSerializer

    @extend_schema(request=IdentifiantsSerializer, responses={200: CleSerializer})
    def post(self, request, *args, **kwargs):
        serializer = IdentifiantsSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.mfa_active:
            otp = serializer.validated_data.get("otp", "")
            if not otp:
                raise RefusAuthentification(
                    "Double authentification active sur ce compte : ajoutez le champ « otp » "
                    "(code de votre application ou code de secours)."
                )
            if mfa.verifier_code(user, otp) is None:
                tracer("mfa_echec", acteur=user, objet=user)
                raise RefusAuthentification(mfa.MESSAGE_CODE_INCORRECT)
        key = jetons.creer_jeton(user, libelle=request.headers.get("User-Agent", ""))
        tracer("jeton_api", acteur=user, objet=user)
        return Response({"token": key})


class JetonSerializer(serializers.ModelSerializer):
    expire_le = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Jeton
        fields = ["id", "prefixe", "libelle", "cree_le", "utilise_le", "expire_le"]


class JetonList(APIView):
    """GET: the caller's own live tokens (never their keys)."""

    serializer_class = JetonSerializer

    @extend_schema(responses={200: JetonSerializer(many=True)})
    def get(self, request):
        queryset = Jeton.objects.filter(user=request.user).actifs()
        return Response(JetonSerializer(queryset, many=True).data)


class JetonDetail(APIView):
    """DELETE: revoke one of the caller's own tokens (another user's is a 404)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        if not jetons.revoquer(request.user, pk):
            raise exceptions.NotFound()
        tracer("jeton_revoque", acteur=request.user, objet=request.user, commentaire=f"#{pk}")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaEtat(APIView):
    @extend_schema(responses={200: MfaEtatSerializer})
    def get(self, request):
        user = request.user
        return Response({"actif": user.mfa_active, "obligatoire": mfa.obligatoire(user)})


class MfaTotp(APIView):
    """POST: start an enrolment; the secret (base32) and its otpauth:// URI, for any TOTP app."""

    @extend_schema(request=None, responses={200: MfaSecretSerializer})
    def post(self, request):
        if request.user.mfa_active:
            raise Conflit(mfa.DejaActive.message)
        device = mfa.demarrer_activation(request.user)
        return Response(
            {"secret": mfa.secret_base32(device), "otpauth_uri": device.config_url},
        )


class MfaTotpConfirmer(APIView):
    """POST {"code"}: confirm the enrolment; returns the backup codes, this once."""

    @extend_schema(request=CodeSerializer, responses={200: MfaActiveSerializer})
    def post(self, request):
        serializer = CodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            device, codes = mfa.confirmer_activation(
                request.user, serializer.validated_data["code"], jeton_conserve=request.auth
            )
        except mfa.DejaActive as exc:
            raise Conflit(exc.message) from exc
        except mfa.CodeInvalide as exc:
            raise serializers.ValidationError({"code": [exc.message]}) from exc
        if request.auth is None:
            # A browser session: verified from now on.
            mfa.ouvrir_session(request, device)
        return Response({"actif": True, "codes_secours": codes})
