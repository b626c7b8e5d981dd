"""Second factor (issue 17 item 1): TOTP and backup codes, the login's second step, the
enrolment required of ARS, national and administrator accounts, the pages, the reset."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from hn.comptes import jetons, mfa
from hn.comptes.enums import Role
from hn.comptes.models import Jeton
from hn.journal.models import Evenement
from tests import factories as f
from tests.mfa import activer, code_totp

pytestmark = pytest.mark.django_db

# A 30-second step boundary.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def horloge():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mfa_obligatoire(settings):
    settings.MFA_OBLIGATOIRE = True


def _connecter(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 302
    return response


# --- codes ----------------------------------------------------------------------------------


def test_totp_code_is_accepted_within_its_window_then_refused(horloge):
    user = f.ars_valideur()
    secret, _ = activer(user)
    horloge.shift(60)
    code = code_totp(secret)
    # Two steps later (60 s) the code is refused: django-otp tolerates one step of drift.
    horloge.shift(60)
    assert mfa.verifier_code(user, code) is None
    horloge.shift(5)  # past the throttling delay of one failure
    code = code_totp(secret)
    horloge.shift(30)  # one step later: still accepted
    assert mfa.verifier_code(user, code) is not None
    # The same code never twice.
    horloge.shift(5)
    assert mfa.verifier_code(user, code) is None


def test_wrong_codes_are_throttled(horloge):
    user = f.ars_valideur()
    secret, _ = activer(user)
    horloge.shift(30)
    assert mfa.verifier_code(user, "000000" if code_totp(secret) != "000000" else "111111") is None
    # Right away, even the right code waits for the throttling delay.
    assert mfa.verifier_code(user, code_totp(secret)) is None
    horloge.shift(2)
    assert mfa.verifier_code(user, code_totp(secret)) is not None


def test_backup_code_works_once(horloge):
    user = f.ars_valideur()
    _, codes = activer(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa.verifier_code(user, codes[0]) is not None
    horloge.shift(5)
    assert mfa.verifier_code(user, codes[0]) is None
    horloge.shift(5)
    # Typed in capitals with spaces: the same code.
    assert mfa.verifier_code(user, f" {codes[1][:4].upper()} {codes[1][4:].upper()} ")
    assert mfa.codes_restants(user) == 8


def test_codes_of_another_user_are_refused(horloge):
    user, autre = f.ars_valideur(), f.ars_lecteur()
    _, codes = activer(user)
    activer(autre)
    horloge.shift(5)
    assert mfa.verifier_code(autre, codes[0]) is None


# --- the login's second step ------------------------------------------------------------------


def test_login_with_a_device_asks_for_the_code_before_anything(client, horloge):
    user = f.es_gestionnaire()
    secret, _ = activer(user)
    _connecter(client, user)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("mfa:verifier") + "?next=/"
    page = client.get(reverse("dossiers:liste"))
    assert page["Location"].startswith(reverse("mfa:verifier"))
    api = client.get("/api/v1/programmes/")
    assert api.status_code == 403
    assert "Double authentification requise" in api.json()["detail"]
    assert client.get(reverse("mfa:codes")).status_code == 302  # no regeneration either

    form = client.get(reverse("mfa:verifier") + "?next=/dossiers/")
    assert form.status_code == 200
    assert "Vérification en deux étapes" in form.content.decode()
    horloge.shift(30)
    refus = client.post(reverse("mfa:verifier"), {"code": "12345", "next": "/dossiers/"})
    assert refus.status_code == 200
    assert mfa.MESSAGE_CODE_INCORRECT in refus.content.decode()
    assert Evenement.objects.filter(action="mfa_echec", acteur=user).count() == 1
    assert client.get(reverse("home")).status_code == 302

    horloge.shift(30)
    cle_avant = client.session.session_key
    ok = client.post(reverse("mfa:verifier"), {"code": code_totp(secret), "next": "/dossiers/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/dossiers/"
    assert client.session.session_key != cle_avant
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/programmes/").status_code == 200


def test_second_step_accepts_a_backup_code_and_refuses_an_outside_next(client, horloge):
    user = f.es_gestionnaire()
    _, codes = activer(user)
    _connecter(client, user)
    ok = client.post(reverse("mfa:verifier"), {"code": codes[3], "next": "https://evil.example"})
    assert ok.status_code == 302
    assert ok["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_user_without_device_is_not_asked_when_mfa_is_optional(client):
    user = f.ars_valideur()
    _connecter(client, user)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("mfa:verifier")).status_code == 302


# --- required enrolment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fabrique",
    [
        f.ars_valideur,
        f.ars_lecteur,
        f.pilote_national,
        f.lecteur_national,
        f.superuser,
        lambda: f.avec_role(Role.ADMINISTRATEUR, etablissement=f.EtablissementFactory()),
    ],
)
def test_required_mfa_sends_agents_and_administrators_to_enrolment(
    client, mfa_obligatoire, fabrique
):
    user = fabrique()
    client.force_login(user)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("mfa:activer") + "?next=/"
    assert client.get(reverse("mfa:etat"))["Location"].startswith(reverse("mfa:activer"))
    api = client.get("/api/v1/programmes/")
    assert api.status_code == 403
    assert "obligatoire pour votre rôle" in api.json()["detail"]
    assert client.get(reverse("mfa:activer")).status_code == 200
    assert client.get("/api/v1/auth/mfa/").json() == {"actif": False, "obligatoire": True}


@pytest.mark.parametrize("fabrique", [f.es_gestionnaire, f.es_lecteur])
def test_required_mfa_leaves_establishment_users_free(client, mfa_obligatoire, fabrique):
    client.force_login(fabrique())
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/programmes/").status_code == 200
    assert client.get("/api/v1/auth/mfa/").json() == {"actif": False, "obligatoire": False}


def test_mfa_off_leaves_agents_free(client):
    client.force_login(f.ars_valideur())
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("env", "attendu"),
    [
        ({"DEBUG": "false"}, "True"),
        ({"DEBUG": "false", "MFA_OBLIGATOIRE": "false"}, "False"),  # what `make run` sets
        ({"DEBUG": "true"}, "False"),
        ({"HN_LOCAL": "true"}, "False"),  # the local mode of `make run`
    ],
)
def test_setting_is_on_unless_local_or_turned_off(env, attendu):
    ignores = {"DEBUG", "MFA_OBLIGATOIRE", "HN_LOCAL", "DJANGO_SETTINGS_MODULE"}
    base = {k: v for k, v in os.environ.items() if k not in ignores}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.MFA_OBLIGATOIRE)",
        ],
        cwd=settings.BASE_DIR,
        env={**base, "SECRET_KEY": "x7!Qm2#Lp9@Zr4$Tv8%Wn3^Kd6&Hs1*Bf5(Jc0)Gy_e+u-ia=o", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == attendu


# --- enrolment page -------------------------------------------------------------------------


def test_enrolment_page_shows_qr_code_and_secret_then_confirms(client, mfa_obligatoire, horloge):
    user = f.ars_valideur()
    client.force_login(user)
    page = client.get(reverse("mfa:activer") + "?next=/dossiers/")
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    secret = page.context["secret"]
    assert f'<code id="secret-totp">{secret}</code>' in html
    # Reloading keeps the secret being enrolled.
    assert client.get(reverse("mfa:activer")).context["secret"] == secret

    refus = client.post(reverse("mfa:activer"), {"code": "000000"})
    assert refus.status_code == 200
    assert mfa.MESSAGE_CODE_INCORRECT in refus.content.decode()
    user.refresh_from_db()
    assert not user.mfa_active

    horloge.shift(30)
    ok = client.post(reverse("mfa:activer"), {"code": code_totp(secret)})
    assert ok.status_code == 200
    assert len(ok.context["codes"]) == 10
    for code in ok.context["codes"]:
        assert code in ok.content.decode()
    user.refresh_from_db()
    assert user.mfa_active
    assert Evenement.objects.filter(action="mfa_activee", acteur=user).count() == 1
    # The session is verified: the platform is open.
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("mfa:activer")).status_code == 302


def test_backup_codes_page_regenerates_and_old_codes_stop_working(client, horloge):
    user = f.es_gestionnaire()
    _, anciens = activer(user)
    client.force_login(user)
    horloge.shift(30)
    client.post(reverse("mfa:verifier"), {"code": anciens[0]})
    page = client.get(reverse("mfa:codes"))
    assert page.status_code == 200
    assert page.context["codes_restants"] == 9
    assert "codes" not in page.context or not page.context["codes"]

    nouveaux = client.post(reverse("mfa:codes")).context["codes"]
    assert len(nouveaux) == 10 and not set(nouveaux) & set(anciens)
    assert Evenement.objects.filter(action="mfa_codes_regeneres", acteur=user).count() == 1
    horloge.shift(5)
    assert mfa.verifier_code(user, anciens[1]) is None
    horloge.shift(5)
    assert mfa.verifier_code(user, nouveaux[0]) is not None


def test_state_page(client, horloge):
    user = f.es_gestionnaire()
    client.force_login(user)
    assert "facultative" in client.get(reverse("mfa:etat")).content.decode()
    _, codes = activer(user)
    client.post(reverse("mfa:verifier"), {"code": codes[0]})
    html = client.get(reverse("mfa:etat")).content.decode()
    assert "est active" in html and '<strong id="codes-restants">9</strong>' in html


# --- reset by a scope's administrator -------------------------------------------------------


def test_scope_administrator_resets_a_device_traced(client, horloge):
    valideur = f.ars_valideur("84")
    secret, _ = activer(valideur)
    jetons.creer_jeton(valideur)
    admin = f.avec_role(Role.ADMINISTRATEUR, region=f.region("84"))
    client.force_login(admin)
    url = reverse("comptes:reinitialiser_mfa", args=[valideur.username])
    assert "Réinitialiser" in client.get(url).content.decode()
    liste = client.get(reverse("comptes:liste")).content.decode()
    assert url in liste

    response = client.post(url)
    assert response.status_code == 302
    valideur.refresh_from_db()
    assert not valideur.mfa_active
    assert not Jeton.objects.filter(user=valideur).exists()
    horloge.shift(30)
    assert mfa.verifier_code(valideur, code_totp(secret)) is None
    trace = Evenement.objects.get(action="mfa_reinitialisee")
    assert trace.acteur == admin
    assert trace.objet_id == str(valideur.pk)
    assert trace.region == f.region("84")


def test_reset_outside_the_scope_is_a_404_and_for_non_administrators_a_403(client, horloge):
    valideur = f.ars_valideur("84")
    activer(valideur)
    url = reverse("comptes:reinitialiser_mfa", args=[valideur.username])
    client.force_login(f.avec_role(Role.ADMINISTRATEUR, region=f.region("11")))
    assert client.post(url).status_code == 404
    client.force_login(f.ars_lecteur("84"))
    assert client.post(url).status_code == 403
    valideur.refresh_from_db()
    assert valideur.mfa_active
    assert not Evenement.objects.filter(action="mfa_reinitialisee").exists()


# --- logout ---------------------------------------------------------------------------------


def test_logout_ends_the_session(client):
    user = f.es_gestionnaire()
    _connecter(client, user)
    cle = client.session.session_key
    assert Session.objects.filter(session_key=cle).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=cle).exists()
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
