"""Antivirus of the attachments (issue 17) against a REAL clamd (Debian clamav-daemon).

The fixture ``clamd`` starts ``/usr/sbin/clamd`` once per xdist worker on a configuration and a
signature database written here: one ``.ndb`` signature, the EICAR test string as a hex body
matched anywhere (so that it is also found after a ``%PDF-`` header). No freshclam, no system
service. Without clamd the tests are skipped, except on CI (``CI`` set) where they fail.
"""

import importlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError

from dossiers import actions, analyse
from dossiers.enums import CategoriePiece, Etat, EtatAnalyse
from dossiers.models import Dossier, PieceJointe
from hn import antivirus
from hn.demo import charger_demo
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.referentiel.models import Etablissement
from hn.taches.echeances import balayer
from tests import dossiers_factories as d
from tests import factories as f
from tests.fautes.outils import arreter

API = "/api/v1/"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The standard 68-byte antivirus test file (not a virus: every antivirus reports it).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF_EICAR = b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"
PDF = d.PDF_MINIMAL


def _ping(chemin: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(chemin)
            s.sendall(b"zPING\0")
            return s.recv(16).startswith(b"PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def clamd():
    """The socket path of a clamd started for this worker, stopped at the end."""
    if not os.path.exists(CLAMD):
        if os.environ.get("CI"):
            pytest.fail("clamd est requis en CI : paquet Debian clamav-daemon (make test).")
        pytest.skip("clamd absent (paquet Debian clamav-daemon) : antivirus non testé hors CI")
    racine = Path(tempfile.mkdtemp(prefix="hn-clamd-"))
    (racine / "db").mkdir()
    (racine / "db" / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    chemin = str(racine / "clamd.sock")
    (racine / "clamd.conf").write_text(
        f"LocalSocket {chemin}\n"
        f"DatabaseDirectory {racine / 'db'}\n"
        f"TemporaryDirectory {racine}\n"
        f"PidFile {racine / 'clamd.pid'}\n"
        "Foreground yes\n"
        "StreamMaxLength 5M\n"
    )
    with open(racine / "clamd.err", "wb") as journal:
        process = subprocess.Popen(
            [CLAMD, "-c", str(racine / "clamd.conf")], stdout=journal, stderr=journal
        )
    try:
        limite = time.monotonic() + 120
        while not _ping(chemin):
            if process.poll() is not None or time.monotonic() > limite:
                raise RuntimeError(
                    "clamd n'a pas démarré : " + (racine / "clamd.err").read_text()[-2000:]
                )
            time.sleep(0.2)
        yield chemin
    finally:
        arreter(process, delai=20)
        shutil.rmtree(racine, ignore_errors=True)


@pytest.fixture
def avec_clamd(settings, clamd):
    settings.ANTIVIRUS = "clamd"
    settings.CLAMD_SOCKET = clamd
    settings.CLAMD_TIMEOUT = 10
    return clamd


def stockes() -> list[Path]:
    racine = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p for p in racine.rglob("*") if p.is_file()) if racine.exists() else []


def upload(client, dossier, contenu, nom="preuve.pdf", capture=None):
    body = {"fichier": SimpleUploadedFile(nom, contenu), "categorie": "document_projet"}
    with capture(execute=True):  # the scan is queued at the upload's commit
        return client.post(f"{API}dossiers/{dossier.numero}/pieces/", body)


def telecharger(client, dossier, piece_id):
    return client.get(f"{API}dossiers/{dossier.numero}/pieces/{piece_id}/fichier/")


# --- the client alone ------------------------------------------------------------------------


def test_client_reads_clamd_replies():
    assert antivirus.interpreter("stream: OK").statut == antivirus.SAINE
    infectee = antivirus.interpreter("stream: Eicar-Test-Signature FOUND")
    assert (infectee.statut, infectee.signature) == (antivirus.INFECTEE, "Eicar-Test-Signature")
    erreur = antivirus.interpreter("INSTREAM size limit exceeded. ERROR")
    assert erreur.statut == antivirus.INDISPONIBLE


def test_scanner_missing_or_silent_is_unavailable_never_clean(settings, tmp_path):
    settings.ANTIVIRUS = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "absent.sock")
    assert antivirus.analyser(EICAR).statut == antivirus.INDISPONIBLE
    assert antivirus.ping() is False
    # A daemon that accepts and never answers: given up after CLAMD_TIMEOUT.
    chemin = str(tmp_path / "muet.sock")
    serveur = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    serveur.bind(chemin)
    serveur.listen(1)
    acceptes = []
    threading.Thread(target=lambda: acceptes.append(serveur.accept()), daemon=True).start()
    settings.CLAMD_SOCKET = chemin
    settings.CLAMD_TIMEOUT = 1
    debut = time.monotonic()
    try:
        assert antivirus.analyser(PDF).statut == antivirus.INDISPONIBLE
    finally:
        for connexion, _ in acceptes:
            connexion.close()
        serveur.close()
    assert time.monotonic() - debut < 5


def test_real_clamd_finds_eicar_even_after_a_pdf_header(avec_clamd):
    assert antivirus.ping() is True
    resultat = antivirus.analyser(PDF_EICAR)
    assert resultat.statut == antivirus.INFECTEE
    assert resultat.signature.startswith("Eicar-Test-Signature")
    assert antivirus.analyser(PDF).statut == antivirus.SAINE


# --- the attachments -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eicar_upload_is_refused_deleted_notified_and_traced(client, referentiel, avec_clamd):
    """Transactional, as in production: the scan runs at the upload's real commit (eager task),
    so the upload's own answer already says ``infectee``."""
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    body = {"fichier": SimpleUploadedFile("x.pdf", PDF_EICAR), "categorie": "document_projet"}
    response = client.post(f"{API}dossiers/{dossier.numero}/pieces/", body)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["etat_analyse"] == "infectee"
    assert body["analyse"].startswith("Virus détecté : Eicar-Test-Signature")
    piece = PieceJointe.objects.get()
    assert piece.etat_analyse == EtatAnalyse.INFECTEE
    assert stockes() == []  # kept out of the storage
    assert not piece.fichier
    # Its uploader is told; the verdict is traced; nobody downloads it.
    notification = Notification.objects.get(destinataire=gestionnaire)
    assert "virus" in notification.message and piece.nom in notification.message
    trace = Evenement.objects.get(action="piece_infectee")
    assert trace.apres["signature"].startswith("Eicar-Test-Signature")
    refus = telecharger(client, dossier, piece.pk)
    assert refus.status_code == 409
    assert refus.json()["detail"] == analyse.MSG_INFECTEE
    # The dépôt is refused while it is there.
    with pytest.raises(actions.TransitionRefusee, match="l'antivirus a refusé"):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)


