"""The one gate of the second factor for sessions: a logged-in user who still owes a code
(or, MFA being required for their role, an enrolment) reaches only the page that asks for it;
API calls with the session are refused 403 with a French detail until then. API calls with a
token are checked by the token's authentication (hn.api.auth)."""

from urllib.parse import quote

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from hn.comptes import mfa

# Views open whatever the step (logging in or out, asking for a token with the code).
LIBRES = {"login", "logout", "api:token", "api:schema", "api:docs"}
LIBRES_PAR_ETAPE = {
    mfa.ETAPE_VERIFIER: LIBRES | {"mfa:verifier"},
    mfa.ETAPE_ACTIVER: LIBRES
    | {"mfa:activer", "api:mfa", "api:mfa-totp", "api:mfa-totp-confirmer"},
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
