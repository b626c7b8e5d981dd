"""Request-size cap (issue 17, item 6): a body over its cap is refused with 413 from its
headers, before it is read (a 50 Mo upload is not received), JSON under /api/, a French page
elsewhere; the upload handler stops a body whose length was not announced."""

import socket

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from dossiers import pieces
from dossiers.models import PieceJointe
from hn import garde
from hn.comptes.jetons import creer_jeton
from tests import dossiers_factories as d

API = "/api/v1/"
CINQUANTE_MO = 50 * 1024 * 1024


def pdf_de(taille: int) -> bytes:
    return d.PDF_MINIMAL + b"%" * (taille - len(d.PDF_MINIMAL))


def test_la_limite_des_televersements_est_celle_des_pieces_jointes():
    assert settings.PIECE_TAILLE_MAX == pieces.TAILLE_MAX
    assert 0 < settings.TELEVERSEMENT_TAILLE_MAX - pieces.TAILLE_MAX <= 128 * 1024


@pytest.fixture
def dossier_et_jeton(db):
    dossier, gestionnaire = d.complet()
    token = creer_jeton(gestionnaire)
    return dossier, gestionnaire, f"Token {token}"


@pytest.mark.django_db
def test_un_televersement_de_50_mo_est_refuse_sur_ses_en_tetes(client, dossier_et_jeton):
    dossier, _, jeton = dossier_et_jeton
    response = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/",
        {"fichier": SimpleUploadedFile("a.pdf", d.PDF_MINIMAL), "categorie": "document_projet"},
        HTTP_AUTHORIZATION=jeton,
        CONTENT_LENGTH=str(CINQUANTE_MO),
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Le fichier envoyé est trop volumineux : une pièce jointe fait 2 Mo au plus."
    }
    assert not PieceJointe.objects.exists()


@pytest.mark.django_db
def test_un_corps_json_trop_gros_est_refuse_en_413(client, dossier_et_jeton):
    dossier, _, jeton = dossier_et_jeton
    corps = '{"commentaire": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + '"}'
    response = client.patch(
        f"{API}dossiers/{dossier.numero}/",
        corps,
        content_type="application/json",
        HTTP_AUTHORIZATION=jeton,
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "La requête est trop volumineuse : 2,5 Mo au plus."}


