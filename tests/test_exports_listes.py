"""Every list page exports its filtered rows as CSV and XLSX (issue 19 §9): the columns of the
page's table, every row of the filter (not only the page shown), and only the caller's scope.

The envelope lists and the national synthesis: tests/enveloppes/test_exports.py."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse

from dossiers.enums import Etat
from hn.comptes.enums import Role
from hn.comptes.perms import DROIT_SAISIE
from tests import factories as f
from tests.dossiers_factories import depose, en_saisie
from tests.exports_outils import en_texte, entetes_de_la_page, fichiers

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()  # the dashboard is cached per perimeter


def _memes_lignes(csv_, xlsx):
    assert [[en_texte(v) for v in ligne] for ligne in xlsx] == csv_


# --- dossiers -----------------------------------------------------------------------------------


def test_dossier_list_exports_every_filtered_row_of_the_scope(client):
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory(ile_de_france=True)
    valideur = f.ars_valideur("84")
    with time_machine.travel(dt.datetime(2024, 3, 4, 23, 30, tzinfo=PARIS), tick=False):
        deposes = depose(etab)
    saisis = [en_saisie(f.EtablissementFactory(), valideur=valideur) for _ in range(26)]
    en_saisie(autre)  # another région's
    client.force_login(f.ars_lecteur("84"))
    url = reverse("dossiers:liste")
    html = client.get(url).content.decode()
    assert 'format=csv" download' in html and 'format=xlsx" download' in html
    entetes = [e for e in entetes_de_la_page(html, "Dossiers de votre périmètre") if e != "Export"]
    csv_, xlsx = fichiers(client, url)
    assert (
        csv_[0]
        == entetes
        == [
            "Numéro",
            "Nom",
            "Programme",
            "État",
            "Déposé le",
            "Échéance de décision",
        ]
    )
    # All 27 rows (the page shows 25), none of Île-de-France, in the page's order.
    numeros = [ligne[0] for ligne in csv_[1:]]
    assert sorted(numeros) == sorted([deposes.numero, *(d.numero for d in saisis)])
    assert numeros == sorted(numeros, reverse=True)
    _memes_lignes(csv_, xlsx)
    # A filter narrows the file; the deposit's day in Paris time (a date), its label in French.
    csv_, xlsx = fichiers(client, url, etat=Etat.DEPOSE, tri="nom")
    assert [ligne[0] for ligne in csv_[1:]] == [deposes.numero]
    assert csv_[1][3] == "Déposé" and csv_[1][4] == "04/03/2024"
    assert xlsx[1][4] == dt.datetime(2024, 3, 4) and xlsx[1][5] == dt.datetime.combine(
        deposes.echeance_decision, dt.time(0)
    )
    assert [ligne[0] for ligne in fichiers(client, url, q=saisis[0].numero)[0][1:]] == [
        saisis[0].numero
    ]


def test_an_es_exports_its_own_dossiers_only(client):
    etab = f.EtablissementFactory()
    mien = en_saisie(etab)
    en_saisie(f.EtablissementFactory())  # same région, another établissement
    en_saisie(f.EtablissementFactory(ile_de_france=True))
    client.force_login(f.es_lecteur(etab))
    csv_, xlsx = fichiers(client, reverse("dossiers:liste"))
    assert [ligne[0] for ligne in csv_[1:]] == [mien.numero]
    assert [ligne[0] for ligne in xlsx[1:]] == [mien.numero]


def test_dashboard_table_per_region_exports(client):
    en_saisie(f.EtablissementFactory())
    en_saisie(f.EtablissementFactory())
    en_saisie(f.EtablissementFactory(ile_de_france=True))
    url = reverse("dossiers:tableau")
    client.force_login(f.lecteur_national())
    html = client.get(url).content.decode()
    entetes = entetes_de_la_page(html, "Dossiers par région et par état")
    csv_, xlsx = fichiers(client, url)
    assert csv_[0] == entetes and entetes[0] == "Région" and entetes[-1] == "Total"
    lignes = {ligne[0]: ligne for ligne in csv_[1:]}
    ara, idf = f.region("84").nom, f.region("11").nom
    assert set(lignes) == {ara, idf}
    assert lignes[ara][-1] == "2" and lignes[idf][-1] == "1"
    assert lignes[ara][entetes.index(Etat.EN_SAISIE.label)] == "2"
    _memes_lignes(csv_, xlsx)
    assert isinstance(xlsx[1][-1], int)
    # An ARS of one région has no table per région: an empty file, never the others' rows.
    client.force_login(f.ars_lecteur("84"))
    csv_, xlsx = fichiers(client, url)
    assert csv_ == [entetes] and [ligne for ligne in xlsx[1:] if any(ligne)] == []


# --- établissements -----------------------------------------------------------------------------


def test_etablissements_export_filtered_rows_with_the_callers_rights(client):
    mien = f.EtablissementFactory(raison_sociale="Zèbre hôpital 0", ssr=True)
    autres = [f.EtablissementFactory(raison_sociale=f"Zèbre hôpital {i}") for i in range(1, 55)]
    f.EtablissementFactory(raison_sociale="Zèbre hôpital francilien", ile_de_france=True)
    client.force_login(f.es_gestionnaire(mien))
    url = reverse("referentiel:etablissements")
    html = client.get(url, {"q": "Zèbre"}).content.decode()
    entetes = entetes_de_la_page(html, "Établissements visibles")
    csv_, xlsx = fichiers(client, url, q="Zèbre")
    assert (
        csv_[0]
        == entetes
        == [
            "FINESS",
            "Raison sociale",
            "Région",
            "Statut",
            "Activités",
            "Vos droits",
        ]
    )
    # The ES sees its établissement only.
    assert csv_[1:] == [
        [mien.finess, "Zèbre hôpital 0", f.region("84").nom, "Public", "MCO, SSR", DROIT_SAISIE]
    ]
    _memes_lignes(csv_, xlsx)
    # An ARS: its 55 (more than the page's 50), not Île-de-France's; the filter narrows.
    client.force_login(f.ars_lecteur("84"))
    csv_, _ = fichiers(client, url, q="Zèbre")
    assert len(csv_) == 1 + 1 + len(autres)
    assert "Zèbre hôpital francilien" not in {ligne[1] for ligne in csv_}
    csv_, _ = fichiers(client, url, q=autres[3].finess)
    assert [ligne[0] for ligne in csv_[1:]] == [autres[3].finess]


# --- comptes and blocked logins -----------------------------------------------------------------


def test_accounts_export_the_administrators_scope(client):
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory(ile_de_france=True)
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab)
    lecteur = f.es_lecteur(etab, username="lea")
    lecteur.first_name, lecteur.last_name = "Léa", "Martin"
    lecteur.save()
    f.avec_role(Role.ADMINISTRATEUR, etablissement=etab, user=lecteur)
    f.es_lecteur(autre, username="paul")  # another établissement's account
    client.force_login(admin)
    url = reverse("comptes:liste")
    entetes = entetes_de_la_page(client.get(url).content.decode(), "Comptes de votre périmètre")
    csv_, xlsx = fichiers(client, url)
    assert csv_[0] == [e for e in entetes if e != "Actions"] == ["Identifiant", "Nom", "Rôles"]
    lignes = {ligne[0]: ligne for ligne in csv_[1:]}
    assert "paul" not in lignes and set(lignes) == {admin.username, "lea"}
    assert lignes["lea"][1] == "Léa Martin"
    assert sorted(lignes["lea"][2].split("\n")) == [
        f"Administrateur — {etab}",
        f"Lecteur (établissement) — {etab}",
    ]
    _memes_lignes(csv_, xlsx)


def test_blocked_logins_export_the_administrators_scope(client):
    etab = f.EtablissementFactory()
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab)
    f.es_lecteur(etab, username="bloque")
    f.es_lecteur(f.EtablissementFactory(ile_de_france=True), username="ailleurs")
    for username in ("bloque", "ailleurs"):
        AccessAttempt.objects.create(
            username=username,
            ip_address="192.0.2.10",
            user_agent="test",
            failures_since_start=10,
        )
    url = reverse("comptes:blocages")
    client.force_login(admin)
    entetes = entetes_de_la_page(client.get(url).content.decode(), "Blocages en cours")
    csv_, xlsx = fichiers(client, url)
    assert csv_[0] == [e for e in entetes if e != "Action"]
    assert [ligne[:3] for ligne in csv_[1:]] == [["bloque", "192.0.2.10", "10"]]
    assert isinstance(xlsx[1][3], dt.datetime)
    _memes_lignes(csv_, xlsx)
    client.force_login(f.superuser())
    assert {ligne[0] for ligne in fichiers(client, url)[0][1:]} == {"bloque", "ailleurs"}


# --- notifications ------------------------------------------------------------------------------


def test_notifications_export_the_readers_own_filtered(client):
    user = f.es_lecteur(f.EtablissementFactory())
    lues = f.NotificationFactory.create_batch(
        31, destinataire=user, lue_le=dt.datetime(2024, 5, 6, 8, 0, tzinfo=dt.UTC)
    )
    non_lue = f.NotificationFactory(destinataire=user, titre="=Non lue", message="À lire")
    f.NotificationFactory(titre="Celle d'un autre")
    client.force_login(user)
    url = reverse("notifications:liste")
    entetes = entetes_de_la_page(client.get(url).content.decode(), "Vos notifications")
    csv_, xlsx = fichiers(client, url)
    assert [e for e in csv_[0] if e in entetes] == [e for e in entetes if e != "Action"]
    assert csv_[0] == ["Date", "Notification", "Catégorie", "Message", "État", "Lue le"]
    assert len(csv_) == 1 + len(lues) + 1  # every row (the page shows 30)
    assert "Celle d'un autre" not in {ligne[1] for ligne in csv_}
    _memes_lignes([[c.lstrip("'") for c in ligne] for ligne in csv_], xlsx)
    csv_, xlsx = fichiers(client, url, non_lues="1")
    assert [ligne[1:] for ligne in csv_[1:]] == [["'=Non lue", "Dossier", "À lire", "Non lue", ""]]
    # A title starting like a formula stays a text in both files.
    assert xlsx[1][1] == "=Non lue" and len(xlsx) == 2
    creee_le = non_lue.creee_le.astimezone(PARIS).replace(tzinfo=None)
    assert abs(xlsx[1][0] - creee_le) < dt.timedelta(seconds=1)
    assert fichiers(client, url)[1][-1][5] == dt.datetime(2024, 5, 6, 10, 0)  # Paris time


# --- access: a file is answered only where the page is ------------------------------------------

REFUSEES_A_UN_ES = [
    "comptes:liste",
    "comptes:blocages",
    "dossiers:tableau",
    "enveloppes:liste",
    "enveloppes:syntheses",
]
LISTES = [
    *REFUSEES_A_UN_ES,
    "dossiers:liste",
    "referentiel:etablissements",
    "notifications:liste",
]


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_a_file_is_refused_where_the_page_is(client, format_):
    for nom in LISTES:
        response = client.get(reverse(nom), {"format": format_})
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(f.es_lecteur(f.EtablissementFactory()))
    for nom in REFUSEES_A_UN_ES:
        assert client.get(reverse(nom), {"format": format_}).status_code == 403, nom
    for nom in set(LISTES) - set(REFUSEES_A_UN_ES):
        assert client.get(reverse(nom), {"format": format_}).status_code == 200, nom
