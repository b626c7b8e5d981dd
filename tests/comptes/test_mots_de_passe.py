"""Passwords (issue 17): validators at account creation, self-service change, reset by e-mail
with no account enumeration and an expiring single-use link; all traced."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from hn.comptes import actions
from hn.comptes.enums import Role
from hn.comptes.jetons import creer_jeton
from hn.comptes.models import Jeton, User
from hn.journal.models import Evenement
from tests import factories as f

pytestmark = pytest.mark.django_db

NOUVEAU = "Cheval-Agrafe-Batterie-42"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("claire.martin", "trop semblable"),
        ("Ab3!x", "trop court"),
        ("motdepasse", "trop courant"),
        ("8264931750", "entièrement numérique"),
    ],
    ids=["identifiant", "court", "courant", "numerique"],
)
def test_la_creation_de_compte_refuse_un_mot_de_passe_faible(client, password, message):
    etab = f.EtablissementFactory()
    client.force_login(f.avec_role(Role.ADMINISTRATEUR, etablissement=etab))
    response = client.post(
        reverse("comptes:creer"),
        {
            "username": "claire.martin",
            "email": "claire@exemple.fr",
            "password": password,
            "perimetre": "etablissement",
            "finess": etab.finess,
            "role": Role.ES_LECTEUR,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="claire.martin").exists()


def test_l_action_de_creation_valide_aussi_le_mot_de_passe():
    with pytest.raises(actions.RoleError, match="trop semblable"):
        actions.creer_compte(
            username="claire.martin",
            email="claire@exemple.fr",
            first_name="",
            last_name="",
            password="claire.martin",
            role=Role.NATIONAL_LECTEUR,
            acting_user=f.superuser(),
        )
    assert not User.objects.filter(username="claire.martin").exists()


def test_un_mot_de_passe_solide_est_accepte_a_la_creation(client):
    etab = f.EtablissementFactory()
    client.force_login(f.avec_role(Role.ADMINISTRATEUR, etablissement=etab))
    response = client.post(
        reverse("comptes:creer"),
        {
            "username": "claire.martin",
            "email": "claire@exemple.fr",
            "password": NOUVEAU,
            "perimetre": "etablissement",
            "finess": etab.finess,
            "role": Role.ES_LECTEUR,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="claire.martin").check_password(NOUVEAU)


def test_changer_son_mot_de_passe(client):
    user = f.ars_valideur("84")
    client.force_login(user)
    assert "Changer mon mot de passe" in client.get(reverse("home")).content.decode()
    url = reverse("comptes:changer_mot_de_passe")
    mauvais = client.post(
        url, {"old_password": "faux", "new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )
    assert mauvais.status_code == 200
    assert "ancien mot de passe est incorrect" in mauvais.content.decode()
    faible = client.post(
        url,
        {
            "old_password": f.PASSWORD,
            "new_password1": user.username,
            "new_password2": user.username,
        },
    )
    assert faible.status_code == 200
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)
    creer_jeton(user)
    response = client.post(
        url, {"old_password": f.PASSWORD, "new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NOUVEAU)
    # Still signed in on this browser; the API tokens of the old password are revoked.
    assert client.get(reverse("home")).status_code == 200
    assert not Jeton.objects.filter(user=user).exists()
    assert Evenement.objects.filter(action="mot_de_passe_modifie", acteur=user).exists()


def test_changer_son_mot_de_passe_demande_d_etre_connecte(client):
    response = client.get(reverse("comptes:changer_mot_de_passe"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _demander(client, email):
    return client.post(reverse("comptes:mot_de_passe_oublie"), {"email": email}, follow=True)


def test_reinitialiser_par_courriel(client, settings):
    settings.SITE_URL = "https://hn.exemple.fr"
    user = f.ars_valideur("84")
    for _ in range(10):
        client.post(reverse("login"), {"username": user.username, "password": "mauvais"})
    assert AccessAttempt.objects.filter(username=user.username).exists()
    assert "Mot de passe oublié" in client.get(reverse("login")).content.decode()
    response = _demander(client, user.email.upper())
    assert response.redirect_chain[-1][0] == reverse("login")
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert courriel.to == [user.email]
    assert "Choisir votre mot de passe" in courriel.subject
    lien = re.search(r"https://hn\.exemple\.fr(/\S+)", courriel.body).group(1)
    page = client.get(lien, follow=True)
    assert page.status_code == 200
    formulaire = page.redirect_chain[-1][0]
    faible = client.post(formulaire, {"new_password1": "12345678", "new_password2": "12345678"})
    assert faible.status_code == 200
    assert "entièrement numérique" in faible.content.decode()
    creer_jeton(user)  # perhaps obtained by whoever knew the old password
    response = client.post(formulaire, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NOUVEAU)
    assert Evenement.objects.filter(action="mot_de_passe_demande", objet_id=str(user.pk)).exists()
    assert Evenement.objects.filter(action="mot_de_passe_reinitialise", acteur=user).exists()
    # The login block is lifted by the reset.
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert not Jeton.objects.filter(user=user).exists()
    # Single use.
    assert "plus valable" in client.get(lien, follow=True).content.decode()


def test_pas_d_enumeration_des_comptes(client):
    user = f.es_gestionnaire()
    existe = _demander(client, user.email)
    inconnu = _demander(client, "personne@exemple.fr")
    assert len(mail.outbox) == 1

    def texte(response):
        html = response.content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert existe.redirect_chain == inconnu.redirect_chain
    assert texte(existe) == texte(inconnu)


def test_le_lien_expire(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    user = f.es_gestionnaire()
    debut = dt.datetime(2026, 3, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    with time_machine.travel(debut, tick=False) as machine:
        _demander(client, user.email)
        lien = re.search(r"https?://\S+?(/comptes/\S+)", mail.outbox[0].body).group(1)
        machine.shift(dt.timedelta(minutes=61))
        page = client.get(lien, follow=True).content.decode()
    assert "plus valable" in page
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


def test_un_compte_cree_sans_mot_de_passe_choisit_le_sien(client):
    user = actions.creer_compte(
        username="nouveau",
        email="nouveau@exemple.fr",
        first_name="",
        last_name="",
        password=None,
        role=Role.NATIONAL_LECTEUR,
        acting_user=f.superuser(),
    )
    assert not user.has_usable_password()
    _demander(client, "nouveau@exemple.fr")
    assert len(mail.outbox) == 1


def test_un_compte_desactive_ne_recoit_rien(client):
    user = f.es_gestionnaire()
    User.objects.filter(pk=user.pk).update(is_active=False)
    _demander(client, user.email)
    assert mail.outbox == []
