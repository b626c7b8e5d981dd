"""The notification pages and API (hn/notifications/views.py, api.py), the unread badge in the
header, and the operations page of the periodic tasks (hn/taches/views.py, planning.py)."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hn.notifications.models import Notification, StatutCourriel
from hn.taches.models import ExecutionTache, Statut
from hn.taches.planning import PAR_NOM, PERIODIQUES, prochaine_execution
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
LISTE = "/notifications/"
API = "/api/v1/notifications/"
BADGE = re.compile(r'id="notifications-non-lues">(\d+)<span class="fr-sr-only"> (non lues?)</span>')


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def notification(destinataire, **kw):
    return f.NotificationFactory(destinataire=destinataire, **kw)


def lue(destinataire, **kw):
    return notification(destinataire, lue_le=timezone.now(), **kw)


def html(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def badge(page: str):
    """(count, screen-reader words) of the header badge, None when absent."""
    trouve = BADGE.search(page)
    return (int(trouve.group(1)), trouve.group(2)) if trouve else None


def lignes(page: str) -> list[str]:
    tbody = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr.*?</tr>", tbody, re.S)


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_ones_own_notifications_newest_first(client):
    moi, autre = f.UserFactory(), f.UserFactory()
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False):
        notification(moi, titre="Dossier 84-20260302-001 initialisé")
    with time_machine.travel(paris(2026, 3, 4, 14, 30), tick=False):
        lue(moi, titre="Dossier 84-20260302-001 reporté par l'ARS")
    with time_machine.travel(paris(2026, 3, 3, 11, 15), tick=False):
        notification(moi, titre="Dossier 84-20260302-001 déposé")
        notification(autre, titre="Dossier 11-20260303-009 déposé")

    page = html(client, moi, LISTE)
    rangs = lignes(page)
    assert len(rangs) == 3
    assert "04/03/2026 14:30" in rangs[0]
    assert "reporté par l&#x27;ARS" in rangs[0]
    assert "Lue le 04/03/2026" in rangs[0]
    assert "hn-non-lue" not in rangs[0]
    assert "03/03/2026 11:15" in rangs[1] and "84-20260302-001 déposé" in rangs[1]
    assert "02/03/2026 09:00" in rangs[2] and "initialisé" in rangs[2]
    for rang in rangs[1:]:
        assert 'class="hn-non-lue"' in rang
        assert "Non lue" in rang
    assert "11-20260303-009" not in page
    assert badge(page)[0] == 2


def test_the_unread_filter(client):
    moi = f.UserFactory()
    notification(moi, titre="Nouvelle")
    lue(moi, titre="Ancienne")
    page = html(client, moi, LISTE + "?non_lues=1")
    assert "Nouvelle" in page
    assert "Ancienne" not in page
    assert "Toutes les notifications" in page
    page = html(client, moi, LISTE)
    assert "Ancienne" in page and "Nouvelle" in page
    assert "Seulement les non lues" in page


def test_an_empty_list(client):
    page = html(client, f.UserFactory(), LISTE)
    assert "Aucune notification." in page
    assert "Tout marquer comme lu" not in page
    assert badge(page) is None


def test_the_mark_all_button_shows_only_with_unread(client):
    moi = f.UserFactory()
    lue(moi)
    assert "Tout marquer comme lu" not in html(client, moi, LISTE)
    notification(moi)
    assert "Tout marquer comme lu" in html(client, moi, LISTE)


def test_the_list_needs_a_login(client):
    response = client.get(LISTE)
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")


def test_the_list_query_count_does_not_grow(client):
    moi = f.UserFactory()
    notification(moi)
    client.force_login(moi)
    client.get(LISTE)  # warm-up
    peu, response = count_queries(client.get, LISTE)
    assert len(response.context["page_obj"].object_list) == 1
    for i in range(29):
        (lue if i % 2 else notification)(moi)
    beaucoup, response = count_queries(client.get, LISTE)
    assert len(response.context["page_obj"].object_list) == 30
    assert beaucoup == peu


# --- marking read ---------------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    moi = f.UserFactory()
    n = notification(moi, lien="/dossiers/84-20260302-001/instruction/")
    client.force_login(moi)
    with time_machine.travel(paris(2026, 3, 5, 8, 0), tick=False):
        response = client.post(reverse("notifications:lire", args=[n.pk]))
    assert response.status_code == 302
    assert response.url == "/dossiers/84-20260302-001/instruction/"
    n.refresh_from_db()
    assert n.lue_le == paris(2026, 3, 5, 8, 0)

    # Opened again later: still read since the first time.
    client.post(reverse("notifications:lire", args=[n.pk]))
    n.refresh_from_db()
    assert n.lue_le == paris(2026, 3, 5, 8, 0)


def test_a_notification_without_link_goes_back_to_the_list(client):
    moi = f.UserFactory()
    n = notification(moi, lien="")
    client.force_login(moi)
    response = client.post(reverse("notifications:lire", args=[n.pk]))
    assert response.url == LISTE
    assert Notification.objects.get(pk=n.pk).lue
    notification(moi, lien="")  # unread, linkless: its button says what it does
    page = html(client, moi, LISTE)
    assert "Marquer comme lue<span" in page
    assert "Ouvrir<span" not in page


def test_an_external_link_is_not_followed(client):
    moi = f.UserFactory()
    n = notification(moi, lien="https://phishing.example.com/")
    client.force_login(moi)
    response = client.post(reverse("notifications:lire", args=[n.pk]))
    assert response.url == LISTE


def test_only_the_recipient_can_mark_a_notification(client):
    proprietaire, autre = f.UserFactory(), f.UserFactory()
    n = notification(proprietaire)
    client.force_login(autre)
    assert client.post(reverse("notifications:lire", args=[n.pk])).status_code == 404
    assert Notification.objects.get(pk=n.pk).lue_le is None
    client.force_login(f.pilote_national())  # the national level neither
    assert client.post(reverse("notifications:lire", args=[n.pk])).status_code == 404
    assert Notification.objects.get(pk=n.pk).lue_le is None


def test_marking_read_is_a_post(client):
    moi = f.UserFactory()
    n = notification(moi)
    client.force_login(moi)
    assert client.get(reverse("notifications:lire", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications:tout_lire")).status_code == 405
    assert Notification.objects.get(pk=n.pk).lue_le is None


def test_mark_all_read_touches_only_ones_unread(client):
    moi, autre = f.UserFactory(), f.UserFactory()
    with time_machine.travel(paris(2026, 3, 1, 9, 0), tick=False):
        deja = lue(moi)
    a, b = notification(moi), notification(moi)
    chez_autre = notification(autre)
    client.force_login(moi)
    with time_machine.travel(paris(2026, 3, 5, 8, 0), tick=False):
        response = client.post(reverse("notifications:tout_lire"))
    assert response.status_code == 302
    assert response.url == LISTE
    for n in (a, b):
        assert Notification.objects.get(pk=n.pk).lue_le == paris(2026, 3, 5, 8, 0)
    assert Notification.objects.get(pk=deja.pk).lue_le == paris(2026, 3, 1, 9, 0)
    assert Notification.objects.get(pk=chez_autre.pk).lue_le is None
    assert badge(html(client, moi, LISTE)) is None


# --- the header badge -----------------------------------------------------------------------------


def test_the_header_badge_counts_ones_unread(client):
    moi = f.es_lecteur()
    for _ in range(3):
        notification(moi)
    lue(moi)
    notification(f.UserFactory())
    page = html(client, moi, "/")
    assert badge(page) == (3, "non lues")
    assert f'href="{LISTE}">Notifications <span' in page


def test_the_header_badge_singular_then_gone(client):
    moi = f.es_lecteur()
    n = notification(moi)
    assert badge(html(client, moi, "/")) == (1, "non lue")
    n.lue_le = timezone.now()
    n.save()
    page = html(client, moi, "/")
    assert badge(page) is None
    assert 'id="notifications-non-lues"' not in page
    assert f'id="lien-notifications" href="{LISTE}">Notifications</a>' in page


def test_the_header_badge_query_count_does_not_grow(client):
    """One COUNT, whatever the number of unread notifications."""
    moi = f.es_lecteur()
    client.force_login(moi)
    client.get("/")
    sans, _ = count_queries(client.get, "/")
    for _ in range(5):
        notification(moi)
    avec, response = count_queries(client.get, "/")
    assert badge(response.content.decode())[0] == 5
    assert avec == sans


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_ones_notifications(client):
    moi = f.UserFactory()
    with time_machine.travel(paris(2026, 3, 2, 9, 0), tick=False):
        ancienne = lue(moi, titre="Ancienne", lien="")
    with time_machine.travel(paris(2026, 3, 3, 9, 0), tick=False):
        nouvelle = notification(
            moi,
            titre="Dossier 84-20260302-001 refusé implicitement",
            message="Réputé refusé.",
            categorie="refus_implicite",
            lien="/dossiers/84-20260302-001/",
        )
    notification(f.UserFactory(), titre="Pas à moi")
    client.force_login(moi)
    body = client.get(API).json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [nouvelle.pk, ancienne.pk]
    assert body["results"][0] == {
        "id": nouvelle.pk,
        "categorie": "refus_implicite",
        "titre": "Dossier 84-20260302-001 refusé implicitement",
        "message": "Réputé refusé.",
        "lien": "/dossiers/84-20260302-001/",
        "creee_le": "2026-03-03T09:00:00+01:00",
        "lue": False,
        "lue_le": None,
    }
    assert body["results"][1]["lue"] is True
    assert body["results"][1]["lue_le"] == "2026-03-02T09:00:00+01:00"

    body = client.get(API + "?non_lues=1").json()
    assert [r["id"] for r in body["results"]] == [nouvelle.pk]


def test_api_marks_read(client):
    moi = f.UserFactory()
    n = notification(moi)
    client.force_login(moi)
    with time_machine.travel(paris(2026, 3, 5, 8, 0), tick=False):
        response = client.post(f"{API}{n.pk}/lue/")
    assert response.status_code == 200
    assert response.json()["lue"] is True
    assert response.json()["lue_le"] == "2026-03-05T08:00:00+01:00"
    with time_machine.travel(paris(2026, 3, 6, 8, 0), tick=False):
        again = client.post(f"{API}{n.pk}/lue/")
    assert again.json()["lue_le"] == "2026-03-05T08:00:00+01:00"
    assert client.get(API + "?non_lues=1").json()["count"] == 0


def test_api_other_accounts_notification_is_404_and_anonymous_is_401(client):
    n = notification(f.UserFactory())
    client.force_login(f.UserFactory())
    response = client.post(f"{API}{n.pk}/lue/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=n.pk).lue_le is None
    client.logout()
    assert client.get(API).status_code == 401
    assert client.post(f"{API}{n.pk}/lue/").status_code == 401


def test_api_with_a_token(client):
    from hn.comptes.jetons import creer_jeton

    moi = f.UserFactory()
    notification(moi)
    key = creer_jeton(moi)
    response = client.get(API, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- the operations page --------------------------------------------------------------------------

OPERATIONS = "/operations/"


def test_operations_before_any_run(client):
    with time_machine.travel(paris(2026, 3, 10, 10, 7, 30), tick=False):
        page = html(client, f.lecteur_national(), OPERATIONS)
    assert "<h1>Opérations</h1>" in page
    # Issue 19: in the words of its readers, not of the code.
    assert not re.search(r"SPEC|Celery|run_deadlines", page)
    assert '<strong id="derniere-echeances">Jamais exécutée.</strong>' in page
    assert '<strong id="derniere-courriels">Jamais exécutée.</strong>' in page
    assert page.count("Aucune exécution enregistrée.") == len(PERIODIQUES)
    # Next run: the next quarter hour / five minutes from now.
    assert "Prochaine exécution : <strong>10/03/2026 10:15</strong>" in page
    assert "Prochaine exécution : <strong>10/03/2026 10:10</strong>" in page


def test_operations_after_run_deadlines(client):
    attendu = notification(f.UserFactory())  # one e-mail waiting
    echoue = notification(
        f.UserFactory(email="parti@ch-vienne.test"),
        titre="Dossier 84-20260112-001 déposé",
        courriel_statut=StatutCourriel.ECHEC,
        courriel_tentatives=5,
        courriel_erreur="SMTPRecipientsRefused: 550 Mailbox unavailable",
    )
    pilote = f.pilote_national()
    with time_machine.travel(paris(2026, 3, 10, 10, 0), tick=False):
        avant = html(client, pilote, OPERATIONS)
    assert re.search(r'id="courriels-en-attente">\s*1\s*<', avant)
    sortie = io.StringIO()
    with time_machine.travel(paris(2026, 3, 10, 10, 7, 30), tick=False):
        call_command("run_deadlines", stdout=sortie)
        page = html(client, pilote, OPERATIONS)
    assert "courriels : 1 envoyé, 0 en échec" in sortie.getvalue()

    assert (
        '<strong id="derniere-echeances">10/03/2026 10:07:30</strong> (réussie, lancée à la main'
        in (page)
    )
    assert '<strong id="derniere-courriels">Jamais exécutée.</strong>' in page
    assert "Prochaine exécution : <strong>10/03/2026 10:15</strong>" in page
    # What the run did, one line per kind, as the command prints it but named in French
    # (issue 19 point 8: no raw code, « 0 dossier », not « 0 dossier(s) »).
    assert "Courriels : 1 envoyé, 0 en échec" in page
    assert "Refus implicites : 0 dossier refusé implicitement, 0 notification, 0 erreur" in page
    assert "refus_implicite" not in page
    assert re.search(r'id="courriels-en-attente">\s*0\s*<', page)
    assert Notification.objects.get(pk=attendu.pk).courriel_statut == StatutCourriel.ENVOYE
    # The given-up e-mail is listed with its address and error.
    assert "Courriels abandonnés" in page
    assert (
        "parti@ch-vienne.test — Dossier 84-20260112-001 déposé : SMTPRecipientsRefused: 550 "
        "Mailbox unavailable" in page
    )
    assert Notification.objects.get(pk=echoue.pk).courriel_tentatives == 5  # not retried


def test_operations_lists_the_errors_of_a_partial_run(client):
    debut = paris(2026, 3, 10, 9, 45)
    ExecutionTache.objects.create(
        nom="echeances",
        mode="celery",
        debut=debut,
        fin=debut + dt.timedelta(seconds=3),
        statut=Statut.PARTIELLE,
        compteurs={"refus_implicite": {"traites": 4, "notifications": 12, "erreurs": 1}},
        erreurs=["Refus implicite du dossier 84-20260112-001 : OperationalError: verrou expiré"],
    )
    with time_machine.travel(paris(2026, 3, 10, 9, 50), tick=False):
        page = html(client, f.pilote_national(), OPERATIONS)
    assert (
        '<strong id="derniere-echeances">10/03/2026 09:45:00</strong> (réussie avec erreurs, '
        "automatique, 3,0 s)" in page
    )
    assert "Erreurs récentes" in page
    assert (
        "<li>10/03/2026 09:45 — Refus implicite du dossier 84-20260112-001 : OperationalError: "
        "verrou expiré</li>" in page
    )
    assert "Réussie avec erreurs" in page
    assert "Refus implicites : 4 dossiers refusés implicitement, 12 notifications, 1 erreur" in page
    assert "Prochaine exécution : <strong>10/03/2026 10:00</strong>" in page


def test_operations_without_errors_has_no_error_block(client):
    debut = paris(2026, 3, 10, 9, 45)
    ExecutionTache.objects.create(
        nom="echeances", mode="celery", debut=debut, fin=debut, statut=Statut.REUSSIE
    )
    page = html(client, f.pilote_national(), OPERATIONS)
    assert "Erreurs récentes" not in page


@pytest.mark.parametrize("persona", ["ars_valideur", "ars_lecteur", "es_gestionnaire"])
def test_operations_is_forbidden_below_the_national_level(client, persona):
    client.force_login(getattr(f, persona)())
    assert client.get(OPERATIONS).status_code == 403


def test_operations_needs_a_login(client):
    response = client.get(OPERATIONS)
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")


def test_operations_is_in_the_menu_of_the_national_level_only(client):
    menu = '<a class="fr-nav__link" href="/operations/" >Opérations</a>'
    assert menu in html(client, f.lecteur_national(), "/")
    assert "/operations/" not in html(client, f.ars_valideur(), "/")


# --- next run (hn/taches/planning.py) -------------------------------------------------------------

ECHEANCES, COURRIELS = PAR_NOM["echeances"], PAR_NOM["courriels"]


@pytest.mark.parametrize(
    ("tache", "derniere", "attendue"),
    [
        (ECHEANCES, paris(2026, 3, 10, 10, 7), paris(2026, 3, 10, 10, 15)),
        (COURRIELS, paris(2026, 3, 10, 10, 7), paris(2026, 3, 10, 10, 10)),
        (ECHEANCES, paris(2026, 3, 10, 10, 7, 59, 999), paris(2026, 3, 10, 10, 15)),
        # Exactly on time: the next one, not itself.
        (ECHEANCES, paris(2026, 3, 10, 10, 15), paris(2026, 3, 10, 10, 30)),
        (COURRIELS, paris(2026, 3, 10, 10, 15, 0, 500), paris(2026, 3, 10, 10, 20)),
        # Across midnight, and across the new year.
        (ECHEANCES, paris(2026, 3, 10, 23, 50), paris(2026, 3, 11, 0, 0)),
        (COURRIELS, paris(2026, 3, 10, 23, 58), paris(2026, 3, 11, 0, 0)),
        (ECHEANCES, paris(2026, 12, 31, 23, 46), paris(2027, 1, 1, 0, 0)),
        (ECHEANCES, paris(2028, 2, 28, 23, 59), paris(2028, 2, 29, 0, 0)),
        # A last run recorded in UTC (as the database returns it) is read in Paris.
        (
            ECHEANCES,
            dt.datetime(2026, 3, 10, 9, 7, tzinfo=UTC),
            paris(2026, 3, 10, 10, 15),
        ),
        # Spring forward (29/03/2026: 02:00 CET → 03:00 CEST).
        (
            ECHEANCES,
            dt.datetime(2026, 3, 29, 0, 50, tzinfo=UTC),  # 01:50 CET
            dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST
        ),
        # Fall back (25/10/2026: 03:00 CEST → 02:00 CET, 02:00-02:59 happens twice).
        (
            ECHEANCES,
            dt.datetime(2026, 10, 25, 0, 35, tzinfo=UTC),  # 02:35 CEST
            dt.datetime(2026, 10, 25, 0, 45, tzinfo=UTC),  # 02:45 CEST
        ),
        (
            ECHEANCES,
            dt.datetime(2026, 10, 25, 0, 50, tzinfo=UTC),  # 02:50 CEST
            dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # 02:00 CET, a quarter hour later
        ),
        (
            ECHEANCES,
            dt.datetime(2026, 10, 25, 1, 35, tzinfo=UTC),  # 02:35 CET, the second time
            dt.datetime(2026, 10, 25, 1, 45, tzinfo=UTC),  # 02:45 CET
        ),
        (
            COURRIELS,
            dt.datetime(2026, 10, 25, 1, 57, tzinfo=UTC),  # 02:57 CET, the second time
            dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC),  # 03:00 CET
        ),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, dt.datetime) else getattr(v, "nom", None),
)
def test_next_run(tache, derniere, attendue):
    # Compared in UTC: Python's == between zones is False for an ambiguous or skipped
    # Paris time (PEP 495), which would hide what is compared.
    prochaine = prochaine_execution(tache, derniere).astimezone(UTC)
    assert prochaine == attendue.astimezone(UTC), prochaine.astimezone(PARIS).isoformat()
    assert prochaine > derniere


def _journee(tache, jour):
    """(last run, next run) every 7 minutes of a day (in UTC), from 22:00 UTC the day before."""
    depart = dt.datetime.combine(jour, dt.time(), tzinfo=UTC) - dt.timedelta(hours=2)
    for i in range(0, 24 * 60, 7):
        derniere = depart + dt.timedelta(minutes=i)
        yield derniere, prochaine_execution(tache, derniere).astimezone(UTC)


def _paris(moment) -> str:
    return moment.astimezone(PARIS).isoformat()


JOURS = pytest.mark.parametrize(
    "jour", [dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2026, 6, 15)], ids=str
)
TACHES = pytest.mark.parametrize("tache", PERIODIQUES, ids=lambda t: t.nom)


@TACHES
@JOURS
def test_next_run_is_never_before_the_last_one(tache, jour):
    """DST changes included (29/03 and 25/10/2026)."""
    fautives = [
        f"{_paris(derniere)} -> {_paris(prochaine)}"
        for derniere, prochaine in _journee(tache, jour)
        if not prochaine > derniere
    ]
    assert fautives == []


@TACHES
@JOURS
def test_next_run_is_within_one_period_in_real_time(tache, jour):
    """A */N crontab fires every N minutes: the operations page never announces a longer
    wait, DST changes included."""
    periode = dt.timedelta(minutes=15 if tache is ECHEANCES else 5)
    fautives = [
        f"{_paris(derniere)} -> {_paris(prochaine)}"
        for derniere, prochaine in _journee(tache, jour)
        if prochaine - derniere > periode
    ]
    assert fautives == []


def test_next_run_without_any_run_is_after_now():
    with time_machine.travel(paris(2026, 3, 10, 10, 7, 30), tick=False):
        assert prochaine_execution(ECHEANCES, None) == paris(2026, 3, 10, 10, 15)
        assert prochaine_execution(COURRIELS, None) == paris(2026, 3, 10, 10, 10)
