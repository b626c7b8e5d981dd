"""HTML to PDF, for every app: WeasyPrint with a URL fetcher that serves only the project's own
static files (nothing is ever fetched from the network or from an arbitrary path), and the HTTP
response a PDF download is sent in.

WeasyPrint needs Pango and HarfBuzz (Debian packages, ``make system-deps``): it is imported
only when a PDF is rendered, so the rest of the application starts without them.
"""

import functools
import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# The base URL of the rendered HTML: a reserved, unresolvable host (RFC 2606) that only tells
# the fetcher "one of ours". Templates reference static files as /static/...
BASE_URL = "https://hn-financement.invalid/"


class RessourceRefusee(ValueError):
    """A URL the PDF renderer may not fetch (anything but the project's static files)."""


# --- the URL fetcher --------------------------------------------------------------------------


def _prefixe_statique() -> str:
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


def fichier_statique(url: str) -> Path:
    """The file a static URL designates (``/static/hn/hn.css``, or the same path under
    ``BASE_URL``), found by the staticfiles finders. Anything else raises RessourceRefusee:
    other schemes (``file:``, ``data:``, ``ftp:``...), other hosts, query strings, paths
    outside STATIC_URL, ``..`` segments, unknown files."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) not in (("", ""), (base.scheme, base.netloc)):
        raise RessourceRefusee(f"Ressource externe refusée : {url}")
    if parts.query:
        raise RessourceRefusee(f"Ressource refusée (paramètres) : {url}")
    chemin = unquote(parts.path)
    prefixe = _prefixe_statique()
    if not chemin.startswith(prefixe) or "\\" in chemin or "\x00" in chemin:
        raise RessourceRefusee(f"Ressource refusée (hors des fichiers statiques) : {url}")
    relatif = chemin[len(prefixe) :]
    if not relatif or ".." in relatif.split("/") or posixpath.normpath(relatif) != relatif:
        raise RessourceRefusee(f"Ressource refusée (chemin invalide) : {url}")
    trouve = finders.find(relatif)
    if not trouve:
        raise RessourceRefusee(f"Fichier statique introuvable : {url}")
    return Path(trouve)


@functools.cache
def _classe_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FetcherStatique(URLFetcher):
        """WeasyPrint's fetcher, reduced to the project's static files."""

        def __init__(self):
            super().__init__(allowed_protocols=set(), allow_redirects=False)

        def fetch(self, url, headers=None):
            try:
                chemin = fichier_statique(url)
            except RessourceRefusee:
                logger.warning("PDF : ressource refusée %s", url)
                raise
            type_mime = mimetypes.guess_type(chemin.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, chemin.read_bytes(), headers={"Content-Type": type_mime})

        def open(self, url, data=None, timeout=None):
            # Never fall back on urllib's opener.
            return self.fetch(getattr(url, "full_url", url))

    return FetcherStatique


def fetcher_statique():
    """The URL fetcher given to WeasyPrint: call it with a URL; it returns the response or
    raises RessourceRefusee."""
    return _classe_fetcher()()


def html_vers_pdf(html: str) -> bytes:
    """The one place HTML becomes PDF (tests wrap it to count renders)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher_statique()).write_pdf()


def reponse_pdf(data: bytes, nom: str) -> HttpResponse:
    """A PDF download: private, never cached by a shared proxy."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, nom)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
