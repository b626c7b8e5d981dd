"""Attachments of a dossier [SPEC §4, 000 A9 §4, §8]: prérequis proofs and project documents.

PDF or Word only, recognised by their content (never by the file name), 2 Mo at most. Only the
établissement's gestionnaire adds, replaces or deletes them, and only while the dossier is
editable. Actions follow ``dossiers.actions``: atomic, row-locked, authorised, traced; errors are
its :class:`DossierError` (400), :class:`TransitionRefusee` (409) and ``PermissionDenied`` (403).

Besides the type and the size, the content is checked by ``hn.fichiers`` (active PDF content,
macros, zip bombs, polyglots) and, once stored, scanned by the antivirus (``dossiers.analyse``:
``en_analyse`` until clamd says ``saine`` or ``infectee``).

Storage and database stay consistent: a refused file is never written; a write that fails
(disk full) leaves no partial file and raises :class:`StockageIndisponible` (API 503); a file
written by an action whose transaction then fails is deleted again. Replaced and deleted
pieces keep their file, since a dépôt snapshot may list them (the ARS reads the last dépôt).
"""

import errno
import hashlib
import io
import logging
import math
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dossiers import analyse
from dossiers.actions import DossierError, TransitionRefusee, tracer_dossier, verrouiller
from dossiers.enums import CategoriePiece
from dossiers.models import PieceJointe
from dossiers.services import lit_la_saisie
from hn import fichiers
from hn.comptes.perms import peut_saisir

logger = logging.getLogger(__name__)

TAILLE_MAX = 2 * 1024 * 1024  # 2 Mo [SPEC §4]; also a check constraint of PieceJointe

PDF, DOC, DOCX = fichiers.PDF, fichiers.DOC, fichiers.DOCX
EXTENSIONS = {PDF: ".pdf", DOC: ".doc", DOCX: ".docx"}  # the stored name's extension

_MAGIC_PDF = b"%PDF-"
_MAGIC_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # compound file: legacy Word .doc
_DOCX_MAIN = DOCX + ".main+xml"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# Zip-bomb guards: only [Content_Types].xml is ever decompressed, with a bounded read; the
# declared sizes of the whole archive must stay those of a plausible 2 Mo document.
_ZIP_MAX_DECOMPRESSE = 100 * 1024 * 1024
_ZIP_MAX_CONTENT_TYPES = 1024 * 1024

MSG_FICHIER_MANQUANT = "Joignez un fichier PDF ou Word."
MSG_FICHIER_VIDE = "Le fichier est vide."
MSG_TYPE = (
    "Seuls les fichiers PDF ou Word sont acceptés (le contenu de ce fichier n'en est pas un)."
)
MSG_CATEGORIE = (
    "Choisissez une catégorie : justificatif de prérequis, document de projet ou autre document."
)
MSG_PREREQUIS_HORS_JUSTIFICATIF = (
    "Un prérequis ne se précise que pour un justificatif de prérequis."
)
MSG_PIECE_INACTIVE = "Cette pièce a déjà été remplacée ou supprimée."
MSG_STOCKAGE_PLEIN = (
    "Le stockage des pièces jointes est plein : la pièce n'a pas été enregistrée. Réessayez "
    "plus tard ; si le problème persiste, contactez le support."
)
MSG_STOCKAGE = (
    "Le stockage des pièces jointes est momentanément indisponible : la pièce n'a pas été "
    "enregistrée. Réessayez dans quelques minutes."
)


