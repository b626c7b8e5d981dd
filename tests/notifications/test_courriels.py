"""The e-mail outbox (hn.notifications.courriels): each pending e-mail is sent once, in French,
text + HTML, with an absolute link; a failing address is recorded and retried on the next run
without blocking the others, and given up after MAX_TENTATIVES (issue 4 §5, §6).
E-mails are asserted with Django's locmem backend (tests/conftest.py)."""

import datetime as dt
import smtplib
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction

from hn.notifications import courriels
from hn.notifications.courriels import DELAI_NOUVEL_ESSAI, MAX_TENTATIVES, envoyer
from hn.notifications.models import Notification, StatutCourriel
from tests import factories as f

pytestmark = pytest.mark.django_db

SUJET = "[Financement HN / HOP'EN] "
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def envoyer_a(minutes: float):
    """One outbox run ``minutes`` after T0."""
    with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
        return envoyer()


class BackendCapricieux(EmailBackend):
    """locmem, except that the addresses in ``settings.COURRIELS_REFUSES`` are refused by the
    server, as SMTP does. The list lives in the settings so each test sets its own."""

    def send_messages(self, messages):
        refuses = set(getattr(settings, "COURRIELS_REFUSES", ()))
        for message in messages:
            for adresse in message.to:
                if adresse in refuses:
                    raise smtplib.SMTPRecipientsRefused(
                        {adresse: (550, b"5.1.1 Mailbox unavailable")}
                    )
        return super().send_messages(messages)


