"""The deadline sweep (SPEC §9, issue 4): implicit refusal, initialisation deadline, reminders.

Every boundary is tested the day before, the day of and the day after, with month-end clamping
(31 October + 4 months = 28 February, or 29 in a leap year) and Paris dates around midnight.
"""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from dossiers import actions
from dossiers.echeances import palier
from dossiers.enums import Etat
from dossiers.models import DemandeInitialisation, Dossier
from hn.dates import PARIS
from hn.journal.models import Evenement
from hn.notifications.models import Categorie, Notification
from hn.taches.echeances import balayer
from hn.taches.models import ExecutionTache, Statut
from tests import factories as f
from tests.candidatures.aides import valideur as cmsi
from tests.dossiers_factories import (
    accepte,
    depose,
    preselectionne,
    programme,
    reporte,
    valideur_de,
)

pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def plus(jour, jours):
    return date.fromordinal(jour.toordinal() + jours)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return balayer()


def deposited_at(moment, etablissement=None):
    with time_machine.travel(moment, tick=False):
        return depose(etablissement)


def etat(dossier):
    return Dossier.objects.get(pk=dossier.pk).etat


# --- implicit refusal -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depot", "expiry"),
    [
        (paris(2025, 10, 31, 10), date(2026, 2, 28)),  # clamped to February's last day
        (paris(2023, 10, 31, 10), date(2024, 2, 29)),  # leap year
        (paris(2026, 1, 12, 10), date(2026, 5, 12)),
        (paris(2026, 8, 31, 10), date(2026, 12, 31)),
    ],
)
def test_implicit_refusal_boundaries(depot, expiry):
    dossier = deposited_at(depot)
    assert dossier.echeance_decision == expiry

    # The day before and the day of the expiry: the ARS can still decide.
    for jour in (plus(expiry, -1), expiry):
        bilan = sweep_at(paris(jour.year, jour.month, jour.day, 23, 59))["refus_implicite"]
        assert (bilan.traites, bilan.erreurs) == (0, [])  # not even a candidate
        assert etat(dossier) == Etat.DEPOSE

    # The day after: refused, dated the expiry day.
    lendemain = plus(expiry, 1)
    bilan = sweep_at(paris(lendemain.year, lendemain.month, lendemain.day, 0, 5))
    assert bilan["refus_implicite"].traites == 1
    dossier.refresh_from_db()
    assert dossier.etat == Etat.REFUSE_IMPLICITE
    assert dossier.decide_le == expiry


def test_paris_midnight_not_utc():
    """Deposited 31/10 at 23:30 Paris (22:30 UTC): the expiry is 28/02 in Paris; the sweep at
    23:30 UTC on 28/02 is already 1 March in Paris."""
    dossier = deposited_at(datetime(2025, 10, 31, 22, 30, tzinfo=UTC))
    assert dossier.echeance_decision == date(2026, 2, 28)
    assert sweep_at(datetime(2026, 2, 28, 22, 30, tzinfo=UTC))["refus_implicite"].traites == 0
    assert sweep_at(datetime(2026, 2, 28, 23, 30, tzinfo=UTC))["refus_implicite"].traites == 1
    assert etat(dossier) == Etat.REFUSE_IMPLICITE


def test_report_stops_the_clock_and_a_new_depot_restarts_it():
    with time_machine.travel(paris(2026, 1, 12, 10), tick=False):
        dossier = reporte()
    assert dossier.echeance_decision is None
    # Long after the first dépôt's expiry (12/05): a reported dossier is not refused.
    assert sweep_at(paris(2026, 6, 1, 10))["refus_implicite"].traites == 0
    assert etat(dossier) == Etat.REPORTE

    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    with time_machine.travel(paris(2026, 6, 1, 11), tick=False):
        dossier = actions.deposer(dossier=dossier, acting_user=gestionnaire)
    assert dossier.echeance_decision == date(2026, 10, 1)
    assert sweep_at(paris(2026, 10, 1, 20))["refus_implicite"].traites == 0
    assert sweep_at(paris(2026, 10, 2, 8))["refus_implicite"].traites == 1
    dossier.refresh_from_db()
    assert (dossier.etat, dossier.decide_le) == (Etat.REFUSE_IMPLICITE, date(2026, 10, 1))


