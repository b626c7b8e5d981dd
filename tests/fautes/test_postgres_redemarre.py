"""Fault: PostgreSQL restarted under a running web server (issue 17, item 9).

A cluster of the test's own (``outils.PostgresServer``, never the shared one) holds a copy of
the test database; gunicorn (one sync worker, as in production: ``CONN_MAX_AGE`` > 0, so the
connection is kept between requests) serves an API request, PostgreSQL is restarted (every
connection cut), and the next request succeeds: ``CONN_HEALTH_CHECKS`` (hn/settings.py) makes
Django test the kept connection and open a new one instead of failing on the dead one.
PostgreSQL only: the copy is made with pg_dump from the test database (skipped on SQLite).
"""

import json
import subprocess
import urllib.request

import pytest

from bench.serveur import executable_gunicorn, serveur_gunicorn
from hn.comptes.jetons import creer_jeton
from tests import factories as f
from tests.fautes.outils import (
    PostgresServer,
    django_env,
    url_base,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.xdist_group("fautes"),
]


@pytest.fixture
def postgres():
    serveur = PostgresServer()
    try:
        serveur.initialiser()
        yield serveur
    finally:
        serveur.supprimer()


def connexions_du_site(postgres) -> set[str]:
    return set(
        postgres.sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = 'hn' "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).split()
    )


def test_postgres_redemarre_la_requete_suivante_reussit(referentiel, postgres, tmp_path):
    jeton = creer_jeton(f.es_gestionnaire())
    copie = subprocess.run(
        [str(postgres.bin / "pg_dump"), "--no-owner", "--no-acl", "-d", url_base()],
        check=True,
        capture_output=True,
    ).stdout
    postgres.client(
        "psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", postgres.url(), input=copie.decode()
    )

    env = django_env(database_url=postgres.url(), var_dir=tmp_path / "var")
    with (
        open(tmp_path / "gunicorn.log", "w+b") as journal,
        serveur_gunicorn(executable_gunicorn(), 1, env=env, journal=journal) as base,
    ):

        def programmes():
            requete = urllib.request.Request(
                base + "/api/v1/programmes/", headers={"Authorization": f"Token {jeton}"}
            )
            try:
                with urllib.request.urlopen(requete, timeout=10) as reponse:
                    return reponse.status, json.loads(reponse.read())
            except urllib.error.HTTPError as erreur:
                return erreur.code, None

        statut, corps = programmes()
        assert statut == 200 and {p["code"] for p in corps} >= {"HN", "HOPEN"}
        avant = connexions_du_site(postgres)
        assert len(avant) == 1  # the connection is kept between requests (CONN_MAX_AGE)

        postgres.restart()  # every connection cut; the site's kept one is now dead
        assert connexions_du_site(postgres) == set()

        statut, corps = programmes()
        assert statut == 200 and {p["code"] for p in corps} >= {"HN", "HOPEN"}
        apres = connexions_du_site(postgres)
        assert len(apres) == 1 and apres != avant  # a new connection, opened by the check
