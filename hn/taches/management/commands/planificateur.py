import logging
import time

from celery import current_app
from django.core.management.base import BaseCommand
from django.utils import timezone

from hn.notifications import tasks as courriels  # noqa: F401  (registers the outbox's task)
from hn.taches import exports, tasks  # noqa: F401  (registers the tasks with the app)
from hn.taches.models import ExecutionTache
from hn.taches.planning import PERIODIQUES, prochaine_execution

logger = logging.getLogger(__name__)


def taches_dues() -> list:
    dues = []
    for tache in PERIODIQUES:
        derniere = (
            ExecutionTache.objects.filter(nom=tache.nom).values_list("debut", flat=True).first()
        )
        if derniere is None or prochaine_execution(tache, derniere) <= timezone.now():
            dues.append(tache)
    return dues


class Command(BaseCommand):
    help = (
        "Planificateur embarqué (sans Redis, pour make run) : lance les tâches périodiques "
        "à leur heure, dans ce processus, avec le même code que le worker Celery."
    )

    def add_arguments(self, parser):
        parser.add_argument("--une-fois", action="store_true", help="Un seul tour, puis sortir.")
        parser.add_argument(
            "--intervalle",
            type=int,
            default=20,
            help="Secondes entre deux vérifications des tâches périodiques.",
        )
        parser.add_argument(
            "--intervalle-exports",
            type=float,
            default=2,
            help="Secondes entre deux tours (les exports en attente sont pris à chaque tour).",
        )

    def handle(self, *args, **options):
        self.stdout.write("Planificateur embarqué démarré.")
        prochaine_verification = 0.0
        while True:
            # Background exports (hn.taches.exports): every turn, a few seconds apart.
            try:
                faits = exports.traiter_en_attente()
            except Exception:
                logger.exception("Exports en attente : tour en échec")
            else:
                if faits:
                    self.stdout.write(
                        f"{timezone.localtime():%d/%m/%Y %H:%M:%S} exports : {faits} traité(s)"
                    )
            if time.monotonic() < prochaine_verification and not options["une_fois"]:
                self._attendre(options)
                continue
            prochaine_verification = time.monotonic() + options["intervalle"]
            for tache in taches_dues():
                try:
                    # The project's Celery app (hn.celery, created when ``hn`` is imported).
                    current_app.tasks[tache.tache].apply(throw=True)
                except Exception:
                    logger.exception("Tâche %s en échec", tache.nom)
                else:
                    self.stdout.write(
                        f"{timezone.localtime():%d/%m/%Y %H:%M:%S} {tache.nom} : fait"
                    )
            if options["une_fois"]:
                return
            self._attendre(options)

    def _attendre(self, options):
        try:
            time.sleep(min(options["intervalle"], options["intervalle_exports"]))
        except KeyboardInterrupt:
            raise SystemExit(0) from None