@pytest.mark.django_db
def test_le_jeton_refuse_un_corps_trop_gros_sans_connexion(client):
    response = client.post(
        f"{API}auth/token/", "{}", content_type="application/json", CONTENT_LENGTH="99999999"
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("La requête est trop volumineuse")


@pytest.mark.django_db
def test_une_piece_de_2_mo_passe_et_au_dela_le_message_de_la_piece(client, dossier_et_jeton):
    """The cap leaves room for a full 2 Mo attachment; a slightly bigger file still gets the
    attachment's own message (400), a much bigger one the 413."""
    dossier, _, jeton = dossier_et_jeton
    url = f"{API}dossiers/{dossier.numero}/pieces/"

    def envoyer(taille):
        return client.post(
            url,
            {
                "fichier": SimpleUploadedFile("a.pdf", pdf_de(taille)),
                "categorie": "document_projet",
            },
            HTTP_AUTHORIZATION=jeton,
        )

    assert envoyer(pieces.TAILLE_MAX).status_code == 201
    response = envoyer(pieces.TAILLE_MAX + 1)
    assert response.status_code == 400
    assert "2 Mo" in response.json()["detail"]
    assert envoyer(settings.TELEVERSEMENT_TAILLE_MAX + 1).status_code == 413
    assert PieceJointe.objects.count() == 1


@pytest.mark.django_db
def test_la_page_de_televersement_refuse_en_francais(client, dossier_et_jeton):
    dossier, gestionnaire, _ = dossier_et_jeton
    client.force_login(gestionnaire)
    response = client.post(
        reverse("dossiers:piece_ajouter", args=[dossier.numero]),
        {"fichier": SimpleUploadedFile("a.pdf", d.PDF_MINIMAL), "categorie": "document_projet"},
        CONTENT_LENGTH=str(CINQUANTE_MO),
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Requête trop volumineuse" in page
    assert "une pièce jointe fait 2 Mo au plus" in page
    assert not PieceJointe.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("longueur", ["abc", "-5"])
def test_une_longueur_invalide_est_refusee(client, longueur):
    response = client.post(
        f"{API}auth/token/", "{}", content_type="application/json", CONTENT_LENGTH=longueur
    )
    assert response.status_code == 400
    assert response.json()["detail"] == garde.LONGUEUR_INVALIDE


def _requete_multipart(taille_fichier: int):
    """A multipart request whose file streams ``taille_fichier`` bytes."""
    limite = "frontiere"
    corps = (
        (
            f'--{limite}\r\nContent-Disposition: form-data; name="fichier"; filename="a.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"x" * taille_fichier
        + f"\r\n--{limite}--\r\n".encode()
    )
    return RequestFactory().post(
        "/", data=corps, content_type=f"multipart/form-data; boundary={limite}"
    )


def test_le_gestionnaire_de_televersement_arrete_un_flux_trop_long(settings):
    """The upload handler counts what streams in, whatever the headers said, and marks the
    request for the 413."""
    settings.TELEVERSEMENT_TAILLE_MAX = 100_000
    request = _requete_multipart(10)
    handler = garde.LimiteTeleversement(request)
    with pytest.raises(garde.RequeteTropVolumineuse):
        for debut in range(0, 300_000, 64 * 1024):
            handler.receive_data_chunk(b"x" * 64 * 1024, debut)
    assert handler.recus <= 2 * 64 * 1024
    assert request.hn_corps_trop_volumineux is True


def test_le_gestionnaire_de_televersement_refuse_en_parsant(settings):
    settings.TELEVERSEMENT_TAILLE_MAX = 100_000
    request = _requete_multipart(300_000)
    with pytest.raises(garde.RequeteTropVolumineuse):
        request.FILES  # noqa: B018 - parsing is the test
    request = _requete_multipart(50_000)
    assert request.FILES["fichier"].size == 50_000


def test_le_gestionnaire_de_televersement_laisse_passer_sous_la_limite(settings):
    request = _requete_multipart(10)
    handler = garde.LimiteTeleversement(request)
    assert handler.receive_data_chunk(b"abc", 0) == b"abc"
    assert handler.file_complete(3) is None
    assert not getattr(request, "hn_corps_trop_volumineux", False)


@pytest.mark.django_db
def test_la_garde_transforme_le_refus_du_flux_en_413(client, dossier_et_jeton, settings):
    """A body that passed the Content-Length check but streams more file bytes than the cap:
    the handler stops it and the answer is the 413 (API: JSON), nothing stored."""
    dossier, _, jeton = dossier_et_jeton
    settings.TELEVERSEMENT_TAILLE_MAX = 10_000_000  # the middleware lets it through...
    settings.FILE_UPLOAD_HANDLERS = ["tests.securite.test_taille.LimiteBasse"]
    response = client.post(
        f"{API}dossiers/{dossier.numero}/pieces/",
        {"fichier": SimpleUploadedFile("a.pdf", pdf_de(50_000)), "categorie": "document_projet"},
        HTTP_AUTHORIZATION=jeton,
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Le fichier envoyé est trop volumineux")
    assert not PieceJointe.objects.exists()
    client.force_login(dossier_et_jeton[1])
    response = client.post(
        reverse("dossiers:piece_ajouter", args=[dossier.numero]),
        {"fichier": SimpleUploadedFile("a.pdf", pdf_de(50_000)), "categorie": "document_projet"},
    )
    assert response.status_code == 413
    assert "Requête trop volumineuse" in response.content.decode()
    assert not PieceJointe.objects.exists()


class LimiteBasse(garde.LimiteTeleversement):
    """...and the upload handler, with a lower cap, stops the stream (the case of a body whose
    length the server did not announce)."""

    def receive_data_chunk(self, raw_data, start):
        self.recus += len(raw_data)
        if self.recus > 20_000:
            self._refuser()
        return raw_data


def _lire_reponse(sock) -> bytes:
    sock.settimeout(10)
    recu = b""
    while b"\r\n\r\n" not in recu:
        morceau = sock.recv(4096)
        if not morceau:
            break
        recu += morceau
    return recu


@pytest.mark.django_db(transaction=True)
def test_un_serveur_reel_repond_413_avant_de_recevoir_le_corps(live_server, referentiel):
    """Against a real server: the headers announce 50 Mo, not one byte of the body is sent,
    and the 413 comes back."""
    dossier, gestionnaire = d.complet()
    token = creer_jeton(gestionnaire)
    hote, port = live_server.thread.host, live_server.thread.port
    chemin = f"{API}dossiers/{dossier.numero}/pieces/"
    for en_tetes in (
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {CINQUANTE_MO}\r\n",
        f"Content-Type: application/json\r\nContent-Length: {CINQUANTE_MO}\r\n",
    ):
        with socket.create_connection((hote, port), timeout=10) as sock:
            sock.sendall(
                (
                    f"POST {chemin} HTTP/1.1\r\nHost: {hote}:{port}\r\n"
                    f"Authorization: Token {token}\r\n{en_tetes}\r\n"
                ).encode()
            )
            reponse = _lire_reponse(sock)
        assert reponse.startswith(b"HTTP/1.1 413"), reponse[:200]
        assert b"application/json" in reponse
    assert not PieceJointe.objects.exists()
