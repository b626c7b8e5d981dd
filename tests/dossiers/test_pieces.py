"""Attachments (SPEC §4; API.md `dossiers/{numero}/pieces/`): PDF or Word recognised by content,
2 Mo at most, nothing stored for a refused file, rights per role and tenant, the ARS reading
only what the last dépôt lists, replacement and deletion keeping the deposited files, the trace,
and the same flow on an S3-compatible bucket (moto's server on the loopback)."""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from unittest import mock

import boto3
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from dossiers import actions, pieces
from dossiers.models import PieceJointe
from hn.journal.models import Evenement
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/"
MO = 1024 * 1024
PDF = d.PDF_MINIMAL
DOC = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "WordDocument".encode("utf-16-le")
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MSG_TYPE = (
    "Seuls les fichiers PDF ou Word sont acceptés (le contenu de ce fichier n'en est pas un)."
)


def content_types(main=DOCX_MAIN, part="/word/document.xml", prologue=""):
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"{prologue}"
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{part}" ContentType="{main}"/>'
        "</Types>"
    )


def docx(*, types=None, extra=None, document=True) -> bytes:
    """A real minimal WordprocessingML package (Word and LibreOffice open it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types or content_types())
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        if document:
            archive.writestr(
                "word/document.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                'main"><w:body><w:p><w:r><w:t>Plan projet DPI</w:t></w:r></w:p></w:body>'
                "</w:document>",
            )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stockes() -> list[Path]:
    """Every file in the test's storage directory (conftest points it at tmp_path)."""
    racine = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p for p in racine.rglob("*") if p.is_file()) if racine.exists() else []


def upload(client, dossier, contenu=PDF, nom="preuve.pdf", categorie="document_projet", **extra):
    body = {"fichier": SimpleUploadedFile(nom, contenu), "categorie": categorie, **extra}
    return client.post(f"{API}dossiers/{dossier.numero}/pieces/", body)


def liste(client, dossier):
    response = client.get(f"{API}dossiers/{dossier.numero}/pieces/")
    assert response.status_code == 200, response.content
    return response.json()


def fichier(client, dossier, piece_id, **extra):
    return client.get(f"{API}dossiers/{dossier.numero}/pieces/{piece_id}/fichier/", **extra)


@pytest.fixture
def saisie(client):
    """A dossier en saisie and its gestionnaire, logged in."""
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    client.force_login(gestionnaire)
    return dossier, gestionnaire


def deposable():
    """(dossier, gestionnaire): complete, so that the gestionnaire can deposit it."""
    return d.complet()


# --- accepted content -----------------------------------------------------------------------