def test_decided_dossiers_are_left_alone():
    with time_machine.travel(paris(2026, 1, 12, 10), tick=False):
        accepted = accepte()
    refused = deposited_at(paris(2026, 1, 12, 10))
    with time_machine.travel(paris(2026, 3, 1, 10), tick=False):
        actions.refuser(
            dossier=refused,
            motif="prerequis",
            commentaire="Prérequis non atteints.",
            acting_user=valideur_de(refused),
        )
    due = deposited_at(paris(2026, 1, 12, 10))
    assert sweep_at(paris(2026, 5, 13, 10))["refus_implicite"].traites == 1
    assert etat(due) == Etat.REFUSE_IMPLICITE
    assert etat(refused) == Etat.REFUSE
    assert etat(accepted) == Etat.ACCEPTE


def test_refusal_is_traced_by_the_system_and_notified_to_es_and_ars():
    dossier = deposited_at(paris(2026, 1, 12, 10))
    etab = dossier.etablissement
    gestionnaire = f.es_gestionnaire(etab)
    lecteur_es = f.es_lecteur(etab)
    valideur = valideur_de(dossier)
    lecteur_ars = f.ars_lecteur(etab.region.code)
    other_region = f.ars_valideur("11")
    mail.outbox.clear()

    with time_machine.travel(paris(2026, 5, 13, 6), tick=False):
        call_command("run_deadlines", stdout=StringIO())

    trace = Evenement.objects.get(action="dossier_refuse_implicitement", objet_id=str(dossier.pk))
    assert trace.acteur is None and trace.acteur_nom == "systeme"
    assert trace.apres["refuse_le"] == "2026-05-12"

    notified = set(
        Notification.objects.filter(categorie=Categorie.REFUS_IMPLICITE).values_list(
            "destinataire__username", flat=True
        )
    )
    assert {gestionnaire.username, lecteur_es.username} <= notified
    assert {valideur.username, lecteur_ars.username} <= notified
    assert other_region.username not in notified

    message = Notification.objects.filter(destinataire=gestionnaire).get(
        categorie=Categorie.REFUS_IMPLICITE
    )
    assert "réputé refusé" in message.message
    assert "12/05/2026" in message.message
    assert "12/11/2026" in message.message  # recandidature: 6 months after the refusal date
    sent = [m for m in mail.outbox if gestionnaire.email in m.to]
    assert len(sent) == 1
    assert "refusé implicitement" in sent[0].subject


def test_es_and_ars_see_decision_reason_and_date(client):
    dossier = deposited_at(paris(2026, 1, 12, 10))
    sweep_at(paris(2026, 5, 13, 6))
    for user in (f.es_gestionnaire(dossier.etablissement), valideur_de(dossier)):
        client.force_login(user)
        data = client.get(f"/api/v1/dossiers/{dossier.numero}/").json()
        assert data["etat"] == Etat.REFUSE_IMPLICITE
        assert data["decide_le"] == "2026-05-12"
        assert data["echeance_decision"] == "2026-05-12"
        page = client.get(f"/dossiers/{dossier.numero}/historique/").content.decode()
        assert "systeme" in page or "système" in page.lower()


