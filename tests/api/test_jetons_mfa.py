"""API tokens hashed, expiring and revocable, and the second factor through the API
(API.md "Authentication hardening")."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import time_machine
from django.db import connection

from hn.comptes.jetons import creer_jeton
from hn.comptes.models import Jeton
from hn.journal.models import Evenement
from tests import factories as f
from tests.mfa import activer, code_totp

pytestmark = pytest.mark.django_db

API = "/api/v1/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def horloge():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _jeton(client, username, password=f.PASSWORD, headers=None, **extra):
    return client.post(
        API + "auth/token/",
        {"username": username, "password": password, **extra},
        content_type="application/json",
        headers=headers,
    )


# --- storage --------------------------------------------------------------------------------


def test_only_the_hash_of_the_key_is_stored(client):
    user = f.es_gestionnaire(username="jeton")
    key = _jeton(client, "jeton", headers={"User-Agent": "script-import/1.0"}).json()["token"]
    jeton = Jeton.objects.get(user=user)
    assert jeton.prefixe == key[:8]
    assert jeton.libelle == "script-import/1.0"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Jeton._meta.db_table}")
        rows = cursor.fetchall()
    assert rows and not any(key in str(value) for row in rows for value in row)


def test_every_request_for_a_token_gives_a_new_one(client):
    f.es_gestionnaire(username="jeton")
    keys = {_jeton(client, "jeton").json()["token"] for _ in range(3)}
    assert len(keys) == 3
    for key in keys:
        assert client.get(API + "programmes/", **_auth(key)).status_code == 200


# --- expiry ---------------------------------------------------------------------------------


def test_token_expires_after_twelve_hours_without_use(client, horloge):
    user = f.es_gestionnaire()
    key = creer_jeton(user)
    horloge.shift(timedelta(hours=11))
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200
    # Used at 11 h: alive until 23 h.
    horloge.shift(timedelta(hours=11))
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200
    horloge.shift(timedelta(hours=12) - timedelta(seconds=1))  # the second before
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200
    horloge.shift(timedelta(hours=12))  # exactly 12 h after the last use
    response = client.get(API + "programmes/", **_auth(key))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "Jeton expiré" in response.json()["detail"]
    horloge.shift(timedelta(days=1))  # and after
    assert client.get(API + "programmes/", **_auth(key)).status_code == 401


def test_the_sweep_deletes_expired_tokens_and_keeps_live_ones(horloge):
    """Expired tokens are refused; the periodic sweep also removes their rows."""
    from hn.taches.echeances import balayer

    user = f.es_gestionnaire()
    creer_jeton(user, libelle="ancien")
    horloge.shift(timedelta(hours=1))
    creer_jeton(user, libelle="récent")
    horloge.shift(timedelta(hours=11) - timedelta(seconds=1))  # "ancien": the second before
    assert balayer()["jetons_expires"].traites == 0
    horloge.shift(timedelta(seconds=1))  # "ancien": exactly 12 h without use
    assert balayer()["jetons_expires"].traites == 1
    assert list(Jeton.objects.values_list("libelle", flat=True)) == ["récent"]


def test_inactivity_limit_is_a_setting(client, horloge, settings):
    settings.JETON_INACTIVITE = 3600
    key = creer_jeton(f.es_gestionnaire())
    horloge.shift(timedelta(minutes=59))
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200
    horloge.shift(timedelta(hours=1))
    assert client.get(API + "programmes/", **_auth(key)).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(client, horloge):
    key = creer_jeton(f.es_gestionnaire())
    horloge.shift(30)
    client.get(API + "programmes/", **_auth(key))
    assert Jeton.objects.get().utilise_le == T0
    horloge.shift(31)
    client.get(API + "programmes/", **_auth(key))
    assert Jeton.objects.get().utilise_le == T0 + timedelta(seconds=61)


# --- list and revoke ------------------------------------------------------------------------


def test_owner_lists_own_live_tokens_without_their_keys(client, horloge):
    user, autre = f.es_gestionnaire(), f.es_gestionnaire()
    vieux = creer_jeton(user, libelle="ancien")
    horloge.shift(timedelta(hours=13))
    key = creer_jeton(user, libelle="poste")
    creer_jeton(autre)
    body = client.get(API + "auth/tokens/", **_auth(key)).json()
    assert [j["libelle"] for j in body] == ["poste"]  # the idle one is gone
    (jeton,) = body
    assert set(jeton) == {"id", "prefixe", "libelle", "cree_le", "utilise_le", "expire_le"}
    assert jeton["prefixe"] == key[:8]
    assert jeton["expire_le"] == "2026-03-03T11:00:00+01:00"  # 22:00 UTC + 12 h, Paris time
    assert key not in str(body) and vieux not in str(body)


def test_owner_revokes_a_token_and_another_users_token_is_a_404(client):
    user, autre = f.es_gestionnaire(), f.es_gestionnaire()
    key, second = creer_jeton(user), creer_jeton(user)
    cle_autre = creer_jeton(autre)
    jeton_autre = Jeton.objects.get(user=autre)
    response = client.delete(f"{API}auth/tokens/{jeton_autre.pk}/", **_auth(key))
    assert response.status_code == 404
    assert client.get(API + "programmes/", **_auth(cle_autre)).status_code == 200

    cible = Jeton.objects.get(user=user, prefixe=second[:8])
    assert client.delete(f"{API}auth/tokens/{cible.pk}/", **_auth(key)).status_code == 204
    assert client.get(API + "programmes/", **_auth(second)).status_code == 401
    assert client.delete(f"{API}auth/tokens/{cible.pk}/", **_auth(key)).status_code == 404
    assert Evenement.objects.filter(action="jeton_revoque", acteur=user).count() == 1
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200


def test_token_routes_need_authentication(client):
    assert client.get(API + "auth/tokens/").status_code == 401
    assert client.delete(API + "auth/tokens/1/").status_code == 401


# --- the token endpoint and the second factor -----------------------------------------------


def test_token_of_an_enrolled_user_needs_a_valid_otp(client, horloge):
    user = f.ars_valideur(username="agent")
    secret, codes = activer(user)
    horloge.shift(30)
    sans = _jeton(client, "agent")
    assert sans.status_code == 401
    assert "otp" in sans.json()["detail"]
    faux = _jeton(client, "agent", otp="000000" if code_totp(secret) != "000000" else "111111")
    assert faux.status_code == 401
    assert "Code incorrect" in faux.json()["detail"]
    assert not Jeton.objects.exists()
    horloge.shift(30)
    ok = _jeton(client, "agent", otp=code_totp(secret))
    assert ok.status_code == 200
    assert client.get(API + "programmes/", **_auth(ok.json()["token"])).status_code == 200
    horloge.shift(5)
    assert _jeton(client, "agent", otp=codes[0]).status_code == 200
    horloge.shift(5)
    assert _jeton(client, "agent", otp=codes[0]).status_code == 401  # used up
    # A wrong password stays the 400 of the credentials, whatever the code.
    assert _jeton(client, "agent", password="faux", otp=codes[1]).status_code == 400


def test_token_without_mfa_needs_no_otp(client):
    f.es_gestionnaire(username="jeton")
    assert _jeton(client, "jeton").status_code == 200


# --- MFA through the API --------------------------------------------------------------------


def test_enrolment_through_the_api(client, horloge):
    user = f.es_gestionnaire(username="agent")
    key = creer_jeton(user)
    autre_cle = creer_jeton(user)
    assert client.get(API + "auth/mfa/", **_auth(key)).json() == {
        "actif": False,
        "obligatoire": False,
    }
    debut = client.post(API + "auth/mfa/totp/", **_auth(key))
    assert debut.status_code == 200
    secret, uri = debut.json()["secret"], debut.json()["otpauth_uri"]
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert unquote(parsed.path) == "/Financement HN / HOP'EN:agent"
    params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert params == {
        "secret": secret,
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
        "issuer": "Financement HN / HOP'EN",
    }

    url = API + "auth/mfa/totp/confirmer/"
    faux = client.post(url, {"code": "123"}, content_type="application/json", **_auth(key))
    assert faux.status_code == 400
    assert faux.json()["errors"]["code"][0].startswith("Code incorrect")
    user.refresh_from_db()
    assert not user.mfa_active

    horloge.shift(30)
    code = code_totp(secret)
    ok = client.post(url, {"code": code}, content_type="application/json", **_auth(key))
    assert ok.status_code == 200
    assert ok.json()["actif"] is True and len(ok.json()["codes_secours"]) == 10
    assert client.get(API + "auth/mfa/", **_auth(key)).json()["actif"] is True
    # Tokens obtained with the password alone are revoked, not the one that confirmed.
    assert client.get(API + "auth/mfa/", **_auth(autre_cle)).status_code == 401
    # Already active: no silent replacement of the device.
    assert client.post(API + "auth/mfa/totp/", **_auth(key)).status_code == 409
    again = client.post(url, {"code": code}, content_type="application/json", **_auth(key))
    assert again.status_code == 409


def test_required_but_missing_enrolment_limits_a_token_to_the_mfa_routes(client, horloge, settings):
    settings.MFA_OBLIGATOIRE = True
    f.ars_valideur(username="agent")
    key = _jeton(client, "agent").json()["token"]
    refus = client.get(API + "programmes/", **_auth(key))
    assert refus.status_code == 403
    assert "obligatoire pour votre rôle" in refus.json()["detail"]
    assert client.get(API + "auth/tokens/", **_auth(key)).status_code == 403
    assert client.get(API + "auth/mfa/", **_auth(key)).json() == {
        "actif": False,
        "obligatoire": True,
    }
    secret = client.post(API + "auth/mfa/totp/", **_auth(key)).json()["secret"]
    horloge.shift(30)
    client.post(
        API + "auth/mfa/totp/confirmer/",
        {"code": code_totp(secret)},
        content_type="application/json",
        **_auth(key),
    )
    assert client.get(API + "programmes/", **_auth(key)).status_code == 200


def test_session_enrolment_through_the_api_verifies_the_session(client, horloge, settings):
    settings.MFA_OBLIGATOIRE = True
    client.force_login(f.ars_valideur())
    assert client.get(API + "programmes/").status_code == 403
    secret = client.post(API + "auth/mfa/totp/").json()["secret"]
    horloge.shift(30)
    response = client.post(
        API + "auth/mfa/totp/confirmer/",
        {"code": code_totp(secret)},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.get(API + "programmes/").status_code == 200
