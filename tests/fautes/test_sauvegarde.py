"""Backup and restore (issue 17, item 9; docs/EXPLOITATION.md).

``scripts/sauvegarde.sh`` dumps the test database and its attachments; ``scripts/restauration.sh``
restores them into a fresh database (createdb) and an empty media folder; a Django process
pointed at the restored database and folder reads the dossier and the attachment's bytes, and
``manage.py verifier_pieces`` finds every piece intact. The scripts refuse, changing nothing, a
target that is not empty and an altered backup. PostgreSQL only (pg_dump), except the check of
``verifier_pieces`` itself.
"""

import hashlib
import json
import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from tests.dossiers_factories import en_saisie, piece_de
from tests.fautes.outils import RACINE, django_env, python, url_base

SAUVEGARDE = RACINE / "scripts" / "sauvegarde.sh"
RESTAURATION = RACINE / "scripts" / "restauration.sh"

LECTURE = """
import hashlib, json, django
django.setup()
from django.core.files.storage import default_storage
from dossiers.models import Dossier
dossier = Dossier.objects.get(numero={numero!r})
piece = dossier.pieces.get()
with default_storage.open(piece.fichier.name, "rb") as fichier:
    contenu = fichier.read()
print(json.dumps({{"nom": dossier.nom, "etat": dossier.etat, "etablissement":
    dossier.etablissement.finess, "piece": piece.nom,
    "sha256": hashlib.sha256(contenu).hexdigest()}}))
"""


def script(chemin: Path, *args, **env) -> subprocess.CompletedProcess:
    environnement = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env}
    return subprocess.run(
        ["bash", str(chemin), *map(str, args)], env=environnement, capture_output=True, text=True
    )


@pytest.fixture
def base_neuve():
    """A fresh database on the same server (the role has CREATEDB), dropped afterwards."""
    nom = f"{connection.settings_dict['NAME']}_restauree"
    with connection.cursor() as curseur:
        curseur.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
        curseur.execute(f'CREATE DATABASE "{nom}"')
    yield url_base(nom)
    with connection.cursor() as curseur:
        curseur.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sauvegarde_puis_restauration_dans_une_base_neuve(referentiel, base_neuve, tmp_path):
    dossier = en_saisie()
    piece = piece_de(dossier)
    media = Path(default_storage.location)
    with default_storage.open(piece.fichier.name, "rb") as fichier:
        attendu = hashlib.sha256(fichier.read()).hexdigest()

    fait = script(SAUVEGARDE, tmp_path / "sauvegardes", DATABASE_URL=url_base(),
                  HN_MEDIA_DIR=media)  # fmt: skip
    assert fait.returncode == 0, fait.stderr
    sauvegarde = Path(fait.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in sauvegarde.iterdir()) == [
        "INFO", "SHA256SUMS", "base.dump", "media.tar.gz",
    ]  # fmt: skip

    restauree = tmp_path / "restauree"
    fait = script(RESTAURATION, sauvegarde, DATABASE_URL=base_neuve,
                  HN_MEDIA_DIR=restauree / "media")  # fmt: skip
    assert fait.returncode == 0, fait.stderr

    # Django pointed at the restored database and folder only.
    env = django_env(database_url=base_neuve, var_dir=restauree)
    lu = subprocess.run(
        [python(), "-c", LECTURE.format(numero=dossier.numero)],
        cwd=RACINE, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert lu.returncode == 0, lu.stderr
    assert json.loads(lu.stdout) == {
        "nom": dossier.nom,
        "etat": dossier.etat,
        "etablissement": dossier.etablissement.finess,
        "piece": piece.nom,
        "sha256": attendu,
    }
    verifie = subprocess.run(
        [python(), "manage.py", "verifier_pieces"],
        cwd=RACINE, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert verifie.returncode == 0, verifie.stderr
    assert "1 pièce jointe présente et intacte." in verifie.stdout

    # A second restore into the same (no longer empty) database is refused: nothing changed.
    autre = tmp_path / "autre-media"
    fait = script(RESTAURATION, sauvegarde, DATABASE_URL=base_neuve, HN_MEDIA_DIR=autre)
    assert fait.returncode != 0
    assert "la base cible contient déjà" in fait.stderr and "base neuve" in fait.stderr
    assert not autre.exists()

    # An altered backup is refused before anything is written.
    with open(sauvegarde / "media.tar.gz", "ab") as archive:
        archive.write(b"\0")
    fait = script(RESTAURATION, sauvegarde, DATABASE_URL=base_neuve, HN_MEDIA_DIR=autre)
    assert fait.returncode != 0 and "sauvegarde altérée" in fait.stderr
    assert not autre.exists()


def test_sauvegarde_refuse_sans_base_postgresql(tmp_path):
    fait = script(SAUVEGARDE, tmp_path, DATABASE_URL="")
    assert fait.returncode != 0 and "DATABASE_URL n'est pas défini" in fait.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_verifier_pieces_signale_une_piece_absente_ou_alteree(referentiel):
    dossier = en_saisie()
    _intacte, alteree, absente = (piece_de(dossier, nom=f"p{i}.pdf") for i in range(3))
    sortie = StringIO()
    call_command("verifier_pieces", stdout=sortie)
    assert "3 pièces jointes présentes et intactes." in sortie.getvalue()

    with default_storage.open(alteree.fichier.name, "wb") as fichier:
        fichier.write(b"%PDF-1.4 autre contenu")
    default_storage.delete(absente.fichier.name)
    sortie, erreurs = StringIO(), StringIO()
    with pytest.raises(CommandError, match="2 pièce"):
        call_command("verifier_pieces", stdout=sortie, stderr=erreurs)
    assert "1 pièce jointe présente et intacte." in sortie.getvalue()
    assert f"pièce {alteree.pk} « p1.pdf » : contenu altéré" in erreurs.getvalue()
    assert f"pièce {absente.pk} « p2.pdf » : fichier absent" in erreurs.getvalue()


@pytest.mark.django_db
def test_verifier_pieces_ne_cherche_pas_le_fichier_supprime_d_une_piece_infectee(referentiel):
    """The antivirus deletes an infected piece's file on purpose: not a missing file."""
    from dossiers.enums import EtatAnalyse
    from dossiers.models import PieceJointe

    dossier = en_saisie()
    piece_de(dossier, nom="saine.pdf")
    infectee = piece_de(dossier, nom="virus.pdf")
    default_storage.delete(infectee.fichier.name)
    PieceJointe.objects.filter(pk=infectee.pk).update(etat_analyse=EtatAnalyse.INFECTEE, fichier="")
    sortie = StringIO()
    call_command("verifier_pieces", stdout=sortie)
    assert "1 pièce jointe présente et intacte." in sortie.getvalue()
