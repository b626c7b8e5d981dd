from django.core.management.base import BaseCommand

from hn.referentiel.chargement import charger_referentiel


class Command(BaseCommand):
    help = "Charge le référentiel des programmes (fixtures/referentiel/*.json)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mettre-a-jour",
            action="store_true",
            help="Remplace par les valeurs des fixtures celles modifiées dans l'administration.",
        )

    def handle(self, *args, mettre_a_jour=False, **options):
        crees, modifies = charger_referentiel(mettre_a_jour=mettre_a_jour)
        self.stdout.write(f"Référentiel : {crees} lignes créées, {modifies} modifiées.")
