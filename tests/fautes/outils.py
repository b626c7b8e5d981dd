"""Processes the fault tests start and break on purpose, each on its own loopback port and in
its own temporary folder: never the shared Redis (6379) or PostgreSQL (5432) that the other
test workers use.

- ``RedisServer``: a ``redis-server`` (Debian package) that can be stopped and restarted;
- ``PostgresServer``: a PostgreSQL cluster of its own (``initdb``/``pg_ctl`` from
  /usr/lib/postgresql/*/bin, run as ``postgres`` when the tests run as root, as in CI);
- ``django_env``: the environment of a Django subprocess (worker, gunicorn, script) pointed at
  a given database, Redis and media folder.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

RACINE = Path(__file__).resolve().parents[2]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre(predicat, delai=30.0, pas=0.1) -> bool:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if predicat():
            return True
        time.sleep(pas)
    return False


def url_base(base=None) -> str:
    """The DATABASE_URL of the current test database (or of ``base`` on the same server)."""
    s = connection.settings_dict
    utilisateur = quote(s["USER"] or "", safe="")
    mot_de_passe = quote(s["PASSWORD"] or "", safe="")
    hote, port = s["HOST"] or "127.0.0.1", s["PORT"] or "5432"
    return f"postgres://{utilisateur}:{mot_de_passe}@{hote}:{port}/{base or s['NAME']}"


def django_env(*, database_url: str, var_dir: Path, redis_url: str | None = None, **extra):
    """A Django subprocess's environment: nothing inherited from the test process's settings
    but the path and the locale; the local mode of `make run` (HN_LOCAL: plain http on the
    loopback, a secret generated into ``var_dir``)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
    env.update(
        DJANGO_SETTINGS_MODULE="hn.settings",
        HN_LOCAL="true",
        PYTHONPATH=str(RACINE),
        DATABASE_URL=database_url,
        HN_VAR_DIR=str(var_dir),
        CONN_MAX_AGE="600",
        **{k: str(v) for k, v in extra.items()},
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def arreter(process: subprocess.Popen | None, sig=signal.SIGTERM, delai=10) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=delai)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=delai)


class RedisServer:
    def __init__(self):
        self.executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(self.executable):
            pytest.fail("redis-server est requis (paquet Debian redis-server, make test)")
        self.port = port_libre()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def repond(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [self.executable, *options, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not attendre(self.repond, 10, 0.05):
            raise RuntimeError("redis-server n'a pas démarré")

    def stop(self):
        arreter(self.process)
        self.process = None


def _binaires_postgres() -> Path:
    trouves = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if not trouves:
        pytest.fail("PostgreSQL est requis (paquet Debian postgresql, .ci/run)")
    return Path(trouves[-1]).parent


def _version(chemin: str) -> int:
    try:
        return int(Path(chemin).parts[-3])
    except ValueError:
        return 0


class PostgresServer:
    """A throw-away cluster: trust authentication on loopback, superuser ``hn``, no fsync."""

    def __init__(self):
        self.bin = _binaires_postgres()
        self.port = port_libre()
        self.root = os.geteuid() == 0
        # Short (the socket's path is limited to 107 bytes) and reachable by ``postgres``.
        self.dossier = Path(tempfile.mkdtemp(prefix="hn-fautes-pg-", dir="/tmp"))
        self.donnees = self.dossier / "data"
        if self.root:  # PostgreSQL refuses to run as root: as the Debian package's account
            shutil.chown(self.dossier, "postgres", "postgres")

    def url(self, base="hn") -> str:
        return f"postgres://hn:hn@127.0.0.1:{self.port}/{base}"

    def _run(self, *args, **kw):
        commande = [str(self.bin / args[0]), *args[1:]]
        if self.root:
            commande = ["runuser", "-u", "postgres", "--", *commande]
        # From a folder ``postgres`` may enter (the checkout may be under /root).
        try:
            return subprocess.run(
                commande, check=True, capture_output=True, text=True, cwd=self.dossier, **kw
            )
        except subprocess.CalledProcessError as exc:
            journal = self.dossier / "log"
            fin = journal.read_text()[-2000:] if journal.exists() else ""
            raise RuntimeError(f"{' '.join(commande)} : {exc.stderr}\n{fin}") from exc

    def initialiser(self):
        self._run("initdb", "-D", str(self.donnees), "-U", "hn", "-A", "trust", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "hn", "hn")

    def client(self, outil: str, *args, **kw):
        """A client tool (psql, pg_dump...) of the same version, as the current user."""
        return subprocess.run(
            [str(self.bin / outil), *args], check=True, capture_output=True, text=True, **kw
        )

    def sql(self, requete: str, base="hn") -> str:
        return self.client("psql", "-qtAX", "-d", self.url(base), "-c", requete).stdout.strip()

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.dossier} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )

    def start(self):
        self._run(
            "pg_ctl", "-D", str(self.donnees), "-o", self._options(), "-l",
            str(self.dossier / "log"), "-w", "start",
        )  # fmt: skip

    def restart(self):
        self._run(
            "pg_ctl", "-D", str(self.donnees), "-o", self._options(), "-l",
            str(self.dossier / "log"), "-m", "fast", "-w", "restart",
        )  # fmt: skip

    def supprimer(self):
        if self.donnees.exists():
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.donnees), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dossier, ignore_errors=True)


def python() -> str:
    return sys.executable
