"""API error format of API.md: ``{"detail": str, "errors": {field: [messages]}}`` for 400."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from hn.api.authentification import RefusAuthentification
from hn.garde import message_trop_volumineux

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


# >>> issue 17 api: errors of the request's transport (parsing, size, media type), in French.
class CorpsTropVolumineux(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "La requête est trop volumineuse."
    default_code = "trop_volumineux"


CORPS_ILLISIBLE = "Le corps de la requête est illisible."
TROP_DE_CHAMPS = "La requête contient trop de champs ou de fichiers."


def _erreur_transport(exc, context):
    """Django's refusals raised while DRF reads the body, as API exceptions."""
    if isinstance(exc, RequestDataTooBig):
        request = context.get("request")
        return CorpsTropVolumineux(message_trop_volumineux(request) if request else None)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(TROP_DE_CHAMPS)
    return exc


def _reponse_transport(exc, response):
    """ParseError -> 400 with the API.md error shape; 406 and 415 in French. None otherwise."""
    if isinstance(exc, exceptions.ParseError):
        # Our parsers' messages are French (hn.api.parsers); DRF's own are not.
        texte = str(exc.detail) if hasattr(exc, "errors") or exc.detail == TROP_DE_CHAMPS else ""
        texte = texte or CORPS_ILLISIBLE
        erreurs = getattr(exc, "errors", None) or {"non_field_errors": [texte]}
        response.data = {"detail": texte, "errors": erreurs}
        return response
    if isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = {
            "detail": "Type de contenu non pris en charge : envoyez du JSON (application/json)"
            " ou un formulaire (multipart/form-data)."
        }
        return response
    if isinstance(exc, exceptions.NotAcceptable):
        response.data = {"detail": "Format de réponse non disponible : l'API répond en JSON."}
        return response
    return None


# <<< issue 17 api


def exception_handler(exc, context):
    exc = _erreur_transport(exc, context)  # issue 17 api
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if _reponse_transport(exc, response) is not None:  # issue 17 api
        return response
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