@pytest.fixture
def capricieux(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BackendCapricieux"
    settings.COURRIELS_REFUSES = []
    return settings


def notification(destinataire=None, **kw):
    kw.setdefault("titre", "Dossier 84-20260105-001 déposé")
    kw.setdefault("message", "Décision attendue au plus tard le 05/05/2026.")
    kw.setdefault("lien", "/dossiers/84-20260105-001/instruction/")
    return f.NotificationFactory(destinataire=destinataire or f.UserFactory(), **kw)


def recharger(n) -> Notification:
    return Notification.objects.get(pk=n.pk)


# --- sent once ------------------------------------------------------------------------------------


def test_each_pending_email_is_sent_once():
    a, b = notification(), notification()
    bilan = envoyer()
    assert bilan.as_dict() == {"envoyes": 2, "echecs": 0, "abandonnes": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [a.destinataire.email, b.destinataire.email]
    )
    for n in (a, b):
        n = recharger(n)
        assert n.courriel_statut == StatutCourriel.ENVOYE
        assert n.courriel_envoye_le is not None
        assert n.courriel_tentatives == 0

    assert envoyer().as_dict() == {"envoyes": 0, "echecs": 0, "abandonnes": 0}
    assert len(mail.outbox) == 2


def test_notifications_without_address_or_already_sent_are_not_mailed():
    notification(destinataire=f.UserFactory(email=""), courriel_statut=StatutCourriel.SANS)
    notification(courriel_statut=StatutCourriel.ENVOYE)
    notification(courriel_statut=StatutCourriel.ECHEC)
    assert envoyer().envoyes == 0
    assert mail.outbox == []


def test_the_outbox_is_sent_batch_by_batch():
    notifications = [notification() for _ in range(7)]
    assert envoyer(lot=3).envoyes == 7
    assert len(mail.outbox) == 7
    assert not Notification.objects.courriels_a_envoyer().exists()
    assert {m.to[0] for m in mail.outbox} == {n.destinataire.email for n in notifications}


# --- the message ----------------------------------------------------------------------------------


def test_french_subject_text_and_html_with_absolute_link(settings):
    settings.SITE_URL = "https://financement-hn.example.gouv.fr/"
    destinataire = f.UserFactory(first_name="Camille", last_name="Valideur")
    notification(destinataire, message="Le CH « Saint-Jean & Sud » a déposé son dossier.")
    envoyer()
    (courriel,) = mail.outbox
    lien = "https://financement-hn.example.gouv.fr/dossiers/84-20260105-001/instruction/"

    assert courriel.subject == SUJET + "Dossier 84-20260105-001 déposé"
    assert courriel.to == [destinataire.email]
    assert courriel.from_email == settings.DEFAULT_FROM_EMAIL
    texte = courriel.body
    assert texte.startswith("Bonjour Camille Valideur,")
    assert "Dossier 84-20260105-001 déposé" in texte
    assert "Le CH « Saint-Jean & Sud » a déposé son dossier." in texte  # not HTML-escaped
    assert f"Pour consulter : {lien}" in texte
    assert "Merci de ne pas y répondre." in texte

    ((html, mimetype),) = courriel.alternatives
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    assert "Bonjour Camille Valideur," in html
    assert "Saint-Jean &amp; Sud" in html  # escaped in HTML
    assert f'<a href="{lien}"' in html
    assert "Consulter sur la plateforme" in html


def test_a_notification_without_link_has_no_link_in_its_email():
    notification(lien="")
    envoyer()
    (courriel,) = mail.outbox
    assert "Pour consulter" not in courriel.body
    assert "<a href" not in courriel.alternatives[0][0]


def test_an_account_without_name_is_greeted_by_its_username():
    notification(f.UserFactory(username="cmsi.ara", first_name="", last_name=""))
    envoyer()
    assert mail.outbox[0].body.startswith("Bonjour cmsi.ara,")


def test_a_title_with_markup_is_escaped_in_html():
    notification(titre="Dossier <b>déposé</b>")
    envoyer()
    html = mail.outbox[0].alternatives[0][0]
    assert "<b>déposé</b>" not in html
    assert "&lt;b&gt;déposé&lt;/b&gt;" in html


# --- failures: recorded, not blocking, retried, given up ------------------------------------------


def test_a_refused_address_is_recorded_and_does_not_block_the_others(capricieux):
    avant = notification()
    refuse = notification()
    apres = notification()
    capricieux.COURRIELS_REFUSES = [refuse.destinataire.email]

    bilan = envoyer()

    assert bilan.as_dict() == {"envoyes": 2, "echecs": 1, "abandonnes": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [avant.destinataire.email, apres.destinataire.email]
    )
    refuse = recharger(refuse)
    assert refuse.courriel_statut == StatutCourriel.A_ENVOYER
    assert refuse.courriel_tentatives == 1
    assert refuse.courriel_erreur.startswith("SMTPRecipientsRefused: ")
    assert "Mailbox unavailable" in refuse.courriel_erreur
    assert refuse.courriel_envoye_le is None
    assert recharger(avant).courriel_statut == StatutCourriel.ENVOYE
    assert recharger(apres).courriel_statut == StatutCourriel.ENVOYE


def test_a_failure_is_logged(capricieux, caplog):
    refuse = notification()
    capricieux.COURRIELS_REFUSES = [refuse.destinataire.email]
    envoyer()
    (record,) = [r for r in caplog.records if r.name == courriels.__name__]
    assert record.levelname == "ERROR"
    assert record.getMessage() == f"Courriel {refuse.pk} non envoyé"
    assert record.exc_info[0] is smtplib.SMTPRecipientsRefused


def test_a_failure_is_retried_by_a_later_run_and_then_sent(capricieux):
    assert dt.timedelta(minutes=5) == DELAI_NOUVEL_ESSAI
    refuse = notification()
    capricieux.COURRIELS_REFUSES = [refuse.destinataire.email]
    envoyer_a(0)
    # A run one minute later leaves it alone (it waits DELAI_NOUVEL_ESSAI)...
    assert envoyer_a(1).as_dict() == {"envoyes": 0, "echecs": 0, "abandonnes": 0}
    assert recharger(refuse).courriel_tentatives == 1
    # ... the next one tries again.
    assert envoyer_a(5).echecs == 1
    assert recharger(refuse).courriel_tentatives == 2
    assert mail.outbox == []

    capricieux.COURRIELS_REFUSES = []  # the mailbox is back
    assert envoyer_a(9).envoyes == 0  # 4 minutes after the last try
    assert envoyer_a(10).envoyes == 1
    refuse = recharger(refuse)
    assert refuse.courriel_statut == StatutCourriel.ENVOYE
    assert refuse.courriel_erreur == ""
    assert refuse.courriel_tentatives == 2
    assert [m.to for m in mail.outbox] == [[refuse.destinataire.email]]
    assert envoyer_a(60).envoyes == 0
    assert len(mail.outbox) == 1


def test_a_new_email_does_not_wait_behind_a_failing_one(capricieux):
    refuse = notification()
    capricieux.COURRIELS_REFUSES = [refuse.destinataire.email]
    envoyer_a(0)
    nouveau = notification()
    assert envoyer_a(1).as_dict() == {"envoyes": 1, "echecs": 0, "abandonnes": 0}
    assert [m.to for m in mail.outbox] == [[nouveau.destinataire.email]]


def test_after_max_attempts_the_email_is_given_up_and_the_notification_stays(capricieux, client):
    assert MAX_TENTATIVES == 5
    refuse = notification()
    capricieux.COURRIELS_REFUSES = [refuse.destinataire.email]
    bilans = [envoyer_a(5 * i).as_dict() for i in range(MAX_TENTATIVES)]
    assert bilans[:-1] == [{"envoyes": 0, "echecs": 1, "abandonnes": 0}] * (MAX_TENTATIVES - 1)
    assert bilans[-1] == {"envoyes": 0, "echecs": 1, "abandonnes": 1}
    refuse = recharger(refuse)
    assert refuse.courriel_statut == StatutCourriel.ECHEC
    assert refuse.courriel_tentatives == MAX_TENTATIVES

    # Given up: not tried again, however late.
    assert envoyer_a(24 * 60).as_dict() == {"envoyes": 0, "echecs": 0, "abandonnes": 0}
    assert recharger(refuse).courriel_tentatives == MAX_TENTATIVES

    # The in-app notification is still there, unread, on the recipient's list.
    assert refuse.lue_le is None
    client.force_login(refuse.destinataire)
    assert refuse.titre in client.get("/notifications/").content.decode()


def test_a_failure_of_the_connection_itself_is_a_failure_of_each_row(settings):
    """The SMTP server is down: every row records its attempt, none is lost."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens
    settings.EMAIL_TIMEOUT = 2
    a, b = notification(), notification()
    assert envoyer().as_dict() == {"envoyes": 0, "echecs": 2, "abandonnes": 0}
    for n in (a, b):
        n = recharger(n)
        assert n.courriel_statut == StatutCourriel.A_ENVOYER
        assert n.courriel_tentatives == 1
        assert n.courriel_erreur


# --- two workers at once (PostgreSQL) -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_by_another_worker_is_skipped():
    occupee = notification()
    libre = notification()
    verrouillee, relache = threading.Event(), threading.Event()

    def autre_worker():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=occupee.pk)
                verrouillee.set()
                relache.wait(10)
        finally:
            connection.close()

    t = threading.Thread(target=autre_worker)
    t.start()
    try:
        assert verrouillee.wait(10)
        assert envoyer().envoyes == 1
    finally:
        relache.set()
        t.join()
    assert [m.to for m in mail.outbox] == [[libre.destinataire.email]]
    assert recharger(occupee).courriel_statut == StatutCourriel.A_ENVOYER
    assert envoyer().envoyes == 1
    assert len(mail.outbox) == 2
