"""Concurrency in the tests: actions released at once from several threads, each with its own
database connection (PostgreSQL, ``django_db(transaction=True)``)."""

import threading

from django.db import connection


def en_parallele(preparations):
    """Each preparation runs in its own thread (its reads open the thread's connection), then
    every action it returned is released at once; (results, errors) in order."""
    barriere = threading.Barrier(len(preparations))
    resultats = [None] * len(preparations)
    erreurs = [None] * len(preparations)

    def run(i, preparer):
        try:
            action = preparer()
            barriere.wait(timeout=30)
            resultats[i] = action()
        except Exception as exc:
            erreurs[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(preparations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return resultats, erreurs
