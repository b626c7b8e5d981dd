"""Security headers the framework does not set by itself (README "Sécurité").

- ``Permissions-Policy``: the browser features the platform never uses are switched off.
- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every response to an
  authenticated caller, session or API token alike: pages, API JSON, PDF and spreadsheet
  exports, attachments. Names, e-mails and phone numbers of contacts must not stay in a shared
  browser's or a proxy's cache.

The Content-Security-Policy itself comes from django-csp (``CONTENT_SECURITY_POLICY`` in
hn/settings.py); HSTS, nosniff, Referrer-Policy and the frame refusal from Django's own
``SecurityMiddleware`` and ``XFrameOptionsMiddleware``.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


def is_authenticated_request(request) -> bool:
    """A session user, or a DRF token user (DRF copies its user onto the Django request), or
    any request carrying credentials (a token, or a session cookie that a view authenticating
    by token only did not read)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        # A view may have set its own "private, no-store" (exports): kept as it is.
        if is_authenticated_request(request) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            add_never_cache_headers(response)
        return response