def test_twice_in_a_row_changes_nothing_more():
    dues = [deposited_at(paris(2026, 1, 12, 10)) for _ in range(3)]
    not_due = deposited_at(paris(2026, 1, 13, 10))
    mail.outbox.clear()
    first = sweep_at(paris(2026, 5, 13, 6))
    traces = Evenement.objects.count()
    notifications = Notification.objects.count()
    sent = len(mail.outbox)
    second = sweep_at(paris(2026, 5, 13, 7))

    assert first["refus_implicite"].traites == 3
    assert first["refus_implicite"].notifications > 0
    assert all(b.traites == 0 and b.notifications == 0 for b in second.values())
    assert Evenement.objects.count() == traces
    assert Notification.objects.count() == notifications
    assert len(mail.outbox) == sent
    assert {etat(d) for d in dues} == {Etat.REFUSE_IMPLICITE}
    assert etat(not_due) == Etat.DEPOSE


def test_a_failing_item_does_not_block_the_others_and_is_retried(monkeypatch):
    broken, fine = (deposited_at(paris(2026, 1, 12, 10)) for _ in range(2))
    real = actions.refuser_implicitement

    def flaky(*, dossier):
        if dossier.pk == broken.pk:
            raise RuntimeError("panne simulée")
        return real(dossier=dossier)

    monkeypatch.setattr(actions, "refuser_implicitement", flaky)
    bilan = sweep_at(paris(2026, 5, 13, 6))["refus_implicite"]
    assert bilan.traites == 1
    assert len(bilan.erreurs) == 1 and "panne simulée" in bilan.erreurs[0]
    assert etat(broken) == Etat.DEPOSE  # rolled back, still due
    assert etat(fine) == Etat.REFUSE_IMPLICITE
    assert not Evenement.objects.filter(
        action="dossier_refuse_implicitement", objet_id=str(broken.pk)
    ).exists()

    monkeypatch.setattr(actions, "refuser_implicitement", real)
    bilan = sweep_at(paris(2026, 5, 13, 7))["refus_implicite"]
    assert (bilan.traites, bilan.erreurs) == (1, [])
    assert etat(broken) == Etat.REFUSE_IMPLICITE


def test_run_deadlines_prints_one_line_per_kind_and_records_the_run():
    deposited_at(paris(2026, 1, 12, 10))
    out = StringIO()
    with time_machine.travel(paris(2026, 5, 13, 6), tick=False):
        call_command("run_deadlines", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[2].startswith("refus_implicite : 1 dossier refusé implicitement, ")
    assert lines[2].endswith(", 0 erreur")
    kinds = [line.split(" : ")[0] for line in lines]
    assert kinds == [
        "jetons_expires",  # issue 17 (hn.taches.menage)
        "exports",  # issue 16 (hn.taches.menage)
        "refus_implicite",
        "rappel_decision",
        "retard_initialisation",
        "rappel_initialisation",
        "analyses_antivirus",  # issue 17 (dossiers.analyse)
        "rappel_suivi",
        "retard_suivi",
        "fin_programme",
        "derogation",
        "rappel_contradictoire",  # issue 13 (audits.echeances)
        "delai_contradictoire",
        "courriels",
    ]
    run = ExecutionTache.objects.get(nom="echeances")
    assert (run.mode, run.statut) == ("commande", Statut.REUSSIE)
    assert run.compteurs["refus_implicite"]["traites"] == 1

    out = StringIO()
    with time_machine.travel(paris(2026, 5, 13, 7), tick=False):
        call_command("run_deadlines", stdout=out)
    assert out.getvalue().splitlines()[2] == (
        "refus_implicite : 0 dossier refusé implicitement, 0 notification, 0 erreur"
    )


# --- reminders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("restant", "attendu"),
    [(16, None), (15, 15), (14, 15), (8, 15), (7, 7), (1, 7), (0, 7), (-1, None)],
)
def test_palier(restant, attendu):
    echeance = date(2026, 3, 1)
    assert palier(plus(echeance, -restant), echeance) == attendu


def _reminders(dossier):
    return sorted(
        Notification.objects.filter(
            categorie=Categorie.RAPPEL, cle__startswith=f"rappel_decision:{dossier.pk}:"
        ).values_list("cle", "destinataire__username")
    )


