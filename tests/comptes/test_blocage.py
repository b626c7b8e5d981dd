"""Login throttling (issue 17): 10 failures for one username from one address block that pair
for 15 minutes, on the login page and on auth/token/ alike."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from hn.comptes.enums import Role
from hn.journal.models import Evenement
from tests import factories as f

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DEBUT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
IP = "192.0.2.10"
AUTRE_IP = "192.0.2.99"


def _page(client, username, password, ip=IP):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _api(client, username, password, ip=IP):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def _ok(mode, client, response) -> bool:
    if mode == "page":
        return response.status_code == 302 and "_auth_user_id" in client.session
    return response.status_code == 200 and "token" in response.json()


@pytest.mark.parametrize("mode", ["page", "api"])
def test_dix_echecs_bloquent_la_paire_quinze_minutes(client, mode):
    essai = _page if mode == "page" else _api
    alice = f.ars_valideur("84", username="alice")
    f.es_gestionnaire(username="bruno")
    with time_machine.travel(DEBUT, tick=False) as machine:
        for _ in range(9):
            assert essai(client, "alice", "mauvais").status_code in (200, 400)
        dixieme = essai(client, "alice", "mauvais")
        assert dixieme.status_code == 429
        machine.shift(dt.timedelta(minutes=1))
        onzieme = essai(client, "alice", f.PASSWORD)
        assert onzieme.status_code == 429, "the right password is refused during the block"
        assert "Réessayez après 10:15" in onzieme.content.decode()
        assert onzieme["Retry-After"] == str(14 * 60)
        if mode == "api":
            assert onzieme.json()["detail"].startswith("Trop de tentatives de connexion")
        else:
            assert "Connexion bloquée" in onzieme.content.decode()
        # Other usernames from the same address, the same username from elsewhere: unaffected.
        assert _ok(mode, client, essai(client, "bruno", f.PASSWORD))
        client.logout()
        assert _ok(mode, client, essai(client, "alice", f.PASSWORD, ip=AUTRE_IP))
        client.logout()
        # 14:59 after the 10th failure: still blocked (refused attempts did not extend it).
        machine.move_to(DEBUT + dt.timedelta(minutes=14, seconds=59))
        assert essai(client, "alice", f.PASSWORD).status_code == 429
        machine.move_to(DEBUT + dt.timedelta(minutes=15, seconds=1))
        assert _ok(mode, client, essai(client, "alice", f.PASSWORD))
    blocage = Evenement.objects.get(action="connexion_bloquee")
    assert blocage.objet_id == str(alice.pk)
    assert IP in blocage.commentaire


def test_une_connexion_reussie_remet_le_compte_a_zero(client):
    f.ars_valideur("84", username="alice")
    for _ in range(9):
        _page(client, "alice", "mauvais")
    assert _page(client, "alice", f.PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        assert _page(client, "alice", "mauvais").status_code == 200


def test_les_echecs_anciens_de_plus_de_quinze_minutes_ne_comptent_plus(client):
    f.ars_valideur("84", username="alice")
    with time_machine.travel(DEBUT, tick=False) as machine:
        for _ in range(9):
            _page(client, "alice", "mauvais")
        machine.shift(dt.timedelta(minutes=16))
        assert _page(client, "alice", "mauvais").status_code == 200
        assert _page(client, "alice", f.PASSWORD).status_code == 302


def test_adresse_derriere_un_proxy_de_confiance(client, settings):
    settings.IP_CLIENT_ENTETE = "X-Forwarded-For"
    settings.IP_CLIENT_PROXYS = 1
    f.ars_valideur("84", username="alice")
    for _ in range(10):
        client.post(
            reverse("login"),
            {"username": "alice", "password": "mauvais"},
            # A forged left-most entry is ignored: the proxy appended the real address.
            HTTP_X_FORWARDED_FOR=f"6.6.6.{_}, {AUTRE_IP}",
            REMOTE_ADDR="10.0.0.1",
        )
    assert AccessAttempt.objects.get(username="alice").ip_address == AUTRE_IP


def _bloquer(client, username, ip=IP):
    for _ in range(10):
        _page(client, username, "mauvais", ip=ip)


def test_un_administrateur_debloque_et_c_est_trace(client):
    etab = f.EtablissementFactory()
    bloque = f.es_gestionnaire(etab, username="bloque")
    _bloquer(client, "bloque")
    _bloquer(client, "inconnu")
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab)
    client.force_login(admin)
    page = client.get(reverse("comptes:blocages")).content.decode()
    assert "bloque" in page and "inconnu" not in page, "an ES admin sees its own accounts only"
    # Outside the administrator's scope: refused, nothing unlocked.
    refus = client.post(reverse("comptes:debloquer"), {"username": "inconnu", "ip_address": IP})
    assert refus.status_code == 403
    assert AccessAttempt.objects.filter(username="inconnu").exists()
    response = client.post(reverse("comptes:debloquer"), {"username": "bloque", "ip_address": IP})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="bloque").exists()
    trace = Evenement.objects.get(action="connexion_debloquee")
    assert trace.acteur_id == admin.pk and trace.objet_id == str(bloque.pk)
    # Both traces are in the journal the établissement's administrator reads.
    visibles = Evenement.objects.visibles_par(f.es_lecteur(etab))
    assert set(visibles.filter(objet_id=str(bloque.pk)).values_list("action", flat=True)) >= {
        "connexion_bloquee",
        "connexion_debloquee",
    }
    client.logout()
    assert _page(client, "bloque", f.PASSWORD).status_code == 302


def test_le_niveau_national_voit_et_debloque_tout(client):
    _bloquer(client, "inconnu")
    client.force_login(f.superuser())
    assert "inconnu" in client.get(reverse("comptes:blocages")).content.decode()
    client.post(reverse("comptes:debloquer"), {"username": "inconnu", "ip_address": IP})
    assert not AccessAttempt.objects.exists()


def test_debloquer_sans_adresse_ne_debloque_rien(client):
    _bloquer(client, "inconnu")
    client.force_login(f.superuser())
    response = client.post(reverse("comptes:debloquer"), {"username": "inconnu"}, follow=True)
    assert "Indiquez l&#x27;identifiant et l&#x27;adresse" in response.content.decode()
    assert AccessAttempt.objects.filter(username="inconnu").exists()