class StockageIndisponible(Exception):
    """The storage refused the write (disk full, bucket unreachable): nothing was kept. The API
    answers 503, the page shows the message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- content checks (no database, no storage) ----------------------------------------------


def _mo(taille: int) -> str:
    """Size in Mo, one decimal, French comma, rounded up (so that "dépasse 2 Mo" never reads
    "2,0 Mo" for a file just over the limit)."""
    dixiemes = math.ceil(taille * 10 / (1024 * 1024))
    return f"{dixiemes // 10},{dixiemes % 10} Mo"


def message_taille(taille: int) -> str:
    return f"Le fichier dépasse 2 Mo (taille : {_mo(taille)})."


def _est_docx(data: bytes) -> bool:
    """A WordprocessingML package: a ZIP whose [Content_Types].xml declares a main document
    part (not a macro-enabled .docm, nor a template) present in the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > fichiers.ZIP_MAX_ENTREES:
                return False
            if sum(i.file_size for i in infos) > _ZIP_MAX_DECOMPRESSE:
                return False
            noms = {i.filename for i in infos}
            info = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
            if info is None or info.file_size > _ZIP_MAX_CONTENT_TYPES:
                return False
            with archive.open(info) as flux:
                xml = flux.read(_ZIP_MAX_CONTENT_TYPES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError):
        return False
    except NotImplementedError:  # unsupported compression method
        return False
    if len(xml) > _ZIP_MAX_CONTENT_TYPES:
        return False
    # No DTD at all in an OPC part: refusing them rules out entity-expansion attacks.
    if re.search(rb"<!(DOCTYPE|ENTITY)", xml, re.IGNORECASE):
        return False
    try:
        racine = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return False
    for override in racine.iter(f"{_CONTENT_TYPES_NS}Override"):
        if (override.get("ContentType") or "").strip().lower() == _DOCX_MAIN:
            partie = (override.get("PartName") or "").lstrip("/")
            if partie in noms:
                return True
    return False


def detecter_type(data: bytes) -> str | None:
    """The MIME type of a PDF or Word content, ``None`` for anything else."""
    if data.startswith(_MAGIC_PDF):
        return PDF
    if data.startswith(_MAGIC_OLE2):
        return DOC
    if data.startswith(b"PK\x03\x04") and _est_docx(data):
        return DOCX
    return None


def nom_de_fichier(nom_fourni, type_mime: str) -> str:
    """The user's file name, reduced to a safe base name whose extension matches the content
    (what the download's Content-Disposition announces)."""
    nom = os.path.basename(str(nom_fourni or "").replace("\\", "/"))
    nom = "".join(c if c.isprintable() else (" " if c.isspace() else "") for c in nom).strip()
    base, ext = os.path.splitext(nom)
    if ext.lower() not in EXTENSIONS.values():
        base = nom
    base = base.strip(" .") or "document"
    extension = EXTENSIONS[type_mime]
    return base[: 200 - len(extension)] + extension


@dataclass(frozen=True)
class FichierVerifie:
    data: bytes
    nom: str
    type_mime: str
    taille: int
    empreinte: str


def verifier_fichier(fichier) -> tuple[FichierVerifie | None, list[str]]:
    """Read an upload (at most 2 Mo + 1 byte) and check it: (checked file, error messages)."""
    if fichier is None:
        return None, [MSG_FICHIER_MANQUANT]
    taille_annoncee = getattr(fichier, "size", None)
    if taille_annoncee is not None and taille_annoncee > TAILLE_MAX:
        return None, [message_taille(taille_annoncee)]
    if hasattr(fichier, "seek"):
        fichier.seek(0)
    data = fichier.read(TAILLE_MAX + 1)
    if len(data) > TAILLE_MAX:
        return None, [message_taille(max(len(data), taille_annoncee or 0))]
    if not data:
        return None, [MSG_FICHIER_VIDE]
    type_mime = detecter_type(data)
    if type_mime is None:
        return None, [MSG_TYPE]
    # Active content, macros, zip bombs, polyglots (hn.fichiers).
    probleme = fichiers.controler(data, type_mime, str(getattr(fichier, "name", "") or ""))
    if probleme:
        return None, [probleme]
    return FichierVerifie(
        data=data,
        nom=nom_de_fichier(getattr(fichier, "name", ""), type_mime),
        type_mime=type_mime,
        taille=len(data),
        empreinte=hashlib.sha256(data).hexdigest(),
    ), []


# --- reading --------------------------------------------------------------------------------


def pieces_actives(dossier):
    return (
        PieceJointe.objects.filter(
            dossier=dossier, remplacee_par__isnull=True, supprimee_le__isnull=True
        )
        .select_related("prerequis")
        .order_by("deposee_le", "pk")
    )


