"""``manage.py verifier_pieces``: every attachment of the database is in the file storage with
its recorded size and SHA-256 (after a restore, docs/EXPLOITATION.md). Reads each file once
(on S3, downloads it). Exits with an error listing what is missing or altered."""

import hashlib

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from dossiers.enums import EtatAnalyse
from dossiers.models import PieceJointe
from hn.formats import compter

LISTES = 20  # problems printed in full


def empreinte(nom: str) -> tuple[int, str]:
    calcul = hashlib.sha256()
    taille = 0
    with default_storage.open(nom, "rb") as fichier:
        for bloc in iter(lambda: fichier.read(1024 * 1024), b""):
            calcul.update(bloc)
            taille += len(bloc)
    return taille, calcul.hexdigest()


class Command(BaseCommand):
    help = "Vérifie que chaque pièce jointe est présente dans le stockage, intacte (SHA-256)."

    def handle(self, *args, **options):
        verifiees, problemes = 0, []
        # An infected piece's file was deleted on purpose (dossiers.analyse): nothing to check.
        pieces = (
            PieceJointe.objects.exclude(etat_analyse=EtatAnalyse.INFECTEE)
            .select_related("dossier")
            .order_by("pk")
        )
        for piece in pieces.iterator(chunk_size=500):
            libelle = f"Dossier {piece.dossier.numero}, pièce {piece.pk} « {piece.nom} »"
            try:
                taille, calcul = empreinte(piece.fichier.name)
            except Exception as exc:  # absent: OSError locally, a client error on S3
                problemes.append(f"{libelle} : fichier absent du stockage ({exc}).")
                continue
            if (taille, calcul) != (piece.taille, piece.empreinte):
                problemes.append(f"{libelle} : contenu altéré (empreinte SHA-256 différente).")
                continue
            verifiees += 1
        self.stdout.write(f"{compter(verifiees, 'pièce(s) jointe(s) présente(s) et intacte(s)')}.")
        if problemes:
            for ligne in problemes[:LISTES]:
                self.stderr.write(ligne)
            if len(problemes) > LISTES:
                self.stderr.write(f"... et {len(problemes) - LISTES} autre(s).")
            raise CommandError(
                f"{compter(len(problemes), 'pièce(s) jointe(s) absente(s) ou altérée(s)')}."
            )
