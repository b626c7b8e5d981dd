"""gunicorn serving the application for the bench's throughput measure (``bench.mesurer``) and
its load test (``bench.charge``)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def executable_gunicorn() -> Path:
    """The ``gunicorn`` script beside this Python (the project's virtualenv)."""
    return Path(sys.executable).with_name("gunicorn")


class Base(str):
    """The server's base URL, with the process id of gunicorn's master (``pid``)."""

    pid: int


def temps_cpu(pid: int, postgres: list[int] = ()) -> dict[str, float]:
    """CPU seconds (user + system) used so far, from ``/proc``: ``"gunicorn"`` for process
    ``pid`` and its children still running (the workers), ``"pg:<pid>"`` for each PostgreSQL
    backend of ``postgres``; ``{}`` where there is no ``/proc``."""
    result = {"gunicorn": 0.0}
    tic = os.sysconf("SC_CLK_TCK")
    try:
        entrees = [e for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return {}
    for entree in entrees:
        try:
            champs = Path(entree.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        secondes = (int(champs[11]) + int(champs[12])) / tic  # utime, stime
        numero = int(entree.name)
        if numero == pid or int(champs[1]) == pid:  # itself or its child
            result["gunicorn"] += secondes
        elif numero in postgres:
            result[f"pg:{numero}"] = secondes
    return result


def ecart_cpu(debut: dict, fin: dict, prefixe: str) -> float | None:
    """CPU seconds between two :func:`temps_cpu` samples for the keys starting with
    ``prefixe`` (a backend started in between counts from zero)."""
    if not debut or not fin:
        return None
    return round(sum(v - debut.get(k, 0.0) for k, v in fin.items() if k.startswith(prefixe)), 1)


@contextmanager
def serveur_gunicorn(executable, workers, threads=1, *, env=None, journal=None, options=()):
    """gunicorn serving the application on a free loopback port, stopped (by its process id)
    on exit. Yields the base URL (:class:`Base`) once it answers. ``env``: the server's
    environment (this process's by default); ``journal``: a binary file receiving its standard
    error (the application's error log), a temporary file by default; ``options``: more
    gunicorn arguments."""
    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    commande = [str(executable), "hn.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--threads", str(threads),
                "--log-level", "warning", *options]  # fmt: skip
    with nullcontext(journal) if journal else tempfile.TemporaryFile() as journal:
        processus = subprocess.Popen(
            commande,
            cwd=RACINE,
            env=dict(os.environ if env is None else env),
            stdout=subprocess.DEVNULL,
            stderr=journal,
        )
        base = Base(f"http://127.0.0.1:{port}")
        base.pid = processus.pid
        try:
            _attendre(processus, base, journal, requests)
            try:
                yield base
            except Exception as exc:
                journal.seek(0)
                raise RuntimeError(
                    f"{exc} ; journal de gunicorn : {journal.read()[-1500:]!r}"
                ) from exc
        finally:
            processus.terminate()
            try:
                processus.wait(timeout=20)
            except subprocess.TimeoutExpired:
                processus.kill()
                processus.wait()


def _attendre(processus, base, journal, requests):
    """Until the login page answers 200 (30 s at most)."""
    for _ in range(150):
        if processus.poll() is not None:
            journal.seek(0)
            raise RuntimeError(f"gunicorn s'est arrêté : {journal.read()[-2000:]!r}")
        try:
            if requests.get(base + "/connexion/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn ne répond pas")
