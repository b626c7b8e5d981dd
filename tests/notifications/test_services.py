"""hn.notifications.services: an event is notified once per recipient, in the caller's
transaction; its e-mail is queued after the commit, or left to the sweep inside ``en_lot()``;
a broker that is down never breaks the request (issue 4 §5, §6)."""

import logging

import pytest
from kombu.exceptions import OperationalError

from hn.comptes.destinataires import (
    ROLES_ARS,
    comptes_etablissement,
    comptes_nationaux,
    comptes_region,
)
from hn.notifications import services
from hn.notifications.models import Categorie, Notification, StatutCourriel
from hn.notifications.services import en_lot, notifier, programmer_envoi
from hn.notifications.tasks import envoyer_courriels
from tests import factories as f

pytestmark = pytest.mark.django_db


def notifier_test(destinataires, cle="evenement:test", **kw):
    return notifier(
        cle=cle,
        destinataires=destinataires,
        categorie=kw.pop("categorie", Categorie.DOSSIER),
        titre=kw.pop("titre", "Dossier 84-20260105-001 déposé"),
        message=kw.pop("message", "Décision attendue au plus tard le 05/05/2026."),
        lien=kw.pop("lien", "/dossiers/84-20260105-001/instruction/"),
    )


# --- once per event and recipient -----------------------------------------------------------------


def test_an_event_is_notified_once_per_recipient():
    alice, bruno = f.UserFactory(), f.UserFactory()
    assert notifier_test([alice, bruno]) == 2
    assert notifier_test([alice, bruno]) == 0
    assert Notification.objects.filter(cle="evenement:test").count() == 2
    n = Notification.objects.get(destinataire=alice)
    assert (n.categorie, n.titre, n.message, n.lien) == (
        "dossier",
        "Dossier 84-20260105-001 déposé",
        "Décision attendue au plus tard le 05/05/2026.",
        "/dossiers/84-20260105-001/instruction/",
    )
    assert n.lue_le is None
    assert n.courriel_statut == StatutCourriel.A_ENVOYER
    assert n.courriel_tentatives == 0


def test_a_new_recipient_of_an_already_notified_event_gets_it_alone():
    alice, bruno = f.UserFactory(), f.UserFactory()
    notifier_test([alice])
    assert notifier_test([alice, bruno]) == 1
    assert list(
        Notification.objects.filter(cle="evenement:test")
        .order_by("destinataire_id")
        .values_list("destinataire_id", flat=True)
    ) == sorted([alice.pk, bruno.pk])


def test_the_same_recipient_listed_twice_gets_one_notification():
    alice = f.UserFactory()
    assert notifier_test([alice, alice]) == 1
    assert Notification.objects.count() == 1


def test_another_event_is_another_notification():
    alice = f.UserFactory()
    assert notifier_test([alice], cle="evenement:1") == 1
    assert notifier_test([alice], cle="evenement:2") == 1
    assert alice.notifications.count() == 2


def test_no_recipient_creates_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notifier_test([]) == 0
    assert not Notification.objects.exists()
    assert callbacks == []


def test_a_long_title_is_cut_to_the_column():
    alice = f.UserFactory()
    notifier_test([alice], titre="T" * 250)
    assert Notification.objects.get().titre == "T" * 200


def test_a_concurrent_writer_of_the_same_event_wins_and_the_count_says_so(monkeypatch):
    """Another worker inserts the same event for one recipient between the check and the
    insert: nothing is doubled and the returned count is what this call created."""
    alice, bruno = f.UserFactory(), f.UserFactory()
    real_filter = Notification.objects.filter

    class Seen:
        def __init__(self, ids):
            self.ids = ids

        def values_list(self, *args, **kwargs):
            return self.ids

    def check_then_concurrent_insert(*args, **kwargs):
        monkeypatch.setattr(Notification.objects, "filter", real_filter)
        seen = list(real_filter(*args, **kwargs).values_list("destinataire_id", flat=True))
        # Committed by another worker after this call's check, before its insert.
        Notification.objects.create(destinataire=alice, cle="evenement:test", categorie="dossier")
        return Seen(seen)

    monkeypatch.setattr(Notification.objects, "filter", check_then_concurrent_insert)
    cree = notifier_test([alice, bruno])
    assert Notification.objects.filter(cle="evenement:test").count() == 2
    assert cree == 1


# --- e-mail status --------------------------------------------------------------------------------


def test_a_recipient_without_email_gets_the_notification_without_email():
    avec = f.UserFactory()
    sans = f.UserFactory(email="")
    notifier_test([avec, sans])
    assert Notification.objects.get(destinataire=avec).courriel_statut == "a_envoyer"
    assert Notification.objects.get(destinataire=sans).courriel_statut == "sans"
    assert list(Notification.objects.courriels_a_envoyer()) == [
        Notification.objects.get(destinataire=avec)
    ]


# --- who: active accounts holding the role in the scope -------------------------------------------