def test_minimal_pdf_accepted_with_its_hash_size_and_type(client, saisie):
    dossier, gestionnaire = saisie
    response = upload(client, dossier, PDF, "Preuve P1.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    piece = PieceJointe.objects.get()
    assert set(body) == {
        "id",
        "categorie",
        "prerequis",
        "nom",
        "taille",
        "type_mime",
        "empreinte",
        "deposee_le",
        "url",
        "etat_analyse",
        "analyse",
    }
    assert body["id"] == piece.pk
    assert body["categorie"] == "document_projet"
    assert body["prerequis"] is None
    assert body["nom"] == "Preuve P1.pdf"
    assert body["taille"] == len(PDF)
    assert body["type_mime"] == "application/pdf"
    assert body["empreinte"] == hashlib.sha256(PDF).hexdigest()
    assert body["url"] == (
        f"http://testserver{API}dossiers/{dossier.numero}/pieces/{piece.pk}/fichier/"
    )
    assert piece.deposee_par == gestionnaire
    # Stored under an unguessable key that never reuses the user's file name.
    assert "Preuve" not in piece.fichier.name
    assert [p.read_bytes() for p in stockes()] == [PDF]


def test_real_minimal_docx_accepted(client, saisie):
    dossier, _ = saisie
    data = docx()
    response = upload(client, dossier, data, "plan.docx")
    assert response.status_code == 201, response.content
    assert response.json()["type_mime"] == DOCX_MIME
    assert [p.read_bytes() for p in stockes()] == [data]


def test_legacy_doc_accepted(client, saisie):
    dossier, _ = saisie
    response = upload(client, dossier, DOC, "ancien.doc", categorie="autre")
    assert response.status_code == 201, response.content
    assert response.json()["type_mime"] == "application/msword"


def test_content_decides_the_type_and_the_extension_of_the_name(client, saisie):
    dossier, _ = saisie
    response = upload(client, dossier, PDF, "../../etc/compte-rendu.pdf")
    assert response.status_code == 201
    assert response.json()["type_mime"] == "application/pdf"
    assert response.json()["nom"] == "compte-rendu.pdf"
    assert upload(client, dossier, docx(), "sans extension").json()["nom"] == "sans extension.docx"
    # A name whose extension is not the content's is refused (issue 17: polyglots).
    refus = upload(client, dossier, PDF, "compte-rendu.docx")
    assert refus.status_code == 400
    assert refus.json()["detail"] == (
        "L'extension du fichier (.docx) ne correspond pas à son contenu (PDF) : renommez-le "
        "avec l'extension .pdf ou enregistrez-le au bon format."
    )


def test_prerequis_proof_names_its_prerequis(client, saisie):
    dossier, _ = saisie
    code = dossier.programme.prerequis.order_by("code").first().code
    response = upload(client, dossier, categorie="justificatif_prerequis", prerequis=code)
    assert response.status_code == 201, response.content
    assert response.json()["prerequis"] == code
    assert response.json()["categorie"] == "justificatif_prerequis"


# --- refused content: nothing stored -------------------------------------------------------


def test_3_mo_pdf_refused_and_nothing_stored(client, saisie):
    dossier, _ = saisie
    assert upload(client, dossier).status_code == 201
    avant = [(p, p.read_bytes()) for p in stockes()]
    gros = PDF + b"0" * (3 * MO - len(PDF))
    response = upload(client, dossier, gros, "gros.pdf")
    # Issue 17: refused from its Content-Length, before it is read (hn.garde).
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Le fichier envoyé est trop volumineux : une pièce jointe fait 2 Mo au plus."
    }
    assert [(p, p.read_bytes()) for p in stockes()] == avant
    assert PieceJointe.objects.count() == 1
    assert liste(client, dossier)["count"] == 1


def test_just_over_2_mo_is_refused_and_exactly_2_mo_accepted(client, saisie):
    dossier, _ = saisie
    response = upload(client, dossier, PDF + b"0" * (2 * MO + 1 - len(PDF)))
    assert response.json()["detail"] == "Le fichier dépasse 2 Mo (taille : 2,1 Mo)."
    assert upload(client, dossier, PDF + b"0" * (2 * MO - len(PDF))).status_code == 201


@pytest.mark.parametrize(
    ("contenu", "nom"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(120), "programme.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120), "setup.pdf"),
        (b"MZ\x90\x00" + bytes(60), "setup.doc"),
        (b"Ceci n'est qu'un texte.\n", "notes.docx"),
        (b"", "vide.pdf"),
    ],
    ids=["elf-en-pdf", "mz-en-pdf", "mz-en-doc", "texte-en-docx", "vide"],
)
def test_disguised_or_empty_files_refused_and_nothing_stored(client, saisie, contenu, nom):
    dossier, _ = saisie
    response = upload(client, dossier, contenu, nom)
    assert response.status_code == 400
    message = "Le fichier est vide." if not contenu else MSG_TYPE
    assert response.json() == {"detail": message, "errors": {"fichier": [message]}}
    assert stockes() == []
    assert not PieceJointe.objects.exists()