def pieces_lisibles(user, dossier):
    """The pieces ``user`` may list and download, the dossier being visible to them.

    The établissement's users read the saisie: its active pieces. The ARS and the national
    level read the last dépôt: exactly the pieces its snapshot lists (even if the ES has
    replaced or deleted them since), never one added after it.
    """
    if lit_la_saisie(user, dossier):
        return pieces_actives(dossier)
    depot = dossier.depots.order_by("-rang").first()
    if depot is None:
        return PieceJointe.objects.none()
    ids = [
        p["id"]
        for p in (depot.contenu or {}).get("pieces", [])
        if isinstance(p, dict) and isinstance(p.get("id"), int)
    ]
    return (
        PieceJointe.objects.filter(dossier=dossier, pk__in=ids)
        .select_related("prerequis")
        .order_by("deposee_le", "pk")
    )


# --- actions --------------------------------------------------------------------------------


def _description(piece) -> dict:
    return {
        "piece": piece.pk,
        "nom": piece.nom,
        "empreinte": piece.empreinte,
        "taille": piece.taille,
        "type_mime": piece.type_mime,
        "categorie": piece.categorie,
        "prerequis": piece.prerequis.code if piece.prerequis_id else None,
        "etat_analyse": piece.etat_analyse,
        "analyse": piece.analyse_detail,
    }


def _exiger_saisie(dossier, acting_user):
    if not peut_saisir(acting_user, dossier.etablissement):
        raise PermissionDenied(
            "Seul le gestionnaire de l'établissement peut gérer les pièces jointes."
        )
    if not dossier.editable:
        raise TransitionRefusee(
            f"Le dossier est « {dossier.get_etat_display()} » : ses pièces jointes ne sont "
            "plus modifiables.",
            dossier.etat,
        )


def _piece_active(dossier, piece) -> PieceJointe:
    """Re-read the piece under the dossier's lock (a concurrent replace or delete wins)."""
    piece = (
        PieceJointe.objects.select_related("prerequis").filter(pk=piece.pk, dossier=dossier).first()
    )
    if piece is None or not piece.active:
        raise TransitionRefusee(MSG_PIECE_INACTIVE, dossier.etat)
    return piece


def _refuser(errors: dict):
    messages = [m for values in errors.values() for m in values]
    raise DossierError(
        messages[0] if len(messages) == 1 else "La pièce jointe n'a pas été enregistrée.",
        errors,
    )


def _stocker(piece, verifie, stockes) -> None:
    """Write the file under its own unguessable name; a failed write (disk full: ENOSPC) leaves
    no partial file behind and raises :class:`StockageIndisponible`."""
    champ = piece._meta.get_field("fichier")
    nom = champ.generate_filename(piece, verifie.nom)
    contenu = ContentFile(verifie.data)
    contenu.content_type = verifie.type_mime  # object metadata on S3
    try:
        piece.fichier = champ.storage.save(nom, contenu, max_length=champ.max_length)
    except OSError as exc:
        plein = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        logger.error("Écriture d'une pièce impossible (%s) : %s", nom, exc)
        _effacer([nom])
        raise StockageIndisponible(MSG_STOCKAGE_PLEIN if plein else MSG_STOCKAGE) from exc
    stockes.append(piece.fichier.name)


def _enregistrer(dossier, verifie, *, categorie, prerequis, acting_user, stockes) -> PieceJointe:
    """Write the file to the storage, then the row; ``stockes`` receives the storage name so
    that the caller can delete the file if the transaction fails. The antivirus scan is queued
    for after the commit (``dossiers.analyse``)."""
    etat_analyse, detail = analyse.etat_initial()
    piece = PieceJointe(
        dossier=dossier,
        categorie=categorie,
        prerequis=prerequis,
        nom=verifie.nom,
        type_mime=verifie.type_mime,
        taille=verifie.taille,
        empreinte=verifie.empreinte,
        deposee_par=acting_user,
        etat_analyse=etat_analyse,
        analyse_detail=detail,
    )
    _stocker(piece, verifie, stockes)
    piece.save()
    if etat_analyse == analyse.EtatAnalyse.EN_ANALYSE:
        analyse.programmer(piece.pk)
    return piece


def _effacer(stockes):
    storage = PieceJointe._meta.get_field("fichier").storage
    for name in stockes:
        try:
            storage.delete(name)  # a missing file is no error (local storage and S3 alike)
        except Exception:
            logger.exception("Fichier orphelin non supprimé du stockage : %s", name)


