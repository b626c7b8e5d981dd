"""Transport-level guard of every request (issue 17, item 6), before any view reads it.

``GardeRequetes`` (a middleware) refuses, from the headers alone:

- with 413, a body whose ``Content-Length`` exceeds its cap: ``TELEVERSEMENT_TAILLE_MAX`` for a
  multipart upload (one attachment of SPEC §4 plus the other form fields), otherwise
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``; a 50 Mo upload is answered before its first byte is read;
- with 400, a NUL character (no database column stores one) in the path, in the API's query
  string (the error names the parameter) or in a page's URL-encoded body, and a malformed
  ``Content-Length``.

Under ``/api/`` the refusal is JSON (``{"detail": …}``), elsewhere a French page.

``LimiteTeleversement`` (first of ``FILE_UPLOAD_HANDLERS``) counts the file bytes while Django
streams a multipart body and stops at the same cap: the defence for a body whose length the
headers do not announce (chunked transfer behind a server that passes it on).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render

MEGA_OCTET = 1024 * 1024
CARACTERE_NUL = "La requête contient un caractère nul, refusé."
LONGUEUR_INVALIDE = "L'en-tête Content-Length de la requête est invalide."

# Set on the request by LimiteTeleversement, read by the middleware on the way out.
_ATTRIBUT_TROP_GROS = "hn_corps_trop_volumineux"


class RequeteTropVolumineuse(RequestDataTooBig):
    """Raised by the upload handler once the cap is passed (Django answers a
    ``SuspiciousOperation`` with 400; the middleware makes it the 413 it is)."""


def _octets(taille: int) -> str:
    """2097152 -> "2 Mo", 2621440 -> "2,5 Mo"."""
    mo = f"{taille / MEGA_OCTET:.1f}".replace(".", ",").removesuffix(",0")
    return f"{mo} Mo"


def est_multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")


def taille_max(request) -> int | None:
    """The cap of this request's body, in bytes (None: no cap)."""
    if est_multipart(request):
        return settings.TELEVERSEMENT_TAILLE_MAX
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def message_piece_trop_volumineuse() -> str:
    return (
        "Le fichier envoyé est trop volumineux : une pièce jointe fait "
        f"{_octets(settings.PIECE_TAILLE_MAX)} au plus."
    )


def message_trop_volumineux(request) -> str:
    if est_multipart(request):
        return message_piece_trop_volumineuse()
    return (
        "La requête est trop volumineuse : "
        f"{_octets(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} au plus."
    )


def est_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refus(request, status: int, detail: str, champ: str = "non_field_errors"):
    """The refusal in the caller's language: JSON for the API, a French page otherwise."""
    if est_api(request):
        donnees = {"detail": detail}
        if status == 400:
            donnees["errors"] = {champ: [detail]}
        return JsonResponse(donnees, status=status)
    titre = "Requête trop volumineuse" if status == 413 else "Requête invalide"
    return render(
        request, "requete_refusee.html", {"title": titre, "message": detail}, status=status
    )


def champ_avec_nul(request) -> str | None:
    """Where a NUL character is, if any: ``non_field_errors`` for the path, the parameter's
    name for the API's query string, the form body of a page. The API's bodies are checked by
    its parsers (hn.api.parsers), the pages' query filters by their readers (hn.champs), which
    ignore an unusable filter."""
    if "\x00" in request.path_info:
        return "non_field_errors"
    if est_api(request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            for nom, valeurs in request.GET.lists():
                if "\x00" in nom or any("\x00" in v for v in valeurs):
                    return "non_field_errors" if "\x00" in nom else nom
        return None
    type_contenu = request.META.get("CONTENT_TYPE", "").lower()
    if type_contenu.startswith("application/x-www-form-urlencoded"):
        corps = request.body  # bounded: the length was checked first
        if b"\x00" in corps or b"%00" in corps:
            return "non_field_errors"
    return None


class GardeRequetes:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            longueur = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            longueur = -1
        if longueur < 0:
            return refus(request, 400, LONGUEUR_INVALIDE)
        limite = taille_max(request)
        if limite is not None and longueur > limite:
            return refus(request, 413, message_trop_volumineux(request))
        champ = champ_avec_nul(request)
        if champ is not None:
            return refus(request, 400, CARACTERE_NUL, champ)
        response = self.get_response(request)
        if getattr(request, _ATTRIBUT_TROP_GROS, False):
            return refus(request, 413, message_trop_volumineux(request))
        return response


class LimiteTeleversement(FileUploadHandler):
    """Counts the file bytes of a multipart body as they stream in; past the cap, marks the
    request and stops the parsing (nothing of the upload reaches a view)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.recus = 0

    def _refuser(self):
        if self.request is not None:
            setattr(self.request, _ATTRIBUT_TROP_GROS, True)
        raise RequeteTropVolumineuse(message_piece_trop_volumineuse())

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.TELEVERSEMENT_TAILLE_MAX:
            self._refuser()

    def receive_data_chunk(self, raw_data, start):
        self.recus += len(raw_data)
        if self.recus > settings.TELEVERSEMENT_TAILLE_MAX:
            self._refuser()
        return raw_data

    def file_complete(self, file_size):
        return None
