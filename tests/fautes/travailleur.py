"""A real Celery worker process for the fault tests (``python tests/fautes/travailleur.py``),
configured by its environment (``outils.django_env``). With ``HN_FAUTES_BLOQUE_APRES=N``, the
deadline sweep refuses N dossiers, then hangs inside the next one's transaction (its row
locked, its refusal written but not committed): the test kills the worker there, half-way,
whatever the machine's speed."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hn.settings")
django.setup()

from dossiers import actions  # noqa: E402
from hn.celery import app  # noqa: E402

bloque_apres = int(os.environ.get("HN_FAUTES_BLOQUE_APRES") or 0)
if bloque_apres:
    refuser = actions.refuser_implicitement
    faits = []

    def refuser_puis_bloquer(**kw):
        resultat = refuser(**kw)
        faits.append(resultat.pk)
        if len(faits) > bloque_apres:
            time.sleep(3600)  # until killed, the transaction open
        return resultat

    actions.refuser_implicitement = refuser_puis_bloquer

app.worker_main(["worker", "--pool=solo", "--loglevel=warning", "--without-heartbeat",
                 "--without-mingle", "--without-gossip"])  # fmt: skip
