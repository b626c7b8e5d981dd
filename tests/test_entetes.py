"""Security headers and error pages (issue 17, items 4 and 8): the CSP and the other headers on
every answer, no-store for authenticated callers, JSON errors under /api/ whatever DEBUG is, the
platform's French error pages elsewhere (tests/test_access_matrix.py checks the headers on
every route)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from hn import urls as hn_urls
from tests import factories as f
from tests.entetes import assert_security_headers, csp_directives


def _boom(request):
    raise RuntimeError("panne simulée")


def _interdit(request):
    raise PermissionDenied


def _suspect(request):
    raise SuspiciousOperation("requête douteuse")


def _fichier(request):
    return HttpResponse(b"%PDF-1.7", content_type="application/pdf")


# The platform's URLs plus views that fail, for the error pages (``pytest.mark.urls``).
urlpatterns = [
    path("essai/boom/", _boom),
    path("essai/interdit/", _interdit),
    path("essai/suspect/", _suspect),
    path("essai/fichier/", _fichier),
    path("api/v1/essai/boom/", _boom),
    path("api/v1/essai/interdit/", _interdit),
    path("api/v1/essai/suspect/", _suspect),
    *hn_urls.urlpatterns,
]
handler400 = hn_urls.handler400
handler403 = hn_urls.handler403
handler404 = hn_urls.handler404
handler500 = hn_urls.handler500

essai_urls = pytest.mark.urls(__name__)
# What a browser accepts: HTML first (DRF's browsable API would answer HTML).
NAVIGATEUR = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _client():
    return Client(raise_request_exception=False)


# --- Headers -------------------------------------------------------------------------------


def test_pages_carry_the_csp_and_the_other_security_headers(client):
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert_security_headers(response, authenticated=False)
    directives = csp_directives(response)
    assert directives["script-src"][0] == "'self'"
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in response["Permissions-Policy"]


def test_no_inline_script_or_style_in_the_pages(client, db):
    """The pages' scripts are static files ('self'): no inline script, handler or style."""
    client.force_login(f.superuser())
    html = client.get("/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert re.search(r"\son[a-z]+=", html) is None
    assert "javascript:" not in html
    assert "<style" not in html and " style=" not in html


@pytest.mark.django_db
def test_authenticated_pages_are_never_cached(client):
    anonyme = client.get("/connexion/?suivant=1")
    client.force_login(f.superuser())
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert anonyme.status_code == 200


@essai_urls
@pytest.mark.django_db
def test_authenticated_files_are_never_cached(client):
    """Exports and attachments (any response to a logged-in user), not only HTML."""
    assert "Cache-Control" not in client.get("/essai/fichier/")
    client.force_login(f.superuser())
    response = client.get("/essai/fichier/")
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_api_json_of_a_token_user_is_never_cached():
    """DRF authenticates in the view (token): the middleware still sees the user."""
    api = APIClient()
    api.force_authenticate(f.superuser())
    response = api.get("/api/v1/programmes/")
    assert response.status_code == 200
    assert_security_headers(response, authenticated=True)


@pytest.mark.django_db
def test_any_answer_to_credentials_is_never_cached():
    response = APIClient().get("/api/v1/programmes/", HTTP_AUTHORIZATION="Token inconnu")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_session_cookie_a_token_only_view_ignores_is_never_cached(client):
    """auth/token/ authenticates by token only: a logged-in browser's answer is still private."""
    client.force_login(f.superuser())
    response = client.get("/api/v1/auth/token/")
    assert response.status_code == 405
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_new_token_is_never_cached():
    user = f.es_gestionnaire()
    user.set_password("Mot-de-passe-assez-long-2026")
    user.save()
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "Mot-de-passe-assez-long-2026"},
        format="json",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_swagger_ui_runs_its_start_up_script_with_the_nonce(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    nonces = [v for v in csp_directives(response)["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{nonces[0][7:-1]}"']
    assert "<style" not in html
    assert "SwaggerUIBundle(" in html


# --- Error pages -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_route_is_a_json_404_whatever_debug(settings, debug):
    settings.DEBUG = debug
    anonyme = _client()
    connecte = _client()
    connecte.force_login(f.superuser())
    for c in (anonyme, connecte):
        for method in ("get", "post", "delete"):
            for url in ("/api/v1/inconnue/", "/api/v1/dossiers/X/inconnue/", "/api/v1/dossiers"):
                response = getattr(c, method)(url, HTTP_ACCEPT=NAVIGATEUR)
                assert response.status_code == 404, (method, url)
                assert response["Content-Type"] == "application/json"
                assert response.json() == {"detail": "Ressource introuvable."}


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_wrong_method_on_the_api_is_a_json_405_whatever_debug(settings, debug):
    settings.DEBUG = debug
    c = _client()
    c.force_login(f.superuser())
    response = c.delete("/api/v1/programmes/", HTTP_ACCEPT=NAVIGATEUR)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Méthode")


@essai_urls
def test_api_errors_outside_drf_are_json():
    """Errors the API's views do not handle themselves (hn.views.erreur_*), DEBUG off."""
    c = _client()
    for url, status, detail in (
        ("/api/v1/essai/boom/", 500, "Erreur interne du serveur"),
        ("/api/v1/essai/interdit/", 403, "Votre rôle ne permet pas cette action."),
        ("/api/v1/essai/suspect/", 400, "Requête invalide."),
    ):
        response = c.get(url)
        assert response.status_code == status, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith(detail)


@pytest.mark.django_db
def test_unknown_page_is_the_french_404(client):
    response = client.get("/page-inconnue/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "Retour à l'accueil" in html
    assert "Traceback" not in html and "URLconf" not in html
    assert_security_headers(response, authenticated=False)


@essai_urls
@pytest.mark.django_db
def test_forbidden_page_is_the_french_403(client):
    client.force_login(f.superuser())
    response = client.get("/essai/interdit/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    assert_security_headers(response, authenticated=True)


@essai_urls
def test_server_error_page_is_french_and_needs_no_database():
    """No ``db`` fixture: any query of the 500 page (a context processor, the session) would
    fail the test."""
    response = _client().get("/essai/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Erreur du serveur" in html and "panne simulée" not in html
    assert "Traceback" not in html
    assert_security_headers(response, authenticated=False)


@essai_urls
def test_bad_request_page_is_french():
    response = _client().get("/essai/suspect/")
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_page_is_french():
    response = Client(enforce_csrf_checks=True).post("/connexion/", {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulaire expiré" in html and "rien n'a été enregistré" in html
