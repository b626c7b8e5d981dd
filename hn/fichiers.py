"""Content checks of uploaded documents (issue 17): pure functions, no database, no storage.

:func:`controler` returns the French message of the first problem found, or ``None``. Refused:

- **active PDF content**: JavaScript (``/JS``, ``/JavaScript``), launch actions (``/Launch``),
  additional actions (``/AA``), embedded files (``/EmbeddedFiles``, ``/EmbeddedFile``),
  ``/RichMedia``, XFA forms (``/XFA``), and an ``/OpenAction`` that is an action other than a
  plain ``/GoTo`` (a destination array, "open at page 1", stays allowed). Two layers: a raw scan
  of every PDF name in the file *and* in its object streams (``/ObjStm``, inflated with a bounded
  decompressor: objects can hide there), names decoded from their ``#xx`` escapes; then pypdf's
  reading of the catalogue and of every object it can resolve. A PDF pypdf cannot read is not
  refused for that alone (readers are lenient, so are we), the raw scan still applies;
- **macros**: a zip-based Office file with ``vbaProject.bin``, ``vbaData.xml`` or an ActiveX
  part; a legacy OLE (.doc) file whose directory names a ``Macros``, ``VBA`` or
  ``_VBA_PROJECT`` storage (byte signatures of the UTF-16 directory entries: no OLE parser);
- **zip bombs**: every member of a zip-based file is decompressed by streaming, in 64 Ko
  blocks, whatever sizes the archive declares: more than 20 Mo in all, a member expanding more
  than 200 times beyond 1 Mo, more than 2,000 members, or an archive whose real content
  disagrees with its directory (sizes, CRC) is refused;
- **polyglots**: HTML (``<html``, ``<script``, ``<!doctype html``, ``<iframe``, ``<svg``,
  ``<body``) anywhere in a PDF, or in the first Ko of any file; a file name whose extension
  does not match the type found in the content.
"""

import io
import re
import warnings
import zipfile
import zlib

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: (".pdf",), DOC: (".doc",), DOCX: (".docx",)}
LIBELLES = {PDF: "PDF", DOC: "Word (.doc)", DOCX: "Word (.docx)"}

ZIP_MAX_TOTAL = 20 * 1024 * 1024
ZIP_MAX_RATIO = 200
ZIP_RATIO_DES = 1024 * 1024  # the ratio is checked once a member has produced this much
ZIP_MAX_ENTREES = 2000
_BLOC = 64 * 1024

MSG_PDF_ACTIF = (
    "Ce PDF contient du contenu actif ({quoi}) : il est refusé pour la sécurité des "
    "destinataires. Enregistrez-le à nouveau en « PDF simple » (ou imprimez-le en PDF) puis "
    "joignez ce nouveau fichier."
)
MSG_MACROS = (
    "Ce document Word contient des macros : il est refusé pour la sécurité des destinataires. "
    "Enregistrez-le sans macros (format .docx) puis joignez ce nouveau fichier."
)
MSG_ZIP = (
    "Ce document est une archive anormale (contenu décompressé trop volumineux ou tailles "
    "déclarées inexactes) : il est refusé. Enregistrez-le à nouveau depuis Word puis joignez-le."
)
MSG_HTML = (
    "Ce fichier contient du code HTML ou du script en plus de son contenu {type} (fichier "
    "« polyglotte ») : il est refusé."
)
MSG_EXTENSION = (
    "L'extension du fichier ({extension}) ne correspond pas à son contenu ({type}) : "
    "renommez-le avec l'extension {attendue} ou enregistrez-le au bon format."
)

# --- PDF -------------------------------------------------------------------------------------

_NOMS_INTERDITS = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "Launch": "lancement d'un programme",
    "AA": "actions automatiques",
    "EmbeddedFiles": "fichiers incorporés",
    "EmbeddedFile": "fichiers incorporés",
    "RichMedia": "contenu multimédia actif",
    "XFA": "formulaire XFA",
}
_NOM_PDF = re.compile(rb"/([^\s/<>\[\]()%{}\x00]+)")
_HEX_NOM = re.compile(rb"#([0-9A-Fa-f]{2})")
_OPEN_ACTION = re.compile(rb"/OpenAction\s*<<(.{0,500}?)>>", re.DOTALL)
_OBJSTM = re.compile(rb"/Type\s*/ObjStm[^>]*?>>\s*stream\r?\n", re.DOTALL)
_HTML = re.compile(rb"<\s*(html|script|!doctype\s+html|iframe|svg|body)[\s>/]", re.IGNORECASE)


def _noms(data: bytes):
    for match in _NOM_PDF.finditer(data):
        yield _HEX_NOM.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))