def avec_nettoyage(operation):
    """Run ``operation(stockes)`` in a transaction; on any failure, including at commit, delete
    the files it stored (also for the apps that attach pieces: :func:`joindre_piece`). (Called
    inside an enclosing transaction, a later rollback of that transaction is out of reach: the
    API and the web views call these actions outside any.)"""
    stockes: list[str] = []
    try:
        with transaction.atomic():
            return operation(stockes)
    except BaseException:
        _effacer(stockes)
        raise


def joindre_piece(*, dossier, verifie: FichierVerifie, acting_user, stockes) -> PieceJointe:
    """A piece attached outside the saisie by an app built on the dossier (the ES's answer to
    an audit), already checked by :func:`verifier_fichier`: category « autre », the saisie's
    storage and antivirus. The caller holds its own lock, checks who and when, traces, links the
    piece in its own model, and runs in :func:`avec_nettoyage` (``stockes``)."""
    return _enregistrer(
        dossier,
        verifie,
        categorie=CategoriePiece.AUTRE,
        prerequis=None,
        acting_user=acting_user,
        stockes=stockes,
    )


def ajouter_piece(*, dossier, fichier, categorie, prerequis_code=None, acting_user) -> PieceJointe:
    def operation(stockes):
        d = verrouiller(dossier)
        _exiger_saisie(d, acting_user)
        errors: dict = {}
        categorie_ok = str(categorie or "").strip()
        if categorie_ok not in CategoriePiece.values:
            errors["categorie"] = [MSG_CATEGORIE]
        prerequis = None
        code = str(prerequis_code or "").strip()
        if code:
            if categorie_ok and categorie_ok != CategoriePiece.JUSTIFICATIF_PREREQUIS:
                errors["prerequis"] = [MSG_PREREQUIS_HORS_JUSTIFICATIF]
            else:
                prerequis = d.programme.prerequis.filter(code__iexact=code).first()
                if prerequis is None:
                    errors["prerequis"] = [f"Prérequis inconnu pour ce programme : {code}."]
        verifie, messages = verifier_fichier(fichier)
        if messages:
            errors["fichier"] = messages
        if errors:
            _refuser(errors)
        piece = _enregistrer(
            d,
            verifie,
            categorie=categorie_ok,
            prerequis=prerequis,
            acting_user=acting_user,
            stockes=stockes,
        )
        tracer_dossier(
            "piece_ajoutee",
            d,
            acting_user,
            apres=_description(piece),
            commentaire=piece.nom,
            reserve_etablissement=True,
        )
        return piece

    piece = avec_nettoyage(operation)
    piece.refresh_from_db()  # scanned at the commit when tasks run eagerly
    return piece


def remplacer_piece(*, piece, fichier, acting_user) -> PieceJointe:
    """A new piece (same category and prérequis) takes the place of ``piece``, whose file is
    kept: a dépôt snapshot may list it."""

    def operation(stockes):
        d = verrouiller(piece.dossier)
        _exiger_saisie(d, acting_user)
        ancienne = _piece_active(d, piece)
        verifie, messages = verifier_fichier(fichier)
        if messages:
            _refuser({"fichier": messages})
        nouvelle = _enregistrer(
            d,
            verifie,
            categorie=ancienne.categorie,
            prerequis=ancienne.prerequis,
            acting_user=acting_user,
            stockes=stockes,
        )
        ancienne.remplacee_par = nouvelle
        ancienne.save(update_fields=["remplacee_par"])
        tracer_dossier(
            "piece_remplacee",
            d,
            acting_user,
            avant=_description(ancienne),
            apres=_description(nouvelle),
            commentaire=f"{ancienne.nom} → {nouvelle.nom}",
            reserve_etablissement=True,
        )
        return nouvelle

    nouvelle = avec_nettoyage(operation)
    nouvelle.refresh_from_db()
    return nouvelle


@transaction.atomic
def supprimer_piece(*, piece, acting_user) -> PieceJointe:
    """Soft delete: the piece leaves the saisie, its file stays for the dépôt snapshots."""
    d = verrouiller(piece.dossier)
    _exiger_saisie(d, acting_user)
    piece = _piece_active(d, piece)
    piece.supprimee_le = timezone.now()
    piece.save(update_fields=["supprimee_le"])
    tracer_dossier(
        "piece_supprimee",
        d,
        acting_user,
        avant=_description(piece),
        apres={"supprimee_le": piece.supprimee_le},
        commentaire=piece.nom,
        reserve_etablissement=True,
    )
    return piece
