"""The API's token authentication (``Authorization: Token <key>``), against
hn.comptes.models.Jeton. Imports no DRF view: DRF loads it while defining ``APIView``."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from hn.comptes import jetons, mfa


class RefusAuthentification(exceptions.AuthenticationFailed):
    """A 401 whose French detail is shown as is (expired token, missing second factor)."""


class JetonAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` against hn.comptes.models.Jeton (hash lookup, expiry
    after inactivity). Listed first in the settings: its ``WWW-Authenticate: Token`` header
    keeps "not authenticated" a 401."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        match = getattr(request, "resolver_match", None)
        etape = mfa.etape_requise_jeton(user)
        if etape and (match is None or match.view_name not in mfa.ROUTES_ACTIVATION_API):
            raise exceptions.PermissionDenied(mfa.MESSAGES_ETAPE[etape])
        return result

    def authenticate_credentials(self, key):
        try:
            jeton = jetons.authentifier(key)
        except jetons.JetonRefuse as exc:
            raise RefusAuthentification(exc.message) from exc
        return (jeton.user, jeton)
