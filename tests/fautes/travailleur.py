"""A real Celery worker process for the fault tests (``python tests/fautes/travailleur.py``),
configured by its environment (``outils.django_env``):

- ``HN_FAUTES_MAINTENANT`` (ISO date-time): the worker's clock starts there (time-machine);
- ``HN_FAUTES_BLOQUE=refus:N`` or ``fin:N``: the deadline sweep handles N dossiers of that kind
  (implicit refusal, end of programme), then hangs inside the next one's transaction (its row
  locked, its changes written but not committed): the test kills the worker there, half-way,
  whatever the machine's speed.
"""

import datetime as dt
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hn.settings")
if os.environ.get("HN_FAUTES_MAINTENANT"):
    import time_machine

    time_machine.travel(dt.datetime.fromisoformat(os.environ["HN_FAUTES_MAINTENANT"])).start()
django.setup()

from dossiers import actions  # noqa: E402
from hn.celery import app  # noqa: E402
from indicateurs import clotures  # noqa: E402

CIBLES = {
    "refus": (actions, "refuser_implicitement"),
    "fin": (clotures, "clore_fin_de_programme"),
}


def bloquer(module, nom, apres):
    originale = getattr(module, nom)
    faits = []

    def puis_bloquer(*args, **kw):
        resultat = originale(*args, **kw)
        faits.append(1)
        if len(faits) > apres:
            time.sleep(3600)  # until killed, the transaction open
        return resultat

    setattr(module, nom, puis_bloquer)


if os.environ.get("HN_FAUTES_BLOQUE"):
    cible, apres = os.environ["HN_FAUTES_BLOQUE"].split(":")
    bloquer(*CIBLES[cible], int(apres))

app.worker_main(["worker", "--pool=solo", "--loglevel=warning", "--without-heartbeat",
                 "--without-mingle", "--without-gossip"])  # fmt: skip
