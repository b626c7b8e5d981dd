"""Background exports (issue 16): a list's file that would take more than 2 s at ten times the
volume is produced out of the request, with its progress on a page of its own.

The core names no app: each app registers its producers (``producteur(...)``, from its
``AppConfig.ready()``): a code, a French label, ``compter(user, params) -> int`` (the rows the
list's filters give: above the producer's ``seuil`` the list's export buttons start a background
export instead of answering the file) and ``produire(user, params, avancer) -> (name, file)``
(``params``: the list's GET filters, ``format`` included, each key with its list of values;
``avancer(done, total)`` reports the progress; the file is bytes or a file object).

A requested export (``Export``) is queued for the Celery worker when there is a broker; without
one (``make run``: tasks eager) it is never produced in the request: ``manage.py planificateur``
takes the pending exports every few seconds (:func:`traiter_en_attente`). Its file lives in the
private default storage and is served only to its requester while their scope is the one they
asked under (:func:`signature`); anyone else gets a 404. The sweep deletes exports after
``CONSERVATION`` (``hn.taches.menage``).
"""

import datetime as dt
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from hn.comptes.scopes import acces
from hn.notifications.models import Categorie
from hn.notifications.services import en_lot, notifier
from hn.taches.models import Export, StatutExport

logger = logging.getLogger(__name__)

CONSERVATION = dt.timedelta(days=7)
# An export still "en cours" after this long lost its process (worker killed): taken again.
ABANDON = dt.timedelta(hours=1)
# Progress is written at most every so many rows, or so many seconds.
PAS_LIGNES = 1000
PAS_SECONDES = 0.5
MSG_ECHEC = (
    "L'export n'a pas pu être produit à la suite d'une erreur interne. Relancez-le depuis la "
    "liste ; si l'erreur se reproduit, signalez-la à l'assistance."
)
MSG_PERIMETRE = (
    "Vos droits ont changé depuis la demande : cet export n'a pas été produit. Relancez-le "
    "depuis la liste."
)
MSG_INCONNU = "Ce type d'export n'existe plus : relancez l'export depuis la liste."


@dataclass(frozen=True)
class Producteur:
    code: str
    libelle: str
    produire: Callable  # (user, params, avancer) -> (filename, bytes | file)
    compter: Callable  # (user, params) -> int
    seuil: int  # rows above which the export runs in the background
    autorise: Callable = lambda user: True  # who may ask for it (else 403)


PRODUCTEURS: dict[str, Producteur] = {}


def producteur(code: str, libelle: str, *, compter: Callable, seuil: int, autorise=None):
    """Decorator registering ``fonction(user, params, avancer)`` as the producer ``code``."""

    def inscrire(fonction):
        PRODUCTEURS[code] = Producteur(
            code, libelle, fonction, compter, seuil, autorise or (lambda user: True)
        )
        return fonction

    return inscrire


def seuil(code: str) -> int:
    """The producer's threshold, or ``settings.EXPORTS_SEUIL`` when set (tests, demo)."""
    force = getattr(settings, "EXPORTS_SEUIL", None)
    return PRODUCTEURS[code].seuil if force is None else force


def en_fond(code: str, lignes: int) -> bool:
    """Whether the list's export of ``lignes`` rows runs in the background."""
    return lignes > seuil(code)


def parametres_de(querydict) -> dict:
    """A list's GET filters as stored (the page number left out)."""
    return {k: v for k, v in querydict.lists() if k != "page"}


def querydict(parametres: dict) -> QueryDict:
    q = QueryDict(mutable=True)
    for cle, valeurs in parametres.items():
        q.setlist(cle, list(valeurs))
    return q


def signature(user) -> str:
    """The fingerprint of the user's scope (``hn.comptes.scopes.acces``): any role or
    perimeter change gives another one."""
    a = acces(user)
    donnees = [
        user.pk,
        a.superuser,
        a.role_national,
        a.admin_national,
        sorted(a.etablissements.items()),
        sorted(a.regions.items()),
        sorted(a.admin_etablissements),
        sorted(a.admin_regions),
    ]
    return hashlib.sha256(json.dumps(donnees, default=str).encode()).hexdigest()


def export_du_demandeur(user, pk) -> Export | None:
    """The export ``pk`` when ``user`` asked for it under their present scope, else None."""
    export = Export.objects.filter(pk=pk, demandeur_id=user.pk).first()
    if export is None or export.signature != signature(user):
        return None
    return export


def mes_exports(user, nombre: int = 20):
    return Export.objects.filter(demandeur_id=user.pk, signature=signature(user))[:nombre]


# --- asking ---------------------------------------------------------------------------------------


def demander(user, code: str, parametres: dict) -> Export:
    """Record the export and queue it (after the commit). Unknown code: KeyError."""
    prod = PRODUCTEURS[code]
    export = Export.objects.create(
        demandeur=user, producteur=prod.code, parametres=parametres, signature=signature(user)
    )
    transaction.on_commit(lambda: lancer(export.pk))
    return export