def test_decision_reminders_15_and_7_days_before_to_the_valideurs_only():
    dossier = deposited_at(paris(2026, 1, 12, 10))  # expiry 12/05/2026
    valideur = valideur_de(dossier)
    f.ars_lecteur(dossier.etablissement.region.code)
    gestionnaire = f.es_gestionnaire(dossier.etablissement)

    assert sweep_at(paris(2026, 4, 26, 10))["rappel_decision"].traites == 0  # J-16
    assert sweep_at(paris(2026, 4, 27, 10))["rappel_decision"].traites == 1  # J-15
    assert sweep_at(paris(2026, 4, 27, 18))["rappel_decision"].traites == 0  # same day again
    assert sweep_at(paris(2026, 5, 2, 10))["rappel_decision"].traites == 0  # J-10
    assert sweep_at(paris(2026, 5, 5, 10))["rappel_decision"].traites == 1  # J-7
    assert sweep_at(paris(2026, 5, 12, 10))["rappel_decision"].traites == 0  # the day itself
    keys = _reminders(dossier)
    assert [k for k, _ in keys] == [
        f"rappel_decision:{dossier.pk}:2026-05-12:J-15",
        f"rappel_decision:{dossier.pk}:2026-05-12:J-7",
    ]
    assert {u for _, u in keys} == {valideur.username}
    assert not Notification.objects.filter(
        destinataire=gestionnaire, categorie=Categorie.RAPPEL
    ).exists()
    reminder = Notification.objects.filter(cle__endswith="J-7").get()
    assert "12/05/2026" in reminder.message


def test_a_missed_day_sends_only_the_latest_reminder():
    dossier = deposited_at(paris(2026, 1, 12, 10))
    assert sweep_at(paris(2026, 5, 7, 10))["rappel_decision"].traites == 1  # J-5
    assert [k for k, _ in _reminders(dossier)] == [f"rappel_decision:{dossier.pk}:2026-05-12:J-7"]


def test_no_reminder_for_a_reported_dossier():
    with time_machine.travel(paris(2026, 1, 12, 10), tick=False):
        dossier = reporte()
    sweep_at(paris(2026, 4, 27, 10))
    assert _reminders(dossier) == []


def test_a_new_depot_gets_new_reminders():
    with time_machine.travel(paris(2026, 1, 12, 10), tick=False):
        dossier = depose()
    sweep_at(paris(2026, 4, 27, 10))
    with time_machine.travel(paris(2026, 4, 28, 10), tick=False):
        actions.reporter(
            dossier=dossier, commentaire="À compléter.", acting_user=valideur_de(dossier)
        )
        dossier = actions.deposer(
            dossier=dossier, acting_user=f.es_gestionnaire(dossier.etablissement)
        )
    assert dossier.echeance_decision == date(2026, 8, 28)
    sweep_at(paris(2026, 8, 13, 10))
    assert [k for k, _ in _reminders(dossier)] == [
        f"rappel_decision:{dossier.pk}:2026-05-12:J-15",
        f"rappel_decision:{dossier.pk}:2026-08-28:J-15",
    ]


# --- initialisation deadline ----------------------------------------------------------------


def requested_at(moment, etablissement=None):
    etablissement = etablissement or f.EtablissementFactory()
    preselectionne(etablissement)
    with time_machine.travel(moment, tick=False):
        return actions.demander_initialisation(
            programme=programme("HOPEN"),
            etablissement=etablissement,
            acting_user=f.es_gestionnaire(etablissement),
        )


