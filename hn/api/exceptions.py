"""API error format of API.md: ``{"detail": str, "errors": {field: [messages]}}`` for 400."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from hn.api.authentification import RefusAuthentification
from hn.comptes import verrouillage

MESSAGES = {
    status.HTTP_401_UNAUTHORIZED: "Authentification requise.",
    status.HTTP_403_FORBIDDEN: "Votre rôle ne permet pas cette action.",
    status.HTTP_404_NOT_FOUND: "Ressource introuvable.",
    status.HTTP_405_METHOD_NOT_ALLOWED: "Méthode non autorisée.",
}


class Conflit(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Cette action n'est pas possible dans l'état actuel."
    default_code = "conflit"

    def __init__(self, detail=None, **extra):
        super().__init__(detail)
        self.extra = extra


class ErreurValidation(exceptions.ValidationError):
    """A 400 whose ``detail`` is the given French summary rather than the first field error."""

    def __init__(self, errors, *, message: str):
        super().__init__(errors)
        self.message = message


def _errors(data) -> dict:
    if isinstance(data, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in data.items()
        }
    if isinstance(data, list):
        return {"non_field_errors": [str(m) for m in data]}
    return {"non_field_errors": [str(data)]}


def exception_handler(exc, context):
    # Login throttling (issue 17): an attempt refused by django-axes on auth/token/ is a 429,
    # whatever error the view raised for the failed authentication.
    request = context.get("request")
    if request is not None and verrouillage.est_bloque(request):
        return verrouillage.reponse_api(request)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _errors(exc.detail)
        messages = [m for values in errors.values() for m in values]
        detail = getattr(exc, "message", None) or (
            messages[0] if len(messages) == 1 else "Données invalides."
        )
        response.data = {"detail": detail, "errors": errors}
        return response
    detail = getattr(exc, "detail", None)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        text = MESSAGES[status.HTTP_401_UNAUTHORIZED]
        if isinstance(exc, RefusAuthentification):
            text = str(detail)
        elif isinstance(exc, exceptions.AuthenticationFailed):
            text = "Jeton ou identifiants invalides."
    elif isinstance(exc, exceptions.NotFound):
        text = MESSAGES[status.HTTP_404_NOT_FOUND]
    elif isinstance(exc, exceptions.PermissionDenied) and (
        detail is None or str(detail) == exceptions.PermissionDenied.default_detail
    ):
        text = MESSAGES[status.HTTP_403_FORBIDDEN]
    else:
        text = str(detail) if detail is not None else MESSAGES.get(response.status_code, "")
    response.data = {"detail": text, **getattr(exc, "extra", {})}
    return response
