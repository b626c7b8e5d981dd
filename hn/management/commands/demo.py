from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hn.demo import DemoImpossible, charger_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Autorise le chargement avec DEBUG désactivé."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refus : DEBUG est désactivé (production ?). Relancez avec --force pour charger "
                "quand même les données de démonstration."
            )
        try:
            resultat = charger_demo()
        except DemoImpossible as exc:  # nothing written: the demo is one transaction
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Démonstration : {resultat['etablissements']} établissements, "
            f"{resultat['dossiers']} dossiers, {resultat['demandes']} demandes et "
            f"{resultat['audits']} audits créés."
        )
        self.stdout.write(
            "Comptes de démonstration (mot de passe : $DEMO_PASSWORD, « demo » par défaut) :"
        )
        for username, role, portee in resultat["comptes"]:
            self.stdout.write(f"  {username:<18} {role:<28} {portee}")
