from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from hn.journal.services import tracer


class ObtenirJeton(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}; traced like a login."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        tracer("jeton_api", acteur=user, objet=user)
        return Response({"token": token.key})