@pytest.mark.parametrize(
    ("demande_le", "echeance"),
    [
        (paris(2026, 1, 31, 10), date(2026, 3, 15)),  # 28/02 + 15 days
        (paris(2028, 1, 31, 10), date(2028, 3, 15)),  # 29/02 + 15 days (leap year)
        (paris(2026, 1, 30, 10), date(2026, 3, 15)),
        (paris(2026, 3, 31, 10), date(2026, 5, 15)),  # 30/04 + 15 days
        (paris(2026, 12, 20, 10), date(2027, 2, 4)),
    ],
)
def test_initialisation_deadline_escalated_the_day_after(demande_le, echeance):
    demande = requested_at(demande_le)
    assert demande.echeance == echeance
    # The CMSI who pre-selected the établissement's pré-candidature (HOP'EN's AMI).
    valideur = cmsi(demande.etablissement.region.code)
    pilote = f.pilote_national()
    lecteur = f.lecteur_national()
    gestionnaire = demande.demandeur

    veille, lendemain = plus(echeance, -1), plus(echeance, 1)
    for jour in (veille, echeance):
        with time_machine.travel(paris(jour.year, jour.month, jour.day, 12), tick=False):
            assert not DemandeInitialisation.objects.get(pk=demande.pk).en_retard
            assert balayer()["retard_initialisation"].traites == 0
    with time_machine.travel(paris(lendemain.year, lendemain.month, lendemain.day, 0, 5)):
        assert DemandeInitialisation.objects.get(pk=demande.pk).en_retard
        assert balayer()["retard_initialisation"].traites == 1
        assert balayer()["retard_initialisation"].traites == 0
    escalated = set(
        Notification.objects.filter(cle=f"retard_initialisation:{demande.pk}").values_list(
            "destinataire__username", flat=True
        )
    )
    assert escalated == {valideur.username, pilote.username, lecteur.username}
    assert gestionnaire.username not in escalated


def test_initialised_request_is_not_escalated():
    demande = requested_at(paris(2026, 1, 31, 10))
    valideur = f.ars_valideur(demande.etablissement.region.code)
    with time_machine.travel(paris(2026, 3, 10, 10), tick=False):
        actions.initialiser_dossier(
            programme=demande.programme,
            etablissement=demande.etablissement,
            nom="",
            acting_user=valideur,
        )
    bilans = sweep_at(paris(2026, 3, 20, 10))
    assert bilans["retard_initialisation"].traites == 0
    assert not Notification.objects.filter(cle__startswith="retard_initialisation:").exists()


def test_initialisation_reminders():
    demande = requested_at(paris(2026, 1, 31, 10))  # due 15/03/2026
    valideur = f.ars_valideur(demande.etablissement.region.code)
    assert sweep_at(paris(2026, 2, 27, 10))["rappel_initialisation"].traites == 0  # J-16
    assert sweep_at(paris(2026, 2, 28, 10))["rappel_initialisation"].traites == 1  # J-15
    assert sweep_at(paris(2026, 3, 7, 10))["rappel_initialisation"].traites == 0  # J-8
    assert sweep_at(paris(2026, 3, 8, 10))["rappel_initialisation"].traites == 1  # J-7
    assert sweep_at(paris(2026, 3, 9, 10))["rappel_initialisation"].traites == 0
    assert sorted(
        Notification.objects.filter(destinataire=valideur, categorie=Categorie.RAPPEL).values_list(
            "cle", flat=True
        )
    ) == [f"rappel_initialisation:{demande.pk}:J-15", f"rappel_initialisation:{demande.pk}:J-7"]


def test_overdue_requests_are_flagged_for_ars_and_national(client):
    demande = requested_at(paris(2026, 1, 31, 10))
    for user in (f.ars_valideur(demande.etablissement.region.code), f.pilote_national()):
        client.force_login(user)
        with time_machine.travel(paris(2026, 3, 16, 10), tick=False):
            page = client.get("/dossiers/").content.decode()
        assert "en retard" in page
    client.force_login(demande.demandeur)
    with time_machine.travel(paris(2026, 2, 1, 10), tick=False):
        page = client.get("/").content.decode()
    assert "15/03/2026" in page