@pytest.mark.parametrize(
    "fabrique",
    [
        pytest.param(
            lambda: docx(
                types=content_types(main="application/vnd.ms-word.document.macroEnabled.main+xml")
            ),
            id="docm-macros",
        ),
        pytest.param(
            lambda: docx(
                types=content_types(
                    main="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    part="/xl/workbook.xml",
                ),
                document=False,
            ),
            id="xlsx",
        ),
        pytest.param(lambda: docx(document=False), id="partie-principale-absente"),
        pytest.param(
            lambda: docx(types=content_types(prologue='<!DOCTYPE Types [<!ENTITY a "aaaa">]>')),
            id="dtd-entites",
        ),
        pytest.param(lambda: docx(types=" " * (MO + 10)), id="content-types-geant"),
        pytest.param(lambda: docx(extra={"word/media/bombe.bin": bytes(101 * MO)}), id="zip-bomb"),
        pytest.param(lambda: docx()[:200], id="zip-tronque"),
        pytest.param(lambda: b"PK\x03\x04 pas vraiment une archive", id="faux-zip"),
    ],
)
def test_zip_that_is_not_a_word_document_refused(client, saisie, fabrique):
    dossier, _ = saisie
    data = fabrique()
    assert len(data) <= 2 * MO
    response = upload(client, dossier, data, "document.docx")
    assert response.status_code == 400
    assert response.json()["errors"] == {"fichier": [MSG_TYPE]}
    assert stockes() == []


def test_invalid_category_and_prerequis_refused(client, saisie):
    dossier, _ = saisie
    response = client.post(f"{API}dossiers/{dossier.numero}/pieces/", {})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "La pièce jointe n'a pas été enregistrée.",
        "errors": {
            "categorie": [
                "Choisissez une catégorie : justificatif de prérequis, document de projet ou "
                "autre document."
            ],
            "fichier": ["Joignez un fichier PDF ou Word."],
        },
    }
    inconnu = upload(client, dossier, categorie="justificatif_prerequis", prerequis="P9.9")
    assert inconnu.json()["errors"] == {
        "prerequis": ["Prérequis inconnu pour ce programme : P9.9."]
    }
    code = dossier.programme.prerequis.first().code
    hors = upload(client, dossier, categorie="document_projet", prerequis=code)
    assert hors.json()["errors"] == {
        "prerequis": ["Un prérequis ne se précise que pour un justificatif de prérequis."]
    }
    assert stockes() == []
    assert not PieceJointe.objects.exists()


def test_stored_file_deleted_when_the_transaction_fails(saisie):
    dossier, gestionnaire = saisie
    existante = d.piece_de(dossier, gestionnaire)
    avant = [(p, p.read_bytes()) for p in stockes()]
    with (
        mock.patch("dossiers.pieces.tracer_dossier", side_effect=RuntimeError("base indisponible")),
        pytest.raises(RuntimeError),
    ):
        d.piece_de(dossier, gestionnaire, contenu=docx(), nom="b.docx")
    assert [(p, p.read_bytes()) for p in stockes()] == avant
    with (
        mock.patch("dossiers.pieces.tracer_dossier", side_effect=RuntimeError("base indisponible")),
        pytest.raises(RuntimeError),
    ):
        pieces.remplacer_piece(
            piece=existante,
            fichier=SimpleUploadedFile("c.doc", DOC),
            acting_user=gestionnaire,
        )
    assert [(p, p.read_bytes()) for p in stockes()] == avant
    assert list(PieceJointe.objects.all()) == [existante]
    existante.refresh_from_db()
    assert existante.active


# --- listing and downloading ---------------------------------------------------------------


