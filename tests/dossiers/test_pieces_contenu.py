"""Attachments' content checks (issue 17, ``hn.fichiers``) and a full disk on upload: every
malicious file is built here; each refusal is a 400 with a clear French message, and nothing
is stored (no row, no file)."""

import errno
import io
import os
import struct
import zipfile
import zlib
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from dossiers import pieces
from dossiers.models import PieceJointe
from hn import fichiers
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOC = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "WordDocument".encode("utf-16-le")


def docx(extra=None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Override PartName="/word/document.xml" '
            f'ContentType="{DOCX_MAIN}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        for nom, data in (extra or {}).items():
            archive.writestr(nom, data)
    return buffer.getvalue()


def pdf(modifier=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if modifier:
        modifier(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def ouverture(action: str):
    def modifier(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject(action),
                NameObject("/URI"): TextStringObject("https://example.invalid/"),
            }
        )

    return modifier


def javascript(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )


def pdf_objet_cache() -> bytes:
    """JavaScript in a compressed object stream, its names hex-escaped (#61 is "a")."""
    objets = b"<< /S /J#61vaScript /JS (app.alert(1)) >>"
    entete = b"3 0 "
    flux = zlib.compress(entete + objets)
    dictionnaire = f"/Type /ObjStm /N 1 /First {len(entete)} /Filter /FlateDecode /Length "
    return (
        b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"4 0 obj << {dictionnaire}{len(flux)} >>\nstream\n".encode()
        + flux
        + b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def ment_sur_les_tailles(data: bytes, membre: str, taille: int) -> bytes:
    """Rewrite the uncompressed size of ``membre`` in the central directory and local header."""
    data = bytearray(data)
    nom = membre.encode()
    central = data.find(b"PK\x01\x02" + bytes(0), 0)
    while central != -1:
        longueur = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + longueur] == nom:
            struct.pack_into("<I", data, central + 24, taille)
            locale = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, locale + 22, taille)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def stockes() -> list[Path]:
    racine = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p for p in racine.rglob("*") if p.is_file()) if racine.exists() else []


@pytest.fixture
def saisie(client):
    dossier = d.en_saisie()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    return dossier


def upload(client, dossier, contenu, nom):
    body = {"fichier": SimpleUploadedFile(nom, contenu), "categorie": "document_projet"}
    return client.post(f"{API}dossiers/{dossier.numero}/pieces/", body)


def refuse(client, dossier, contenu, nom, message):
    response = upload(client, dossier, contenu, nom)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == message
    assert not PieceJointe.objects.exists()
    assert stockes() == []


# --- PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modifier", "quoi"),
    [
        (javascript, "JavaScript"),
        (ouverture("/Launch"), "lancement d'un programme"),
        (ouverture("/URI"), "action à l'ouverture"),
        (lambda w: w.add_attachment("facture.exe", b"MZ\x90\x00"), "fichiers incorporés"),
    ],
    ids=["javascript", "launch", "openaction", "embedded"],
)
def test_active_pdf_refused(client, saisie, modifier, quoi):
    refuse(client, saisie, pdf(modifier), "a.pdf", fichiers.MSG_PDF_ACTIF.format(quoi=quoi))


def test_javascript_hidden_in_an_object_stream_refused():
    assert fichiers.controler_pdf(pdf_objet_cache()) == fichiers.MSG_PDF_ACTIF.format(
        quoi="JavaScript"
    )


def test_plain_pdf_and_open_at_first_page_accepted(client, saisie):
    def premiere_page(writer):
        writer.open_destination = writer.pages[0]

    data = pdf(premiere_page)
    assert b"/OpenAction" in data
    assert upload(client, saisie, data, "plan.pdf").status_code == 201
    assert upload(client, saisie, pdf(), "autre.pdf").status_code == 201


def test_html_polyglot_starting_with_pdf_refused(client, saisie):
    data = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    refuse(client, saisie, data + d.PDF_MINIMAL[9:], "a.pdf", fichiers.MSG_HTML.format(type="PDF"))


def test_extension_not_matching_the_content_refused(client, saisie):
    message = fichiers.MSG_EXTENSION.format(extension=".html", type="PDF", attendue=".pdf")
    refuse(client, saisie, d.PDF_MINIMAL, "page.html", message)


# --- Word ------------------------------------------------------------------------------------


def test_docx_with_macros_refused(client, saisie):
    data = docx({"word/vbaProject.bin": b"\xcc\x61" + bytes(100)})
    refuse(client, saisie, data, "plan.docx", fichiers.MSG_MACROS)


def test_doc_with_macros_refused(client, saisie):
    data = DOC + bytes(64) + "Macros".encode("utf-16-le") + b"\0\0" + bytes(64)
    refuse(client, saisie, data, "ancien.doc", fichiers.MSG_MACROS)
    assert upload(client, saisie, DOC, "ancien.doc").status_code == 201


def test_zip_bomb_docx_refused_by_streaming_decompression(client, saisie):
    data = docx({"word/media/image1.bin": bytes(90 * 1024 * 1024)})
    assert len(data) < 200 * 1024  # ~90 Ko on the wire, 90 Mo once expanded
    refuse(client, saisie, data, "plan.docx", fichiers.MSG_ZIP)


def test_docx_lying_about_its_sizes_refused(client, saisie):
    data = docx({"word/media/image1.bin": bytes(5 * 1024 * 1024)})
    menteur = ment_sur_les_tailles(data, "word/media/image1.bin", 1000)
    assert zipfile.ZipFile(io.BytesIO(menteur)).getinfo("word/media/image1.bin").file_size == 1000
    refuse(client, saisie, menteur, "plan.docx", fichiers.MSG_ZIP)
    gonfle = ment_sur_les_tailles(docx({"word/a.xml": b"x" * 100}), "word/a.xml", 50_000)
    assert fichiers.controler_zip(gonfle) == fichiers.MSG_ZIP


def test_high_ratio_member_refused_even_under_the_total_cap():
    assert fichiers.controler_zip(docx({"word/media/a.bin": bytes(5 * 1024 * 1024)})) == (
        fichiers.MSG_ZIP
    )
    assert fichiers.controler_zip(docx({"word/media/a.bin": os.urandom(1024 * 1024)})) is None


# --- full disk -------------------------------------------------------------------------------


def _disque_plein(self, name, content):
    """Write half of the file, then fail as a full disk does."""
    chemin = self.path(name)
    os.makedirs(os.path.dirname(chemin), exist_ok=True)
    with open(chemin, "wb") as sortie:
        sortie.write(content.read()[:10])
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_api_answers_503_and_keeps_nothing(client, saisie):
    with mock.patch.object(FileSystemStorage, "_save", _disque_plein):
        response = upload(client, saisie, d.PDF_MINIMAL, "plan.pdf")
    assert response.status_code == 503
    assert response.json()["detail"] == pieces.MSG_STOCKAGE_PLEIN
    assert not PieceJointe.objects.exists()
    assert stockes() == []


def test_full_disk_page_shows_the_message_and_keeps_nothing(client, saisie):
    with mock.patch.object(FileSystemStorage, "_save", _disque_plein):
        response = client.post(
            f"/dossiers/{saisie.numero}/pieces/ajouter/",
            {
                "fichier": SimpleUploadedFile("plan.pdf", d.PDF_MINIMAL),
                "categorie": "document_projet",
                "retour": "projet",
            },
            follow=True,
        )
    assert escape(pieces.MSG_STOCKAGE_PLEIN) in response.content.decode()
    assert not PieceJointe.objects.exists()
    assert stockes() == []
