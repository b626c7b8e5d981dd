"""Agents' sessions end after ``SESSION_INACTIVITE_AGENTS`` minutes without a request.

Agents (ARS and national roles, administrators, superusers) decide on public money and see a
whole scope: an unattended browser must not stay signed in. Établissement users keep the
session length of ``SESSION_COOKIE_AGE``. Whether a session is an agent's is decided at login
(roles granted later apply at the next login), so the check costs no query.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

from hn.comptes.scopes import acces

CLE_AGENT = "hn_agent"
CLE_ACTIVITE = "hn_derniere_activite"
# The last-activity stamp is rewritten at most once a minute (one session write, not one per
# request).
PRECISION = 60


def est_agent(user) -> bool:
    a = acces(user)
    return a.national or a.administrateur or bool(a.regions)


def _maintenant() -> int:
    return int(timezone.now().timestamp())


def marquer_connexion(sender, request, user, **kwargs):
    """Receiver of ``user_logged_in``."""
    session = getattr(request, "session", None)
    if session is not None:
        session[CLE_AGENT] = est_agent(user)
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