def test_count_shown_and_download_by_the_es(client, saisie):
    dossier, _ = saisie
    plan = docx()
    ids = [
        upload(client, dossier, PDF, "Preuve d'équipe n°1.pdf").json()["id"],
        upload(client, dossier, plan, "plan.docx", categorie="autre").json()["id"],
    ]
    body = liste(client, dossier)
    assert body["count"] == 2
    assert [p["id"] for p in body["pieces"]] == ids
    lecteur = f.es_lecteur(dossier.etablissement)
    client.force_login(lecteur)
    assert liste(client, dossier)["count"] == 2
    response = fichier(client, dossier, ids[0])
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Preuve%20d%27%C3%A9quipe%20n%C2%B01.pdf"
    )
    assert response["Cache-Control"] == "private, no-store"
    simple = fichier(client, dossier, ids[1], HTTP_ACCEPT="application/pdf")
    assert simple.status_code == 200
    assert simple["Content-Disposition"] == 'attachment; filename="plan.docx"'
    assert simple.content == plan
    assert simple["Content-Type"] == DOCX_MIME


def test_ars_downloads_after_depot_but_not_before(client):
    dossier, gestionnaire = deposable()
    piece = d.piece_de(dossier, gestionnaire)
    ars = f.ars_lecteur(dossier.etablissement.region.code)
    client.force_login(ars)
    assert liste(client, dossier) == {"count": 0, "pieces": []}
    assert fichier(client, dossier, piece.pk).status_code == 404

    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    for user in (ars, f.lecteur_national()):
        client.force_login(user)
        assert [p["id"] for p in liste(client, dossier)["pieces"]] == [piece.pk]
        response = fichier(client, dossier, piece.pk)
        assert response.status_code == 200
        assert response.content == PDF
        assert response["Content-Disposition"] == 'attachment; filename="justificatif.pdf"'


def test_ars_cannot_see_a_piece_added_after_the_last_depot(client):
    dossier, gestionnaire = deposable()
    deposee = d.piece_de(dossier, gestionnaire)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(
        dossier=dossier, commentaire="Ajoutez le plan.", acting_user=d.valideur_de(dossier)
    )
    client.force_login(gestionnaire)
    ajoutee = upload(client, dossier, docx(), "plan.docx").json()["id"]
    assert [p["id"] for p in liste(client, dossier)["pieces"]] == [deposee.pk, ajoutee]

    client.force_login(d.valideur_de(dossier))
    assert [p["id"] for p in liste(client, dossier)["pieces"]] == [deposee.pk]
    assert fichier(client, dossier, ajoutee).status_code == 404
    assert client.get(f"{API}dossiers/{dossier.numero}/pieces/{ajoutee}/").status_code == 404
    assert fichier(client, dossier, deposee.pk).status_code == 200


def test_other_tenant_gets_404(client, saisie):
    dossier, gestionnaire = saisie
    piece = d.piece_de(dossier, gestionnaire)
    autre = d.en_saisie(f.EtablissementFactory(ile_de_france=True))
    piece_autre = d.piece_de(autre)
    intrus = f.es_gestionnaire(f.EtablissementFactory())
    client.force_login(intrus)
    base = f"{API}dossiers/{dossier.numero}/pieces/"
    assert client.get(base).status_code == 404
    assert fichier(client, dossier, piece.pk).status_code == 404
    assert upload(client, dossier).status_code == 404
    assert client.post(f"{base}{piece.pk}/remplacer/", {}).status_code == 404
    assert client.delete(f"{base}{piece.pk}/").status_code == 404
    client.force_login(f.ars_valideur("11"))
    assert fichier(client, dossier, piece.pk).status_code == 404
    # A piece of another dossier is not reachable through one's own dossier.
    client.force_login(gestionnaire)
    assert fichier(client, dossier, piece_autre.pk).status_code == 404
    assert client.delete(f"{base}{piece_autre.pk}/").status_code == 404
    assert len(stockes()) == 2


def test_anonymous_gets_401(client, saisie):
    dossier, gestionnaire = saisie
    piece = d.piece_de(dossier, gestionnaire)
    client.logout()
    assert fichier(client, dossier, piece.pk).status_code == 401
    assert upload(client, dossier).status_code == 401


