"""The annual synthesis as a stored PDF: rendered once per content, by a task.

At the national scale a région's synthesis lists about a hundred établissements and renders in a
few seconds; at ten times that (the benchmark) WeasyPrint needs tens of seconds, longer than a
web request may take. So the PDF is content-addressed: the HTML it is laid out from (the edition
time left out) is hashed, and the PDF is kept in the default storage under that hash. A request
serves the stored PDF when the content has not changed since it was rendered; otherwise it
queues ``enveloppes.synthese_pdf`` (``enveloppes.tasks.demander``) and shows a waiting page that
reloads itself. Any change the document shows (a ledger line, a comment, a follow-up state, a
name in the référentiel, the template) changes the HTML, hence the key: there is no invalidation
to forget.

Without a broker (``make run``) the task runs in the request itself (Celery eager mode); the
requester gets an in-app notification when a queued PDF is ready.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from enveloppes.exports import titre
from enveloppes.tableaux import COLONNES, COLONNES_DOMAINE, Synthese, synthese
from hn.dates import PARIS
from hn.notifications.models import Categorie
from hn.notifications.services import en_lot, notifier
from hn.pdf import html_vers_pdf

logger = logging.getLogger(__name__)

GABARIT = "enveloppes/synthese_pdf.html"
DOSSIER = "pdf/syntheses"
# Stands for the edition time in the hashed HTML; replaced by the time of the rendering.
MARQUE_EDITION = "[[édité-le]]"
# A production in progress (one at a time per content); longer than any rendering.
DUREE_VERROU = 30 * 60
# The waiting page reloads itself every so many seconds.
DELAI_RECHARGEMENT = 5
# A failed production is not retried by the waiting page's reloads during this time.
DUREE_ECHEC = 10 * 60


@dataclass(frozen=True)
class DocumentSynthese:
    synthese: Synthese
    html: str  # with MARQUE_EDITION
    empreinte: str  # SHA-256 of ``html``

    @property
    def cle(self) -> str:
        e = self.synthese.enveloppe
        prefixe = _prefixe(e.programme.code, e.region.code, self.synthese.annee)
        return f"{DOSSIER}/{prefixe}{self.empreinte}.pdf"


def _prefixe(programme: str, region: str, annee: int) -> str:
    return f"synthese-{programme}-{region}-{annee}-"


def document(sy: Synthese) -> DocumentSynthese:
    html = render_to_string(
        GABARIT,
        {
            "synthese": sy,
            "t": sy.tableau,
            "enveloppe": sy.enveloppe,
            "colonnes": COLONNES,
            "colonnes_domaine": COLONNES_DOMAINE,
            "titre": titre(sy),
            "edite_le": MARQUE_EDITION,
        },
    )
    return DocumentSynthese(sy, html, hashlib.sha256(html.encode()).hexdigest())


def stocke(doc: DocumentSynthese) -> bytes | None:
    """The stored PDF of this content, or None."""
    try:
        if not default_storage.exists(doc.cle):
            return None
        with default_storage.open(doc.cle, "rb") as fichier:
            data = fichier.read()
    except Exception:
        logger.exception("Lecture du PDF de synthèse impossible : %s", doc.cle)
        return None
    if data.startswith(b"%PDF-"):
        return data
    logger.error("PDF de synthèse stocké illisible, il sera refait : %s", doc.cle)
    return None


def rendre(doc: DocumentSynthese) -> bytes:
    edite_le = date_format(timezone.localtime(timezone.now(), PARIS), "d/m/Y à H:i")
    return html_vers_pdf(doc.html.replace(MARQUE_EDITION, edite_le))


def conserver(doc: DocumentSynthese, data: bytes) -> None:
    """Store the PDF under its key, then drop the same synthesis' older contents."""
    nom = default_storage.save(doc.cle, ContentFile(data))
    if nom != doc.cle:  # stored meanwhile by another production: same content, keep one
        default_storage.delete(nom)
    e = doc.synthese.enveloppe
    prefixe = _prefixe(e.programme.code, e.region.code, doc.synthese.annee)
    try:
        _dossiers, fichiers = default_storage.listdir(DOSSIER)
    except (FileNotFoundError, NotImplementedError):
        return
    for ancien in fichiers:
        if ancien.startswith(prefixe) and f"{DOSSIER}/{ancien}" != doc.cle:
            default_storage.delete(f"{DOSSIER}/{ancien}")


def verrou(doc: DocumentSynthese) -> str:
    return f"hn:synthese-pdf:{doc.empreinte}"


def _echec(doc: DocumentSynthese) -> str:
    return f"hn:synthese-pdf-echec:{doc.empreinte}"


def en_echec(doc: DocumentSynthese) -> bool:
    return bool(cache.get(_echec(doc)))


def oublier_echec(doc: DocumentSynthese) -> None:
    """An explicit retry (the waiting page's button) lifts the pause after a failure."""
    cache.delete(_echec(doc))


def produire(enveloppe, annee: int, demandeur=None, *, notifier_pret: bool = True) -> str:
    """Render and store the synthesis as it is now (the task's body). Returns the key."""
    doc = document(synthese(enveloppe, annee))
    try:
        if stocke(doc) is None:
            conserver(doc, rendre(doc))
    except Exception:
        cache.set(_echec(doc), "1", DUREE_ECHEC)
        raise
    finally:
        cache.delete(verrou(doc))
    if demandeur is not None and notifier_pret:
        _notifier(doc, demandeur)
    return doc.cle


def _notifier(doc: DocumentSynthese, demandeur) -> None:
    e = doc.synthese.enveloppe
    kwargs = {"programme": e.programme.code, "region": e.region.code, "annee": doc.synthese.annee}
    with en_lot(courriels=False):  # in-app only: the requester is usually still on the site
        notifier(
            cle=f"synthese-pdf:{doc.empreinte}",
            destinataires=[demandeur],
            categorie=Categorie.DOCUMENT,
            titre=f"PDF prêt : {titre(doc.synthese)}",
            message="Le PDF de la synthèse annuelle demandé est prêt à être téléchargé.",
            lien=reverse("enveloppes:synthese_pdf", kwargs=kwargs),
        )
