"""A real Celery worker process for the fault tests (``python tests/fautes/travailleur.py``),
configured by its environment (``outils.django_env``). With ``HN_FAUTES_LENTEUR`` (seconds),
each implicit refusal of the deadline sweep is slowed down, so that the test can kill the worker
while the sweep is half done."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hn.settings")
django.setup()

from dossiers import actions  # noqa: E402
from hn.celery import app  # noqa: E402

lenteur = float(os.environ.get("HN_FAUTES_LENTEUR") or 0)
if lenteur:
    refuser = actions.refuser_implicitement

    def refuser_lentement(**kw):
        resultat = refuser(**kw)
        time.sleep(lenteur)  # inside the dossier's transaction, its row locked
        return resultat

    actions.refuser_implicitement = refuser_lentement

app.worker_main(["worker", "--pool=solo", "--loglevel=warning", "--without-heartbeat",
                 "--without-mingle", "--without-gossip"])  # fmt: skip