def lancer(pk) -> None:
    """Queue the export for the worker; without a broker (eager tasks) leave it to the embedded
    scheduler, never in the request. A broker that does not answer: it stays pending, taken
    again by the sweep (``relancer_en_attente``)."""
    from celery import current_app
    from kombu.exceptions import OperationalError

    if current_app.conf.task_always_eager:
        return
    try:
        # By name: the task module (hn.taches.tasks) imports this one.
        current_app.tasks["hn.export"].delay(str(pk))
    except OperationalError:
        logger.warning("File de tâches indisponible : export %s laissé en attente.", pk)


# --- producing ------------------------------------------------------------------------------------


class Avancement:
    """The progress callback: writes (done, total) on the row at most every ``PAS_LIGNES``
    rows or ``PAS_SECONDES`` seconds."""

    def __init__(self, pk):
        self.pk = pk
        self.ecrit = -PAS_LIGNES
        self.instant = 0.0
        self.ecritures = 0

    def __call__(self, faites: int, total: int, *, forcer: bool = False) -> None:
        maintenant = time.monotonic()
        if forcer or faites - self.ecrit >= PAS_LIGNES or maintenant - self.instant >= PAS_SECONDES:
            Export.objects.filter(pk=self.pk).update(faites=faites, total=total)
            self.ecrit, self.instant = faites, maintenant
            self.ecritures += 1


def _prendre(pk) -> bool:
    """Mark the export taken (one taker only): pending, or abandoned while under way."""
    maintenant = timezone.now()
    return bool(
        Export.objects.filter(pk=pk)
        .filter(
            Q(statut=StatutExport.EN_ATTENTE)
            | Q(statut=StatutExport.EN_COURS, debut__lt=maintenant - ABANDON)
        )
        .update(statut=StatutExport.EN_COURS, debut=maintenant, erreur="")
    )


def _echec(export: Export, message: str) -> None:
    export.statut = StatutExport.ECHEC
    export.erreur = message
    export.fin = timezone.now()
    export.save(update_fields=["statut", "erreur", "fin"])


def produire(pk) -> Export | None:
    """Produce the export (the task's body). A crash sets it "échec" with a French message;
    nothing is raised (a retry would not do better: the requester asks again)."""
    if not _prendre(pk):
        return None
    export = Export.objects.select_related("demandeur").get(pk=pk)
    prod = PRODUCTEURS.get(export.producteur)
    if prod is None:
        _echec(export, MSG_INCONNU)
        return export
    user = export.demandeur
    if not user.is_active or signature(user) != export.signature:
        _echec(export, MSG_PERIMETRE)
        return export
    avancer = Avancement(export.pk)
    try:
        nom, contenu = prod.produire(user, export.parametres, avancer)
        fichier = ContentFile(contenu) if isinstance(contenu, bytes) else File(contenu)
        export.fichier.save(nom, fichier, save=False)
        if hasattr(contenu, "close"):
            contenu.close()
    except Exception:
        logger.exception("Export %s (%s) en échec", export.pk, export.producteur)
        _echec(export, MSG_ECHEC)
        return export
    export.refresh_from_db(fields=["faites", "total"])
    export.faites = export.total = max(export.faites, export.total)
    export.nom_fichier = nom
    export.statut = StatutExport.PRET
    export.fin = timezone.now()
    export.save(update_fields=["fichier", "nom_fichier", "statut", "fin", "faites", "total"])
    _notifier(export, prod)
    return export


def _notifier(export: Export, prod: Producteur) -> None:
    with en_lot(courriels=False):  # in-app: the requester is usually still on the site
        notifier(
            cle=f"export:{export.pk}",
            destinataires=[export.demandeur],
            categorie=Categorie.DOCUMENT,
            titre=f"Export prêt : {prod.libelle}",
            message=f"Le fichier {export.nom_fichier} demandé est prêt à être téléchargé.",
            lien=reverse("exports:detail", kwargs={"pk": export.pk}),
        )


def fichier_temporaire():
    """Where a producer streams its file (in memory up to 8 Mo, then on disk)."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


# --- the embedded scheduler and the sweep ---------------------------------------------------------


def traiter_en_attente(limite: int = 5) -> int:
    """The embedded scheduler's turn: produce the pending exports, oldest first."""
    faits = 0
    for pk in (
        Export.objects.filter(statut=StatutExport.EN_ATTENTE)
        .order_by("cree_le")[:limite]
        .values_list("pk", flat=True)
    ):
        if produire(pk) is not None:
            faits += 1
    return faits


def relancer_en_attente() -> int:
    """With a broker: queue again the exports left pending for more than five minutes (their
    message lost while the broker was down). Without one the embedded scheduler takes them."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return 0
    limite = timezone.now() - dt.timedelta(minutes=5)
    pks = list(
        Export.objects.filter(statut=StatutExport.EN_ATTENTE, cree_le__lt=limite).values_list(
            "pk", flat=True
        )
    )
    for pk in pks:
        lancer(pk)
    return len(pks)


def purger(maintenant=None) -> int:
    """Delete the exports (and their files) older than ``CONSERVATION``."""
    limite = (maintenant or timezone.now()) - CONSERVATION
    anciens = list(Export.objects.filter(cree_le__lt=limite))
    for export in anciens:
        if export.fichier:
            export.fichier.delete(save=False)
    Export.objects.filter(pk__in=[e.pk for e in anciens]).delete()
    return len(anciens)
