"""Agents' sessions end after 30 idle minutes (issue 17); établissement users' do not; logout
ends the session."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from hn.comptes.enums import Role
from hn.journal.models import Evenement
from tests import factories as f

pytestmark = pytest.mark.django_db

DEBUT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def _connecter(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "fabrique",
    [
        lambda: f.ars_valideur("84"),
        f.pilote_national,
        lambda: f.avec_role(Role.ADMINISTRATEUR, etablissement=f.EtablissementFactory()),
    ],
    ids=["ars", "national", "administrateur"],
)
def test_un_agent_inactif_plus_de_30_minutes_est_deconnecte(client, fabrique):
    agent = fabrique()
    with time_machine.travel(DEBUT, tick=False) as machine:
        _connecter(client, agent)
        machine.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("dossiers:liste")).status_code == 200
        # Activity restarts the count: 29 more idle minutes are fine too.
        machine.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("dossiers:liste")).status_code == 200
        machine.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("dossiers:liste"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + reverse("dossiers:liste")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Votre session a expiré après 30 minutes d&#x27;inactivité" in page
    assert Evenement.objects.filter(action="deconnexion", acteur=agent).exists()


def test_l_api_par_session_repond_401_apres_expiration(client):
    agent = f.ars_valideur("84")
    with time_machine.travel(DEBUT, tick=False) as machine:
        client.force_login(agent)
        machine.shift(dt.timedelta(minutes=31))
        response = client.get("/api/v1/dossiers/")
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_la_duree_est_configurable(client, settings):
    settings.SESSION_INACTIVITE_AGENTS = 5
    with time_machine.travel(DEBUT, tick=False) as machine:
        client.force_login(f.ars_lecteur("84"))
        machine.shift(dt.timedelta(minutes=6))
        assert client.get(reverse("home")).status_code == 302


def test_un_utilisateur_d_etablissement_garde_sa_session(client):
    with time_machine.travel(DEBUT, tick=False) as machine:
        _connecter(client, f.es_gestionnaire())
        machine.shift(dt.timedelta(hours=8))
        assert client.get(reverse("dossiers:liste")).status_code == 200


def test_se_deconnecter_termine_la_session(client):
    _connecter(client, f.ars_valideur("84"))
    cle = client.session.session_key
    assert client.get(reverse("logout")).status_code == 405, "logout is a POST"
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.session.session_key != cle
    assert client.get(reverse("home")).status_code == 302
