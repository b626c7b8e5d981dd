from django.core.management.base import BaseCommand

from hn.taches.echeances import REGISTRE, corps_echeances, resume
from hn.taches.execution import executer


class Command(BaseCommand):
    help = (
        "Évalue une fois toutes les échéances (SPEC §9) à la date du jour et applique ce qui est "
        "dû : ce que lance la tâche périodique. Idempotent."
    )

    def handle(self, *args, **options):
        run, compteurs = executer("echeances", corps_echeances, "commande")
        for code in [*REGISTRE, "courriels"]:
            self.stdout.write(resume(code, compteurs[code]))
        for erreur in run.erreurs:
            self.stderr.write(erreur)