def test_inactive_accounts_are_not_recipients():
    etablissement = f.EtablissementFactory()
    actif = f.es_gestionnaire(etablissement)
    parti = f.es_lecteur(etablissement)
    parti.is_active = False
    parti.save()
    valideur = f.ars_valideur("84")
    valideur_parti = f.ars_valideur("84")
    valideur_parti.is_active = False
    valideur_parti.save()
    pilote = f.pilote_national()
    pilote_parti = f.lecteur_national()
    pilote_parti.is_active = False
    pilote_parti.save()

    assert list(comptes_etablissement(etablissement)) == [actif]
    assert list(comptes_region(etablissement.region)) == [valideur]
    assert list(comptes_nationaux()) == [pilote]


def test_recipients_are_the_roles_of_the_scope_only():
    etablissement = f.EtablissementFactory()
    gestionnaire = f.es_gestionnaire(etablissement)
    lecteur = f.es_lecteur(etablissement)
    f.es_gestionnaire()  # another établissement
    valideur = f.ars_valideur("84")
    lecteur_ars = f.ars_lecteur("84")
    f.ars_auditeur("84")
    f.ars_valideur("11")
    pilote = f.pilote_national()
    lecteur_nat = f.lecteur_national()

    assert set(comptes_etablissement(etablissement)) == {gestionnaire, lecteur}
    assert set(comptes_region(etablissement.region)) == {valideur}
    assert set(comptes_region(etablissement.region, roles=ROLES_ARS)) == {
        valideur,
        lecteur_ars,
    }
    assert set(comptes_nationaux()) == {pilote, lecteur_nat}


# --- queueing the e-mails -------------------------------------------------------------------------


def test_the_email_task_is_queued_once_after_commit(django_capture_on_commit_callbacks):
    alice, bruno = f.UserFactory(), f.UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        notifier_test([alice, bruno])
    assert callbacks == [programmer_envoi]


def test_nothing_is_queued_when_nothing_new_or_no_email(django_capture_on_commit_callbacks):
    alice = f.UserFactory()
    notifier_test([alice])
    with django_capture_on_commit_callbacks() as callbacks:
        notifier_test([alice])  # already notified
        notifier_test([f.UserFactory(email="")], cle="evenement:autre")  # no address
    assert callbacks == []


def test_en_lot_counts_and_queues_nothing(django_capture_on_commit_callbacks):
    alice, bruno = f.UserFactory(), f.UserFactory()
    with django_capture_on_commit_callbacks() as callbacks, en_lot() as lot:
        notifier_test([alice, bruno], cle="evenement:1")
        notifier_test([alice], cle="evenement:2")
        notifier_test([alice, bruno], cle="evenement:1")  # nothing new
    assert lot.nombre == 3
    assert callbacks == []
    assert Notification.objects.courriels_a_envoyer().count() == 3


def test_en_lot_ends_with_its_block(django_capture_on_commit_callbacks):
    with en_lot() as lot:
        notifier_test([f.UserFactory()], cle="evenement:1")
    with django_capture_on_commit_callbacks() as callbacks:
        notifier_test([f.UserFactory()], cle="evenement:2")
    assert lot.nombre == 1
    assert callbacks == [programmer_envoi]


def test_nested_en_lot_counts_in_the_inner_block_and_restores_the_outer():
    with en_lot() as dehors:
        notifier_test([f.UserFactory()], cle="evenement:1")
        with en_lot() as dedans:
            notifier_test([f.UserFactory()], cle="evenement:2")
        notifier_test([f.UserFactory()], cle="evenement:3")
    assert (dehors.nombre, dedans.nombre) == (2, 1)


def test_en_lot_is_left_even_when_its_block_raises(django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), en_lot():
        raise RuntimeError("boom")
    with django_capture_on_commit_callbacks() as callbacks:
        notifier_test([f.UserFactory()])
    assert callbacks == [programmer_envoi]


def test_after_commit_the_outbox_is_sent(django_capture_on_commit_callbacks, mailoutbox):
    alice = f.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifier_test([alice])
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert Notification.objects.get().courriel_statut == StatutCourriel.ENVOYE


# --- the broker is down ---------------------------------------------------------------------------


def test_broker_down_the_request_goes_on_and_the_email_waits(
    monkeypatch, caplog, django_capture_on_commit_callbacks, mailoutbox
):
    appels = []

    def broker_en_panne(*args, **kwargs):
        appels.append(1)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(envoyer_courriels, "delay", broker_en_panne)
    alice = f.UserFactory()
    with (
        caplog.at_level(logging.WARNING, logger=services.__name__),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifier_test([alice]) == 1
    assert appels == [1]
    avertissements = [r for r in caplog.records if r.name == services.__name__]
    assert [r.levelno for r in avertissements] == [logging.WARNING]
    assert "prochain passage" in avertissements[0].getMessage()
    assert avertissements[0].exc_info[0] is OperationalError
    notification = Notification.objects.get()
    assert notification.courriel_statut == StatutCourriel.A_ENVOYER
    assert notification.courriel_tentatives == 0
    assert mailoutbox == []


def test_broker_up_programmer_envoi_queues_the_task(monkeypatch):
    appels = []
    monkeypatch.setattr(envoyer_courriels, "delay", lambda *a, **k: appels.append((a, k)))
    programmer_envoi()
    assert appels == [((), {})]
