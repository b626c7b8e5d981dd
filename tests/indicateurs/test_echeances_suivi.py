"""Deadlines of the follow-up, swept by ``hn.taches.echeances.balayer`` [SPEC §5, §9]:
reminders before each report's due date (J-15, J-7) to the ES gestionnaire, overdue reports
flagged to the ES and the ARS valideurs, and the end of the programme (HOP'EN: targets before
01/01/2023; HN: before 31/12/2017) closing, as the system, the domaines still "sélectionné"
of the dossiers accepted before it (a domaine at "cibles atteintes" keeps its funding to be
notified), and the dossier when none is funded or at target.
Every boundary the day before, the day of and the day after; every kind run twice."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from dossiers import actions
from dossiers.enums import Etat
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.comptes.enums import Role
from hn.comptes.models import Attribution
from hn.journal.models import SYSTEME, Evenement
from hn.notifications.models import Categorie, Notification
from hn.taches.echeances import balayer
from indicateurs import clotures, suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a
from tests.indicateurs.aides import D2, D3

pytestmark = pytest.mark.django_db

ACCEPTE_LE = (2021, 3, 1)  # first report due 01/09/2021 (HOP'EN ends on 01/01/2023)


def balayer_le(*jour):
    with a.le(*jour):
        return balayer()


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return balayer()


def cles(prefixe) -> list[tuple[str, str]]:
    return [(n.cle, n.destinataire.username) for n in a.notifications(prefixe)]


@pytest.fixture
def dossier():
    return a.accepte_le(ACCEPTE_LE)


@pytest.fixture
def monde(dossier):
    etab = dossier.etablissement
    return {
        "gestionnaire": a.gestionnaire_de(dossier).username,
        "valideur": d.valideur_de(dossier).username,
        "es_lecteur": f.es_lecteur(etab, username="es-lecteur").username,
        "ars_lecteur": f.ars_lecteur(etab.region.code, username="ars-lecteur").username,
        "autre_cmsi": f.ars_valideur("11", username="cmsi-ile-de-france").username,
        "pilote": f.pilote_national(username="pilote").username,
    }


# --- reminders and overdue reports ---------------------------------------------------------------


def test_reminders_j15_and_j7_to_the_es_gestionnaire_only(dossier, monde):
    cle = f"rappel_suivi:{dossier.pk}:2021-09-01"
    assert balayer_le(2021, 8, 16)["rappel_suivi"].traites == 0  # J-16
    assert cles("rappel_suivi:") == []

    bilan = balayer_le(2021, 8, 17)["rappel_suivi"]  # J-15
    assert (bilan.traites, bilan.notifications, bilan.erreurs) == (1, 1, [])
    assert cles("rappel_suivi:") == [(f"{cle}:J-15", monde["gestionnaire"])]
    [rappel] = Notification.objects.filter(cle=f"{cle}:J-15")
    assert rappel.categorie == Categorie.RAPPEL
    assert rappel.titre == f"Dossier {dossier.numero} : rapport de suivi attendu d'ici 15 jours"
    assert rappel.message == (
        f"Le rapport de suivi du dossier « {dossier.nom} » est attendu au plus tard le "
        "01/09/2021 : valeurs des indicateurs, avancement par domaine, budget et ressources "
        "humaines engagés."
    )
    assert rappel.lien == f"/dossiers/{dossier.numero}/suivi/"

    for jour in ((2021, 8, 17), (2021, 8, 18), (2021, 8, 24)):  # same day again, J-14, J-8
        assert balayer_le(*jour)["rappel_suivi"].traites == 0
    assert balayer_le(2021, 8, 25)["rappel_suivi"].traites == 1  # J-7
    assert balayer_le(2021, 8, 25)["rappel_suivi"].traites == 0
    for jour in ((2021, 8, 31), (2021, 9, 1)):  # the day before, the due date itself
        bilans = balayer_le(*jour)
        assert (bilans["rappel_suivi"].traites, bilans["retard_suivi"].traites) == (0, 0)
    assert cles("rappel_suivi:") == [
        (f"{cle}:J-15", monde["gestionnaire"]),
        (f"{cle}:J-7", monde["gestionnaire"]),
    ]


def test_a_missed_sweep_catches_up_with_the_latest_palier(dossier):
    assert balayer_le(2021, 8, 22)["rappel_suivi"].traites == 1  # J-10: the J-15 reminder
    assert balayer_le(2021, 8, 30)["rappel_suivi"].traites == 1  # J-2: the J-7 one
    assert [c for c, _ in cles("rappel_suivi:")] == [
        f"rappel_suivi:{dossier.pk}:2021-09-01:J-15",
        f"rappel_suivi:{dossier.pk}:2021-09-01:J-7",
    ]


def test_an_overdue_report_is_flagged_once_to_the_es_and_the_ars_valideurs(dossier, monde):
    bilan = balayer_le(2021, 9, 2)["retard_suivi"]
    assert (bilan.traites, bilan.notifications, bilan.erreurs) == (1, 2, [])
    cle = f"retard_suivi:{dossier.pk}:2021-09-01"
    assert cles("retard_suivi:") == sorted([(cle, monde["gestionnaire"]), (cle, monde["valideur"])])
    retard = Notification.objects.filter(cle=cle).first()
    assert retard.categorie == Categorie.RETARD
    assert retard.titre == f"Dossier {dossier.numero} : rapport de suivi en retard"
    assert retard.message == (
        f"Le rapport de suivi du dossier « {dossier.nom} » de "
        f"{dossier.etablissement.raison_sociale} était attendu le 01/09/2021 : il n'a pas été "
        "déposé."
    )
    # Run twice, and the following days: nothing more.
    for jour in ((2021, 9, 2), (2021, 9, 3), (2021, 12, 1)):
        assert balayer_le(*jour)["retard_suivi"].traites == 0
    assert Notification.objects.filter(cle__startswith="retard_suivi:").count() == 2


def test_the_due_date_is_the_paris_date(dossier):
    """23:30 UTC on 01/09 is already 02/09 in Paris: the report is late."""
    assert sweep_at(dt.datetime(2021, 9, 1, 21, 30, tzinfo=dt.UTC))["retard_suivi"].traites == 0
    assert sweep_at(dt.datetime(2021, 9, 1, 22, 30, tzinfo=dt.UTC))["retard_suivi"].traites == 1


def test_a_report_moves_the_reminders_to_one_period_after_its_filing(dossier):
    """Filed on 20/08/2021 (due 01/09/2021), the report makes the next one due on 20/02/2022:
    the reminders and the overdue flag follow that date, and 01/09/2021 is never flagged."""
    balayer_le(2021, 8, 17)
    a.rapport(dossier, (2021, 8, 20), valeurs_=a.valeurs(dossier, P1_1=10))
    assert balayer_le(2021, 9, 2)["retard_suivi"].traites == 0
    assert balayer_le(2022, 2, 4)["rappel_suivi"].traites == 0  # J-16 of 20/02/2022
    assert balayer_le(2022, 2, 5)["rappel_suivi"].traites == 1  # J-15
    assert balayer_le(2022, 2, 13)["rappel_suivi"].traites == 1  # J-7
    assert [c for c, _ in cles("rappel_suivi:")] == [
        f"rappel_suivi:{dossier.pk}:2021-09-01:J-15",
        f"rappel_suivi:{dossier.pk}:2022-02-20:J-15",
        f"rappel_suivi:{dossier.pk}:2022-02-20:J-7",
    ]
    assert balayer_le(2022, 2, 20)["retard_suivi"].traites == 0  # the due date itself
    assert balayer_le(2022, 2, 21)["retard_suivi"].traites == 1
    assert sorted({c for c, _ in cles("retard_suivi:")}) == [
        f"retard_suivi:{dossier.pk}:2022-02-20"
    ]


def test_no_reminder_once_every_domaine_is_funded_or_closed():
    dossier = a.accepte_le(ACCEPTE_LE)
    valideur = d.valideur_de(dossier)
    a.rapport(dossier, (2021, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))  # due 20/02/2022
    with a.le(2021, 8, 25):
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
    # D3 still open: reminded.
    assert balayer_le(2022, 2, 5)["rappel_suivi"].traites == 1
    with a.le(2022, 2, 6):
        clotures.clore_domaine(
            dossier=dossier,
            domaine="D3",
            motif="cibles_inatteignables",
            commentaire="Abandon.",
            acting_user=valideur,
        )
    assert a.suivis(dossier) == {"D2": "finance", "D3": "clos"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    avant = Notification.objects.filter(cle__startswith="rappel_suivi:").count()
    for jour in ((2022, 2, 13), (2022, 2, 21), (2022, 9, 2)):
        bilans = balayer_le(*jour)
        assert (bilans["rappel_suivi"].traites, bilans["retard_suivi"].traites) == (0, 0)
    assert Notification.objects.filter(cle__startswith="rappel_suivi:").count() == avant
    assert not Notification.objects.filter(cle__startswith="retard_suivi:").exists()


def test_no_reminder_for_a_closed_dossier(dossier):
    with a.le(2021, 5, 2):
        actions.clore(
            dossier=dossier,
            motif="demande_etablissement",
            commentaire="Abandon.",
            acting_user=d.valideur_de(dossier),
        )
    for jour in ((2021, 8, 17), (2021, 9, 2)):
        bilans = balayer_le(*jour)
        assert (bilans["rappel_suivi"].traites, bilans["retard_suivi"].traites) == (0, 0)


# --- end of the programme ---------------------------------------------------------------------


@pytest.fixture
def fin_hopen():
    """Two HOP'EN dossiers on 31/12/2022:
    - ``partiel``: D2 funded, D3 still awaiting its targets, 50 000 € amorçage on D3 paid;
    - ``ouvert``: D3 only, 30 000 € amorçage decided, not paid."""
    partiel = a.accepte_le(ACCEPTE_LE, amorcage={"D3": 50_000})
    valideur = d.valideur_de(partiel)
    with a.le(2022, 3, 15):
        suivi.verser(dossier=partiel, domaine="D3", volet="amorcage", acting_user=valideur)
    a.rapport(partiel, (2022, 8, 20), valeurs_=a.valeurs(partiel, D3_1=10))
    with a.le(2022, 8, 25):
        suivi.notifier_financement(dossier=partiel, domaine="D2", acting_user=valideur)
    ouvert = a.accepte_le(ACCEPTE_LE, selectionnes=("D3",), amorcage={"D3": 30_000})
    return partiel, ouvert


def test_programme_end_hopen_nothing_before_01_01_2023(fin_hopen):
    partiel, ouvert = fin_hopen
    avant = a.compte()
    bilan = balayer_le(2022, 12, 31, 23, 59)["fin_programme"]
    assert (bilan.traites, bilan.erreurs) == (0, [])
    assert a.suivis(partiel) == {"D2": "finance", "D3": "selectionne"}
    assert a.suivis(ouvert) == {"D3": "selectionne"}
    assert a.compte()[:1] == avant[:1]  # no ledger line


def test_programme_end_hopen_closes_the_open_domaines_as_the_system(fin_hopen):
    partiel, ouvert = fin_hopen
    f.pilote_national(username="pilote")
    lignes_avant = {x.pk: len(a.lignes(x)) for x in (partiel, ouvert)}
    bilan = balayer_le(2023, 1, 1, 0, 5)["fin_programme"]
    assert (bilan.traites, bilan.erreurs) == (2, [])

    # The funded domaine is untouched; the other is closed without funding.
    assert a.suivis(partiel) == {"D2": "finance", "D3": "clos"}
    assert a.suivis(ouvert) == {"D3": "clos"}
    commentaire = (
        "Fin du programme HOPEN : cibles à atteindre avant le 01/01/2023, non atteintes. "
        "Domaine clos sans financement."
    )
    for dossier in (partiel, ouvert):
        dd = a.domaine(dossier, "D3")
        assert (dd.motif_cloture, dd.commentaire_cloture, dd.clos_le) == (
            "fin_programme",
            commentaire,
            dt.date(2023, 1, 1),
        )
    assert a.domaine(partiel, "D2").motif_cloture == ""
    # The dossier with a funded domaine stays accepted; the other is closed.
    partiel, ouvert = a.recharger(partiel), a.recharger(ouvert)
    assert partiel.etat == Etat.ACCEPTE
    assert (ouvert.etat, ouvert.motif_cloture, ouvert.clos_le) == (
        Etat.CLOS,
        "fin_programme",
        dt.date(2023, 1, 1),
    )

    # Money: the engagement released, the paid amorçage due back, the unpaid one cancelled.
    assert [(n, c, m) for n, c, m, _ in a.lignes(partiel)[lignes_avant[partiel.pk] :]] == [
        (Nature.LIBERATION, "D3", D3 - 50_000),
        (Nature.REMBOURSEMENT_AMORCAGE_DU, "D3", D(50_000)),
    ]
    assert [(n, c, m) for n, c, m, _ in a.lignes(ouvert)[lignes_avant[ouvert.pk] :]] == [
        (Nature.AMORCAGE_ANNULE, "D3", D(30_000)),
        (Nature.LIBERATION, "D3", D3),
    ]
    systeme = MouvementEnveloppe.objects.filter(date=dt.date(2023, 1, 1))
    assert {m.acteur for m in systeme} == {None}
    assert a.par_domaine(partiel)["D2"].usage_notifie == D2  # funded: untouched
    assert a.situation(partiel).engage == D2 + 50_000

    # Traced as the system, with the motif, under the programme's end own actions (not the
    # ARS's "domaine_clos" / "dossier_clos").
    for dossier in (partiel, ouvert):
        [trace] = a.traces(dossier, "domaine_clos_fin_programme")
        assert (trace.acteur, trace.acteur_nom) == (None, SYSTEME)
        assert trace.apres == {"domaine": "D3", "motif": "fin_programme"}
        assert trace.commentaire == commentaire
        assert a.traces(dossier, "domaine_clos") == []
        assert a.traces(dossier, "dossier_clos") == []
    assert a.traces(partiel, "dossier_clos_fin_programme") == []
    [clos] = a.traces(ouvert, "dossier_clos_fin_programme")
    assert (clos.acteur, clos.acteur_nom) == (None, SYSTEME)
    assert (clos.avant, clos.apres) == (
        {"etat": "accepte"},
        {"etat": "clos", "motif": "fin_programme"},
    )
    assert clos.commentaire == commentaire
    assert ouvert.commentaire_ars_decision == commentaire
    assert {e.acteur_nom for e in Evenement.objects.filter(action="enveloppe_liberation")} == {
        SYSTEME
    }


def test_the_programme_end_is_told_to_the_es_the_ars_valideurs_and_the_national_level(
    fin_hopen,
):
    """SPEC §9: the tasks act as "système". The ES, the ARS valideurs and the national level
    read that the programme's end closed the domaine (and the dossier), not the ARS; the ARS
    readers and another région's CMSI are not told."""
    _partiel, ouvert = fin_hopen
    etab = ouvert.etablissement
    gestionnaire = a.gestionnaire_de(ouvert).username
    f.es_lecteur(etab, username="es-lecteur")
    f.ars_lecteur(etab.region.code, username="ars-lecteur")
    f.ars_valideur("11", username="cmsi-ile-de-france")
    f.pilote_national(username="pilote")
    f.lecteur_national(username="lecteur-national")
    balayer_le(2023, 1, 1)
    valideurs = set(
        Attribution.objects.filter(region=etab.region, role=Role.ARS_VALIDEUR).values_list(
            "user__username", flat=True
        )
    )
    assert d.valideur_de(ouvert).username in valideurs
    tous = {gestionnaire, "es-lecteur", *valideurs, "pilote", "lecteur-national"}
    commentaire = (
        "Fin du programme HOPEN : cibles à atteindre avant le 01/01/2023, non atteintes. "
        "Domaine clos sans financement."
    )

    [domaine] = a.traces(ouvert, "domaine_clos_fin_programme")
    assert a.destinataires(domaine) == tous
    notifications = a.notifications(f"evenement:{domaine.pk}")
    assert {n.titre for n in notifications} == {
        f"Dossier {ouvert.numero} : domaine D3 clos (fin du programme)"
    }
    assert {n.message for n in notifications} == {
        f"Le programme est terminé sans que les cibles du domaine D3 du dossier « {ouvert.nom} "
        f"» de {etab.raison_sociale} soient atteintes : {commentaire} L'engagement est "
        "libéré ; l'amorçage versé est à rembourser."
    }
    assert {n.lien for n in notifications} == {f"/dossiers/{ouvert.numero}/suivi/"}

    [dossier] = a.traces(ouvert, "dossier_clos_fin_programme")
    assert a.destinataires(dossier) == tous
    notifications = a.notifications(f"evenement:{dossier.pk}")
    assert {n.titre for n in notifications} == {f"Dossier {ouvert.numero} clos (fin du programme)"}
    assert {n.message for n in notifications} == {
        f"Le dossier « {ouvert.nom} » de {etab.raison_sociale} est clos à la fin du programme, "
        f"sans financement des domaines dont les cibles ne sont pas atteintes : {commentaire}"
    }
    for n in [*a.notifications(f"evenement:{domaine.pk}"), *notifications]:
        assert "L'ARS" not in n.message, n.message