# --- who may write, and when --------------------------------------------------------------


def test_es_lecteur_and_ars_cannot_upload(client, saisie):
    dossier, _ = saisie
    for user in (f.es_lecteur(dossier.etablissement), f.ars_valideur("84")):
        client.force_login(user)
        response = upload(client, dossier)
        assert response.status_code == 403
        assert response.json() == {"detail": "Votre rôle ne permet pas de modifier ce dossier."}
    assert stockes() == []
    assert not PieceJointe.objects.exists()


def test_action_itself_refuses_a_reader():
    dossier = d.en_saisie()
    with pytest.raises(PermissionDenied):
        d.piece_de(dossier, f.es_lecteur(dossier.etablissement))
    assert stockes() == []


def test_upload_replace_delete_after_depot_409(client):
    dossier, gestionnaire = deposable()
    piece = d.piece_de(dossier, gestionnaire)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    client.force_login(gestionnaire)
    avant = stockes()
    response = upload(client, dossier)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Le dossier est « Déposé » : ses pièces jointes ne sont plus modifiables.",
        "etat": "depose",
    }
    base = f"{API}dossiers/{dossier.numero}/pieces/{piece.pk}/"
    remplacement = client.post(f"{base}remplacer/", {"fichier": SimpleUploadedFile("a.pdf", PDF)})
    assert remplacement.status_code == 409
    assert client.delete(base).status_code == 409
    assert stockes() == avant
    piece.refresh_from_db()
    assert piece.active


def test_upload_allowed_again_once_reported(client):
    dossier = d.reporte()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    assert upload(client, dossier).status_code == 201


# --- replacement and deletion --------------------------------------------------------------


def test_replace_keeps_the_old_file_and_its_snapshot_reference(client):
    dossier, gestionnaire = deposable()
    code = dossier.programme.prerequis.order_by("code").first().code
    ancienne = d.piece_de(dossier, gestionnaire, categorie="justificatif_prerequis", prerequis=code)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(
        dossier=dossier, commentaire="Justificatif illisible.", acting_user=d.valideur_de(dossier)
    )
    fichier_ancien = ancienne.fichier.name

    client.force_login(gestionnaire)
    nouveau = docx()
    response = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/{ancienne.pk}/remplacer/",
        {"fichier": SimpleUploadedFile("justificatif-v2.docx", nouveau)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] != ancienne.pk
    assert (body["categorie"], body["prerequis"], body["nom"]) == (
        "justificatif_prerequis",
        code,
        "justificatif-v2.docx",
    )
    ancienne.refresh_from_db()
    assert ancienne.remplacee_par_id == body["id"]
    assert not ancienne.active
    assert ancienne.fichier.name == fichier_ancien
    assert sorted(p.read_bytes() for p in stockes()) == sorted([PDF, nouveau])
    # The ES now works on the new version...
    assert [p["id"] for p in liste(client, dossier)["pieces"]] == [body["id"]]
    assert fichier(client, dossier, body["id"]).content == nouveau
    assert fichier(client, dossier, ancienne.pk).status_code == 404
    # ...while the ARS keeps reading the deposited one.
    depot = d.depot_de(dossier)
    assert [p["id"] for p in depot.contenu["pieces"]] == [ancienne.pk]
    client.force_login(d.valideur_de(dossier))
    assert [p["id"] for p in liste(client, dossier)["pieces"]] == [ancienne.pk]
    assert fichier(client, dossier, ancienne.pk).content == PDF
    assert fichier(client, dossier, body["id"]).status_code == 404


def test_replacement_refused_keeps_the_piece(client, saisie):
    dossier, gestionnaire = saisie
    piece = d.piece_de(dossier, gestionnaire)
    response = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/{piece.pk}/remplacer/",
        {"fichier": SimpleUploadedFile("virus.docx", b"MZ" + bytes(100))},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"fichier": [MSG_TYPE]}
    piece.refresh_from_db()
    assert piece.active
    assert [p.read_bytes() for p in stockes()] == [PDF]
    assert client.post(f"{API}dossiers/{dossier.numero}/pieces/{piece.pk}/remplacer/", {}).json()[
        "errors"
    ] == {"fichier": ["Joignez un fichier PDF ou Word."]}


