"""Session middlewares of the accounts.

- ``InactiviteMiddleware``: agents' sessions end after ``SESSION_INACTIVITE_AGENTS`` minutes
  without a request. Agents (ARS and national roles, administrators, superusers) decide on
  public money and see a whole scope: an unattended browser must not stay signed in.
  Établissement users keep the session length of ``SESSION_COOKIE_AGE``. Whether a session is
  an agent's is decided at login (roles granted later apply at the next login), so the check
  costs no query.
- ``DoubleAuthentificationMiddleware``: the one gate of the second factor for sessions: a
  logged-in user who still owes a code (or, MFA being required for their role, an enrolment)
  reaches only the page that asks for it; API calls with the session are refused 403 with a
  French detail until then. API calls with a token are checked by the token's authentication
  (hn.api.authentification).
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from hn.comptes import mfa
from hn.comptes.scopes import acces

CLE_AGENT = "hn_agent"
CLE_ACTIVITE = "hn_derniere_activite"
# The last-activity stamp is rewritten at most once a minute (one session write, not one per
# request).
PRECISION = 60


def _maintenant() -> int:
    return int(timezone.now().timestamp())


def marquer_connexion(sender, request, user, **kwargs):
    """Receiver of ``user_logged_in``."""
    session = getattr(request, "session", None)
    if session is not None:
        session[CLE_AGENT] = acces(user).agent
        session[CLE_ACTIVITE] = _maintenant()


class InactiviteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None:
            return self.get_response(request)
        if CLE_AGENT not in session and request.user.is_authenticated:
            # A session opened before this rule existed.
            marquer_connexion(None, request, request.user)
        if session.get(CLE_AGENT):
            maintenant = _maintenant()
            derniere = session.get(CLE_ACTIVITE, maintenant)
            if maintenant - derniere > settings.SESSION_INACTIVITE_AGENTS * 60:
                return self._expiree(request)
            if maintenant - derniere >= PRECISION:
                session[CLE_ACTIVITE] = maintenant
        return self.get_response(request)

    def _expiree(self, request):
        logout(request)
        if request.path.startswith("/api/"):
            # Anonymous from here: the API answers its own JSON 401.
            return self.get_response(request)
        messages.warning(
            request,
            f"Votre session a expiré après {settings.SESSION_INACTIVITE_AGENTS} minutes "
            "d'inactivité : reconnectez-vous pour continuer.",
        )
        return redirect_to_login(request.get_full_path())


# Views open whatever the step (logging in or out, asking for a token with the code, the
# footer's public pages).
LIBRES = {
    "login",
    "logout",
    "api:token",
    "api:schema",
    "api:docs",
    "accessibilite",
    "mentions_legales",
    "donnees_personnelles",
}
LIBRES_PAR_ETAPE = {
    mfa.ETAPE_VERIFIER: LIBRES | {"mfa:verifier"},
    mfa.ETAPE_ACTIVER: LIBRES | {"mfa:activer"} | mfa.ROUTES_ACTIVATION_API,
}
PAGES_ETAPE = {mfa.ETAPE_VERIFIER: "mfa:verifier", mfa.ETAPE_ACTIVER: "mfa:activer"}


class DoubleAuthentificationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        api = match is not None and "api" in match.namespaces
        if api and request.headers.get("Authorization", "").lower().startswith("token "):
            return None
        etape = mfa.etape_requise(user)
        if etape is None or (match is not None and match.view_name in LIBRES_PAR_ETAPE[etape]):
            return None
        if api:
            return JsonResponse({"detail": mfa.MESSAGES_ETAPE[etape]}, status=403)
        suite = quote(request.get_full_path()) if request.method == "GET" else ""
        url = reverse(PAGES_ETAPE[etape])
        return redirect(f"{url}?next={suite}" if suite else url)