def test_programme_end_is_idempotent(fin_hopen):
    balayer_le(2023, 1, 1)
    avant = a.compte()
    for jour in ((2023, 1, 1), (2023, 1, 2), (2023, 6, 30)):
        bilans = balayer_le(*jour)
        assert bilans["fin_programme"].traites == 0
        assert bilans["fin_programme"].erreurs == []
    assert a.compte()[:2] == avant[:2]  # no ledger line, no trace


def test_programme_end_is_the_paris_date(fin_hopen):
    """23:30 UTC on 31/12/2022 is 00:30 on 01/01/2023 in Paris."""
    assert sweep_at(dt.datetime(2022, 12, 31, 22, 30, tzinfo=dt.UTC))["fin_programme"].traites == 0
    assert sweep_at(dt.datetime(2022, 12, 31, 23, 30, tzinfo=dt.UTC))["fin_programme"].traites == 2


def test_programme_end_spares_a_domaine_whose_targets_are_met():
    """SPEC §5: at the programme's end only the domaines still "sélectionné" are closed. A
    domaine whose report showed every target met before 01/01/2023 ("cibles atteintes") keeps
    its funding to be notified, after the end too (the ES met its commitment in time); while
    it waits, the dossier is not closed."""
    dossier = a.accepte_le(ACCEPTE_LE)
    a.rapport(dossier, (2022, 12, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "selectionne"}
    lignes_avant = len(a.lignes(dossier))
    assert balayer_le(2023, 1, 1)["fin_programme"].traites == 1
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "clos"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert [t.apres["domaine"] for t in a.traces(dossier, "domaine_clos_fin_programme")] == ["D3"]
    assert a.traces(dossier, "dossier_clos_fin_programme") == []
    assert [(n, c) for n, c, _, _ in a.lignes(dossier)[lignes_avant:]] == [
        (Nature.LIBERATION, "D3")
    ]
    assert a.par_domaine(dossier)["D2"].engage == D2
    assert balayer_le(2023, 1, 2)["fin_programme"].traites == 0
    with a.le(2023, 1, 10):
        suivi.notifier_financement(
            dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
        )
    assert a.suivis(dossier) == {"D2": "finance", "D3": "clos"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE


def test_programme_end_leaves_a_dossier_whose_domaines_all_met_their_targets():
    dossier = a.accepte_le(ACCEPTE_LE)
    a.rapport(dossier, (2022, 12, 20))
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "cibles_atteintes"}
    avant = a.compte()
    assert balayer_le(2023, 1, 1)["fin_programme"].traites == 0
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "cibles_atteintes"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert a.compte() == avant


@pytest.mark.parametrize(
    ("accepte_le", "clos"),
    [
        ((2022, 12, 31), True),  # the day before the end
        ((2022, 12, 31, 23, 30), True),  # 22:30 UTC, 31/12 in Paris
        ((2023, 1, 1, 0, 30), False),  # 23:30 UTC on 31/12, but 01/01 in Paris: the end date
        ((2023, 1, 2), False),
    ],
)
def test_programme_end_concerns_the_dossiers_accepted_before_it(accepte_le, clos):
    """Targets are due before 01/01/2023: only a dossier accepted before that date lived the
    programme's end; one accepted on it or later (made-up data, such as the demo) is left
    alone, by that sweep and by the following ones."""
    dossier = a.accepte_le(accepte_le)
    jour = max((2023, 1, 3), accepte_le[:3])
    bilan = balayer_le(*jour)["fin_programme"]
    assert (bilan.traites, bilan.erreurs) == (int(clos), [])
    if clos:
        assert a.suivis(dossier) == {"D2": "clos", "D3": "clos"}
        assert a.recharger(dossier).etat == Etat.CLOS
    else:
        assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
        assert a.recharger(dossier).etat == Etat.ACCEPTE
        assert a.traces(dossier, "domaine_clos_fin_programme") == []
    assert balayer_le(2023, 6, 30)["fin_programme"].traites == 0


def test_programme_end_hn_on_31_12_2017():
    dossier = a.accepte_le(
        (2016, 6, 1),
        a.etablissement_hn(),
        code="HN",
        selectionnes=("D2", "D4"),
        amorcage={"D4": 20_000},
    )
    valideur = d.valideur_de(dossier)
    with a.le(2016, 6, 15):
        suivi.verser(dossier=dossier, domaine="D4", volet="amorcage", acting_user=valideur)
    assert balayer_le(2017, 12, 30, 23, 59)["fin_programme"].traites == 0
    assert a.suivis(dossier) == {"D2": "selectionne", "D4": "selectionne"}
    bilan = balayer_le(2017, 12, 31, 0, 5)["fin_programme"]
    assert (bilan.traites, bilan.erreurs) == (1, [])
    assert a.suivis(dossier) == {"D2": "clos", "D4": "clos"}
    dossier = a.recharger(dossier)
    assert (dossier.etat, dossier.motif_cloture, dossier.clos_le) == (
        Etat.CLOS,
        "fin_programme",
        dt.date(2017, 12, 31),
    )
    assert a.domaine(dossier, "D2").commentaire_cloture == (
        "Fin du programme HN : cibles à atteindre avant le 31/12/2017, non atteintes. "
        "Domaine clos sans financement."
    )
    s = a.situation(dossier)
    assert (s.engage, s.remboursement_du) == (D(20_000), D(20_000))  # HN: amorçage repayable
    assert balayer_le(2018, 1, 2)["fin_programme"].traites == 0


def test_programme_end_of_one_programme_leaves_the_other_alone(fin_hopen):
    _partiel, ouvert = fin_hopen
    balayer_le(2017, 12, 31)  # HN's end: HOP'EN dossiers untouched
    assert a.suivis(ouvert) == {"D3": "selectionne"}
    assert a.recharger(ouvert).etat == Etat.ACCEPTE