def test_delete_is_soft_and_keeps_the_file(client, saisie):
    dossier, gestionnaire = saisie
    piece = d.piece_de(dossier, gestionnaire)
    gardee = d.piece_de(dossier, gestionnaire, contenu=DOC, nom="b.doc")
    url = f"{API}dossiers/{dossier.numero}/pieces/{piece.pk}/"
    response = client.delete(url)
    assert response.status_code == 204
    piece.refresh_from_db()
    assert piece.supprimee_le is not None
    assert [p["id"] for p in liste(client, dossier)["pieces"]] == [gardee.pk]
    assert len(stockes()) == 2
    assert client.delete(url).status_code == 404
    assert client.post(f"{url}remplacer/", {}).status_code == 404
    with pytest.raises(actions.TransitionRefusee):
        pieces.supprimer_piece(piece=piece, acting_user=gestionnaire)
    client.force_login(f.es_lecteur(dossier.etablissement))
    assert client.delete(f"{API}dossiers/{dossier.numero}/pieces/{gardee.pk}/").status_code == 403


def test_journal_rows(client, saisie):
    dossier, gestionnaire = saisie
    premiere = upload(client, dossier, PDF, "a.pdf").json()
    seconde = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/{premiere['id']}/remplacer/",
        {"fichier": SimpleUploadedFile("b.docx", docx())},
    ).json()
    client.delete(f"{API}dossiers/{dossier.numero}/pieces/{seconde['id']}/")
    upload(client, dossier, b"MZ" + bytes(10), "refus.pdf")  # refused: not traced
    rows = list(
        Evenement.objects.filter(action__startswith="piece_", objet_id=str(dossier.pk)).order_by(
            "pk"
        )
    )
    assert [r.action for r in rows] == ["piece_ajoutee", "piece_remplacee", "piece_supprimee"]
    assert all(r.acteur == gestionnaire for r in rows)
    assert all(r.objet_type == "dossiers.dossier" for r in rows)
    assert rows[0].apres["nom"] == "a.pdf"
    assert rows[0].apres["empreinte"] == premiere["empreinte"]
    assert (rows[1].avant["piece"], rows[1].avant["empreinte"]) == (
        premiere["id"],
        premiere["empreinte"],
    )
    assert (rows[1].apres["nom"], rows[1].apres["empreinte"]) == ("b.docx", seconde["empreinte"])
    assert (rows[2].avant["nom"], rows[2].avant["empreinte"]) == ("b.docx", seconde["empreinte"])
    historique = client.get(f"{API}dossiers/{dossier.numero}/historique/").json()
    assert [h["action"] for h in historique][-3:] == [r.action for r in rows]


def test_size_message_and_name_helpers():
    assert pieces.message_taille(int(3.1 * MO)) == "Le fichier dépasse 2 Mo (taille : 3,1 Mo)."
    assert pieces.message_taille(3 * MO) == "Le fichier dépasse 2 Mo (taille : 3,0 Mo)."
    assert pieces.nom_de_fichier("C:\\Documents\\rapport\x00.PDF", pieces.PDF) == "rapport.pdf"
    assert pieces.nom_de_fichier("", pieces.DOCX) == "document.docx"
    assert pieces.nom_de_fichier("page.html", pieces.PDF) == "page.html.pdf"
    long = pieces.nom_de_fichier("x" * 500 + ".pdf", pieces.PDF)
    assert len(long) == 200
    assert long.endswith(".pdf")


# --- S3-compatible storage (moto's server mode, loopback only) -------------------------------