@pytest.mark.django_db
def test_clean_file_becomes_saine_and_is_served(
    client, avec_clamd, django_capture_on_commit_callbacks
):
    dossier = d.en_saisie()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    response = upload(client, dossier, PDF, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    piece = PieceJointe.objects.get()
    assert piece.etat_analyse == EtatAnalyse.SAINE
    assert Evenement.objects.filter(action="piece_analysee").count() == 1
    client.force_login(f.es_lecteur(dossier.etablissement))
    assert telecharger(client, dossier, piece.pk).status_code == 200


@pytest.mark.django_db
def test_scanner_down_keeps_the_piece_out_of_reach_until_the_sweep_scans_it(
    client, avec_clamd, settings, tmp_path, django_capture_on_commit_callbacks
):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    settings.CLAMD_SOCKET = str(tmp_path / "nulle-part.sock")
    saine = upload(client, dossier, PDF, "plan.pdf", capture=django_capture_on_commit_callbacks)
    virus = upload(client, dossier, PDF_EICAR, "x.pdf", capture=django_capture_on_commit_callbacks)
    assert saine.json()["etat_analyse"] == virus.json()["etat_analyse"] == "en_analyse"
    piece = PieceJointe.objects.get(pk=saine.json()["id"])
    assert piece.analyse_tentatives == 1
    # Its uploader may open it; another user of the établissement may not; nor may the ARS.
    assert telecharger(client, dossier, piece.pk).status_code == 200
    client.force_login(f.es_lecteur(dossier.etablissement))
    refus = telecharger(client, dossier, piece.pk)
    assert refus.status_code == 409
    assert refus.json()["detail"] == analyse.MSG_EN_ANALYSE
    # The page shows the state, without a download link for this user.
    page = client.get(f"/dossiers/{dossier.numero}/pages/projet/").content.decode()
    assert "Analyse antivirus en cours" in page
    assert f"/pieces/{piece.pk}/fichier/" not in page
    client.force_login(d.valideur_de(dossier))
    assert telecharger(client, dossier, piece.pk).status_code == 404
    with pytest.raises(actions.TransitionRefusee, match="pendant l'analyse antivirus"):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    # The daemon is back: the periodic sweep scans what waits.
    settings.CLAMD_SOCKET = avec_clamd
    bilans = balayer()
    assert bilans["analyses_antivirus"].traites == 2
    piece.refresh_from_db()
    assert piece.etat_analyse == EtatAnalyse.SAINE
    infectee = PieceJointe.objects.get(pk=virus.json()["id"])
    assert infectee.etat_analyse == EtatAnalyse.INFECTEE
    assert [p.read_bytes() for p in stockes()] == [PDF]
    client.force_login(f.es_lecteur(dossier.etablissement))
    assert telecharger(client, dossier, piece.pk).status_code == 200
    page = client.get(f"/dossiers/{dossier.numero}/pages/projet/").content.decode()
    assert f"/pieces/{piece.pk}/fichier/" in page
    assert "Refusée par l&#x27;antivirus" in page or "Refusée par l'antivirus" in page
    # A second sweep finds nothing left to do.
    assert balayer()["analyses_antivirus"].traites == 0


@pytest.mark.django_db
def test_the_sweep_asks_a_silent_scanner_once_not_once_per_piece(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.ANTIVIRUS = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "nulle-part.sock")
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    for nom in ("a.pdf", "b.pdf"):
        upload(client, dossier, PDF, nom, capture=django_capture_on_commit_callbacks)
    with mock.patch.object(antivirus, "analyser", wraps=antivirus.analyser) as analyser:
        bilan = balayer()["analyses_antivirus"]
    assert analyser.call_count == 0
    assert (bilan.traites, bilan.erreurs) == (0, ["Antivirus injoignable : 2 pièces en attente."])
    assert set(PieceJointe.objects.values_list("etat_analyse", "analyse_tentatives")) == {
        (EtatAnalyse.EN_ANALYSE, 1)
    }


@pytest.mark.django_db
def test_antivirus_off_marks_pieces_clean_not_analysed_and_warns_administrators(client):
    assert settings.ANTIVIRUS == "aucun"  # tests/conftest.py, as `make run`
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    piece = d.piece_de(dossier, gestionnaire)
    assert piece.etat_analyse == EtatAnalyse.SAINE
    assert piece.analyse_detail == "non analysée (antivirus désactivé)"
    trace = Evenement.objects.get(action="piece_ajoutee")
    assert trace.apres["analyse"] == "non analysée (antivirus désactivé)"
    client.force_login(f.pilote_national())
    assert "Antivirus désactivé" in client.get("/").content.decode()
    admin = client.get("/admin/", follow=True).content.decode()
    assert "Antivirus désactivé" in admin
    client.force_login(gestionnaire)
    assert "Antivirus désactivé" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_antivirus_on_no_warning(client, settings):
    settings.ANTIVIRUS = "clamd"
    client.force_login(f.pilote_national())
    assert "Antivirus désactivé" not in client.get("/").content.decode()


def _reglage(**env) -> subprocess.CompletedProcess:
    """``settings.ANTIVIRUS`` read by a fresh process under ``env``."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ANTIVIRUS", "HN_LOCAL", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.ANTIVIRUS)",
        ],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_scans_by_default_and_a_bad_value_fails_loudly():
    production = _reglage(DEBUG="false", SECRET_KEY="x7!Qm2#Lp9@Zr4$Tv8%Wn3^Kd6&Hs1*Bf5(Jc0)Gy")
    assert production.stdout.strip().splitlines()[-1] == "clamd", production.stderr
    demo = _reglage(DEBUG="true")
    assert demo.stdout.strip().splitlines()[-1] == "aucun", demo.stderr
    local = _reglage(HN_LOCAL="true")  # `make run`
    assert local.stdout.strip().splitlines()[-1] == "aucun", local.stderr
    faute = _reglage(DEBUG="true", ANTIVIRUS="clamav")
    assert faute.returncode != 0
    assert "ANTIVIRUS='clamav': use clamd or aucun." in faute.stderr


@pytest.mark.django_db
def test_pieces_stored_before_the_antivirus_become_saine_with_a_note():
    from django.apps import apps

    migration = importlib.import_module("dossiers.migrations.0011_pieces_existantes_saines")
    dossier = d.en_saisie()
    piece = d.piece_de(dossier, f.es_gestionnaire(dossier.etablissement))
    PieceJointe.objects.filter(pk=piece.pk).update(etat_analyse=EtatAnalyse.EN_ANALYSE)
    migration.marquer_saines(apps, None)
    piece.refresh_from_db()
    assert piece.etat_analyse == EtatAnalyse.SAINE
    assert piece.analyse_detail == ("Déposée avant la mise en place de l'antivirus : non analysée.")


@pytest.mark.django_db
def test_broker_down_at_upload_leaves_the_piece_waiting_for_the_sweep(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ANTIVIRUS = "clamd"
    dossier = d.en_saisie()
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    panne = mock.patch.object(
        analyse.tache_analyser_piece, "delay", side_effect=OperationalError("broker down")
    )
    with panne:
        response = upload(client, dossier, PDF, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    piece = PieceJointe.objects.get()
    assert (piece.etat_analyse, piece.analyse_tentatives) == (EtatAnalyse.EN_ANALYSE, 0)


# --- the demo under a production-like antivirus ----------------------------------------------


@pytest.mark.django_db
def test_the_demo_refuses_to_start_when_clamd_does_not_answer_and_writes_nothing(
    settings, tmp_path
):
    """The demo deposits GHT dossiers with their SDSI, which must be scanned before the dépôt:
    with ``ANTIVIRUS=clamd`` and no clamd, ``manage.py demo`` says so before writing anything
    (it used to fail half-way on the dépôt, "pendant l'analyse antivirus")."""
    settings.ANTIVIRUS = "clamd"
    settings.CLAMD_SOCKET = str(tmp_path / "nulle-part.sock")
    settings.CLAMD_TIMEOUT = 1
    with pytest.raises(CommandError, match="clamd ne répond pas"):
        call_command("demo", "--force", stdout=io.StringIO())
    assert not Dossier.objects.exists() and not Etablissement.objects.exists()
    assert stockes() == []


@pytest.mark.django_db
def test_the_demo_scans_the_ght_sdsi_with_the_real_clamd_before_their_depot(avec_clamd):
    charger_demo(nombre_etablissements=40)
    ght = Dossier.objects.filter(ght__isnull=False)
    assert ght.count() == 2 and not ght.filter(etat=Etat.EN_SAISIE).exists()  # deposited
    pieces = PieceJointe.objects.filter(dossier__in=ght, categorie=CategoriePiece.SDSI_GHT)
    assert pieces.count() == 2
    for piece in pieces:  # analysed by clamd, not "non analysée (antivirus désactivé)"
        assert (piece.etat_analyse, piece.analyse_detail) == (EtatAnalyse.SAINE, "")
        assert piece.analysee_le is not None