def _inflater(data: bytes, limite: int) -> bytes:
    """At most ``limite`` bytes of a zlib stream (a bomb stops at the limit, no error)."""
    try:
        return zlib.decompressobj().decompress(data, limite)
    except zlib.error:
        return b""


def _flux_objets(data: bytes):
    """The inflated content of the object streams, ``ZIP_MAX_TOTAL`` bytes in all."""
    reste = ZIP_MAX_TOTAL
    for match in _OBJSTM.finditer(data):
        fin = data.find(b"endstream", match.end())
        brut = data[match.end() : fin if fin != -1 else len(data)]
        contenu = _inflater(brut, reste)
        reste -= len(contenu)
        yield contenu
        if reste <= 0:
            return


def _actif_brut(data: bytes) -> str | None:
    for morceau in (data, *_flux_objets(data)):
        for nom in _noms(morceau):
            quoi = _NOMS_INTERDITS.get(nom.decode("latin-1"))
            if quoi:
                return quoi
        for match in _OPEN_ACTION.finditer(morceau):
            action = re.search(rb"/S\s*/(\w+)", match.group(1))
            if action and action.group(1) != b"GoTo":
                return "action à l'ouverture"
    return None


def _actif_pypdf(data: bytes) -> str | None:
    """pypdf's reading: the catalogue's OpenAction and every object it resolves."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            racine = reader.trailer.get("/Root")
            racine = racine.get_object() if racine is not None else None
            ouverture = racine.get("/OpenAction") if isinstance(racine, DictionaryObject) else None
            ouverture = (
                ouverture.get_object() if isinstance(ouverture, IndirectObject) else ouverture
            )
            if isinstance(ouverture, DictionaryObject) and ouverture.get("/S") != "/GoTo":
                return "action à l'ouverture"
            refs = [(n, g) for g, table in reader.xref.items() for n in table]
            refs += [(n, 0) for n in reader.xref_objStm]
            for numero, generation in refs[:100_000]:
                objet = reader.get_object(IndirectObject(numero, generation, reader))
                if isinstance(objet, DictionaryObject):
                    for cle in objet:
                        quoi = _NOMS_INTERDITS.get(str(cle).lstrip("/"))
                        if quoi:
                            return quoi
    except Exception:  # unreadable by pypdf: the raw scan has had its say
        return None
    return None


def controler_pdf(data: bytes) -> str | None:
    quoi = _actif_brut(data) or _actif_pypdf(data)
    return MSG_PDF_ACTIF.format(quoi=quoi) if quoi else None


# --- Office ----------------------------------------------------------------------------------

_MACROS_ZIP = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX[^/]*)$", re.IGNORECASE)
_MACROS_OLE = tuple(nom.encode("utf-16-le") + b"\0\0" for nom in ("Macros", "_VBA_PROJECT", "VBA"))


def controler_zip(data: bytes) -> str | None:
    """Macros, then every member decompressed in bounded blocks (never trusting the
    directory's sizes; zipfile checks each member's CRC at its end)."""
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTREES:
                return MSG_ZIP
            if any(_MACROS_ZIP.search(i.filename) for i in infos):
                return MSG_MACROS
            for info in infos:
                produit = 0
                with archive.open(info) as flux:
                    while bloc := flux.read(_BLOC):
                        produit += len(bloc)
                        total += len(bloc)
                        if total > ZIP_MAX_TOTAL:
                            return MSG_ZIP
                        if produit > ZIP_RATIO_DES and produit > ZIP_MAX_RATIO * max(
                            info.compress_size, 1
                        ):
                            return MSG_ZIP
                if produit != info.file_size:
                    return MSG_ZIP
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError):
        return MSG_ZIP
    except NotImplementedError:
        return MSG_ZIP
    return None


def controler_ole(data: bytes) -> str | None:
    return MSG_MACROS if any(signature in data for signature in _MACROS_OLE) else None


# --- polyglots and names ---------------------------------------------------------------------


def controler_extension(nom: str, type_mime: str) -> str | None:
    """The name's extension, when it has one, must be the content's."""
    base = (nom or "").replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    extension = "." + base.rsplit(".", 1)[-1].lower()
    if extension in EXTENSIONS[type_mime]:
        return None
    return MSG_EXTENSION.format(
        extension=extension, type=LIBELLES[type_mime], attendue=EXTENSIONS[type_mime][0]
    )


def controler(data: bytes, type_mime: str, nom: str = "") -> str | None:
    """The first problem of a PDF or Word content (its type already found by magic bytes)."""
    message = controler_extension(nom, type_mime)
    if message:
        return message
    zone = data if type_mime == PDF else data[:1024]
    if _HTML.search(zone):
        return MSG_HTML.format(type=LIBELLES[type_mime])
    if type_mime == PDF:
        return controler_pdf(data)
    if type_mime == DOCX:
        return controler_zip(data)
    return controler_ole(data)