@pytest.fixture
def bucket(settings):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        credentials = {
            "aws_access_key_id": "test-cle",
            "aws_secret_access_key": "test-secret",
            "region_name": "us-east-1",
        }
        s3 = boto3.client("s3", endpoint_url=endpoint, **credentials)
        s3.create_bucket(Bucket="pieces-test")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "pieces-test",
                    "endpoint_url": endpoint,
                    "access_key": "test-cle",
                    "secret_key": "test-secret",
                    "region_name": "us-east-1",
                    "default_acl": None,
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }
        yield s3
        s3.close()
    finally:
        server.stop()


def _objets(s3) -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket="pieces-test").get("Contents", [])
    return {
        o["Key"]: s3.get_object(Bucket="pieces-test", Key=o["Key"])["Body"].read() for o in listing
    }


def test_s3_upload_download_and_refusal(client, bucket):
    dossier, gestionnaire = deposable()
    client.force_login(gestionnaire)
    response = upload(client, dossier, PDF, "preuve.pdf")
    assert response.status_code == 201, response.content
    piece = PieceJointe.objects.get(pk=response.json()["id"])
    assert _objets(bucket) == {piece.fichier.name: PDF}
    head = bucket.head_object(Bucket="pieces-test", Key=piece.fichier.name)
    assert head["ContentType"] == "application/pdf"
    # The API never hands out a bucket URL: the download goes through the view.
    assert response.json()["url"].startswith("http://testserver/api/v1/")

    telecharge = fichier(client, dossier, piece.pk)
    assert telecharge.status_code == 200
    assert telecharge.content == PDF
    assert telecharge["Content-Disposition"] == 'attachment; filename="preuve.pdf"'

    avant = _objets(bucket)
    for contenu, nom, code in (
        (PDF + b"0" * (3 * MO), "gros.pdf", 413),  # issue 17: refused before it is read
        (b"\x7fELF" + bytes(64), "elf.pdf", 400),
        (b"texte", "texte.docx", 400),
    ):
        assert upload(client, dossier, contenu, nom).status_code == code
    with (
        mock.patch("dossiers.pieces.tracer_dossier", side_effect=RuntimeError("base indisponible")),
        pytest.raises(RuntimeError),
    ):
        d.piece_de(dossier, gestionnaire, contenu=DOC, nom="c.doc")
    assert _objets(bucket) == avant

    # Replacement keeps the deposited object; the ARS downloads it through the view.
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(dossier=dossier, commentaire="Version 2.", acting_user=d.valideur_de(dossier))
    nouveau = docx()
    remplacee = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/{piece.pk}/remplacer/",
        {"fichier": SimpleUploadedFile("preuve.docx", nouveau)},
    )
    assert remplacee.status_code == 201
    nouvelle = PieceJointe.objects.get(pk=remplacee.json()["id"])
    assert _objets(bucket) == {piece.fichier.name: PDF, nouvelle.fichier.name: nouveau}
    client.force_login(d.valideur_de(dossier))
    assert fichier(client, dossier, piece.pk).content == PDF
    assert fichier(client, dossier, nouvelle.pk).status_code == 404


def test_settings_choose_s3_from_the_environment():
    """Environment-driven: S3Storage with private objects when a bucket is named."""
    code = (
        "from django.conf import settings; import json; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}

    def stockage(**env):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert stockage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = stockage(
        AWS_STORAGE_BUCKET_NAME="hn-pieces",
        AWS_S3_ENDPOINT_URL="https://s3.example.test",
        AWS_ACCESS_KEY_ID="cle",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert {
        k: s3["OPTIONS"][k]
        for k in (
            "bucket_name",
            "endpoint_url",
            "access_key",
            "secret_key",
            "default_acl",
            "querystring_auth",
            "file_overwrite",
        )
    } == {
        "bucket_name": "hn-pieces",
        "endpoint_url": "https://s3.example.test",
        "access_key": "cle",
        "secret_key": "secret",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
