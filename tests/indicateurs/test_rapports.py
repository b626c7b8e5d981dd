"""Follow-up reports filed by the ES [SPEC §5; 000 A4 §1, A6 §3; 003 A4]: who files them, on
which dossiers, their validation (French messages per field, nothing written on error), the
next due date, immutability, and the per-domaine "cibles atteintes" they establish."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from dossiers import actions
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.enums import Etat
from hn.comptes.enums import Role
from hn.journal.models import SYSTEME
from indicateurs import suivi
from indicateurs.models import AvancementSuivi, RapportImmuable, RapportSuivi, ValeurSuivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a

pytestmark = pytest.mark.django_db

ACCEPTE_LE = (2022, 3, 1)  # first report due on 01/09/2022 (default frequency: 6 months)


@pytest.fixture
def dossier():
    return a.accepte_le(ACCEPTE_LE)


# --- who files, on which dossiers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    [
        lambda dossier: f.es_lecteur(dossier.etablissement),
        lambda dossier: d.valideur_de(dossier),
        lambda dossier: f.ars_lecteur(dossier.etablissement.region.code),
        lambda dossier: f.es_gestionnaire(),  # another établissement's gestionnaire
        lambda dossier: f.pilote_national(),
    ],
    ids=["lecteur ES", "valideur ARS", "lecteur ARS", "gestionnaire d'un autre ES", "pilote"],
)
def test_only_the_es_gestionnaire_files_a_report(dossier, persona):
    user = persona(dossier)
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(PermissionDenied) as exc:
        suivi.deposer_rapport(dossier=dossier, data=a.donnees(dossier), acting_user=user)
    assert str(exc.value) == "Seul le gestionnaire de l'établissement dépose les rapports."
    assert a.compte() == avant
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 9, 1)


def test_the_gestionnaire_files_a_report_with_everything_it_declares(dossier):
    gestionnaire = a.gestionnaire_de(dossier)
    rapport = a.rapport(
        dossier,
        (2022, 8, 20),
        arrete_le="2022-08-15",
        budget_engage="1 234,56",  # French input
        etp_engages="3,5",
        commentaire="  Bascule du DPI en cours.  ",
        avancements={"D3": {"avancement": "etude", "commentaire": " Choix de l'éditeur. "}},
    )
    rapport = RapportSuivi.objects.get(pk=rapport.pk)
    assert (rapport.rang, rapport.arrete_le, rapport.attendu_le) == (
        1,
        dt.date(2022, 8, 15),
        dt.date(2022, 9, 1),
    )
    assert (rapport.budget_engage, rapport.etp_engages) == (D("1234.56"), D("3.5"))
    assert (rapport.commentaire, rapport.depose_par) == ("Bascule du DPI en cours.", gestionnaire)
    avancements = {
        x.domaine_dossier.domaine.code: (x.avancement, x.commentaire)
        for x in rapport.avancements.select_related("domaine_dossier__domaine")
    }
    assert avancements == {
        "D2": ("deploiement", ""),
        "D3": ("etude", "Choix de l'éditeur."),
    }


def test_the_report_keeps_the_prerequis_and_the_followed_domaines_indicators_only(dossier):
    rapport = a.rapport(dossier, (2022, 8, 20))
    programme = dossier.programme
    attendus = {
        i.code
        for i in programme.indicateurs.all()
        if i.prerequis_id is not None or i.domaine.code in ("D2", "D3")
    }
    assert set(rapport.valeurs.values_list("indicateur__code", flat=True)) == attendus
    assert not any(c.startswith(("D1.", "D4.", "D5.", "D6.", "D7.")) for c in attendus)


@pytest.mark.parametrize(
    "dossier_hors_suivi",
    [
        lambda: d.depose(a.etablissement()),
        lambda: d.selection(a.etablissement()),
        lambda: d.reporte(a.etablissement()),
        lambda: d.refuse(a.etablissement()),
    ],
    ids=["déposé", "sélectionné non accepté", "reporté", "refusé"],
)
def test_reports_only_on_accepted_dossiers(dossier_hors_suivi):
    with a.le(*ACCEPTE_LE):
        dossier = dossier_hors_suivi()
    etat = a.recharger(dossier).get_etat_display()
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(TransitionRefusee) as exc:
        suivi.deposer_rapport(
            dossier=dossier, data=a.donnees(dossier), acting_user=a.gestionnaire_de(dossier)
        )
    assert exc.value.message == (
        f"Impossible de déposer un rapport de suivi : le dossier est « {etat} » ; le suivi "
        "concerne les dossiers acceptés."
    )
    assert a.compte() == avant


def test_no_report_on_a_closed_dossier(dossier):
    with a.le(2022, 5, 2):
        actions.clore(
            dossier=dossier,
            motif="demande_etablissement",
            commentaire="Projet abandonné.",
            acting_user=d.valideur_de(dossier),
        )
    with a.le(2022, 8, 20), pytest.raises(TransitionRefusee) as exc:
        suivi.deposer_rapport(
            dossier=dossier, data=a.donnees(dossier), acting_user=a.gestionnaire_de(dossier)
        )
    assert exc.value.etat == Etat.CLOS
    assert "le dossier est « Clos »" in exc.value.message
    assert not RapportSuivi.objects.exists()


# --- validation ----------------------------------------------------------------------------------


def test_every_invalid_field_is_reported_in_french_and_nothing_is_written(dossier):
    valeurs = a.valeurs(dossier)
    del valeurs["P1.1"]  # missing
    valeurs["P1.3"] = {"valeur": "150"}  # above 100
    valeurs["D2.2"] = {"valeur": "-1"}  # negative
    valeurs["D3.1"] = {"valeur": "beaucoup"}  # not a number
    valeurs["D3.2"] = {"valeur": ""}  # empty
    data = a.donnees(
        dossier,
        valeurs_=valeurs,
        arrete_le="2022-08-21",  # tomorrow
        etp_engages="deux",
    )
    del data["budget_engage"]
    data["avancements"]["D3"] = {"avancement": "presque fini"}
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        suivi.deposer_rapport(dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier))
    assert exc.value.message == "Le rapport de suivi est incomplet ou invalide."
    assert exc.value.errors == {
        "arrete_le": ["Les valeurs ne peuvent pas être datées du futur."],
        "budget_engage": ["Indiquez le budget engagé."],
        "etp_engages": ["Saisissez un nombre."],
        "valeurs.P1.1": ["Indiquez la valeur de l'indicateur P1.1."],
        "valeurs.P1.3": ["Une valeur d'indicateur est comprise entre 0 et 100."],
        "valeurs.D2.2": ["Saisissez un nombre positif."],
        "valeurs.D3.1": ["Saisissez un nombre."],
        "valeurs.D3.2": ["Indiquez la valeur de l'indicateur D3.2."],
        "avancements.D3": ["Indiquez l'état d'avancement du domaine D3."],
    }
    assert a.compte() == avant
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 9, 1)
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}


@pytest.mark.parametrize(
    ("saisie", "stockee", "erreur"),
    [
        ("0", D("0"), None),
        ("100", D("100"), None),
        ("12,5", D("12.5"), None),
        (" 99.99 ", D("99.99"), None),
        ("100.01", None, "Une valeur d'indicateur est comprise entre 0 et 100."),
        ("12.345", None, "Deux décimales au plus."),
        ("0,001", None, "Deux décimales au plus."),
        ("-0.01", None, "Saisissez un nombre positif."),
        ("NaN", None, "Saisissez un nombre positif."),
        ("Infinity", None, "Saisissez un nombre positif."),
    ],
)
def test_indicator_values_are_between_0_and_100(dossier, saisie, stockee, erreur):
    valeurs = a.valeurs(dossier, D2_3={"valeur": saisie})
    if erreur is None:
        rapport = a.rapport(dossier, (2022, 8, 20), valeurs_=valeurs)
        assert rapport.valeurs.get(indicateur__code="D2.3").valeur == stockee
        return
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        suivi.deposer_rapport(
            dossier=dossier,
            data=a.donnees(dossier, valeurs_=valeurs),
            acting_user=a.gestionnaire_de(dossier),
        )
    assert exc.value.errors == {"valeurs.D2.3": [erreur]}


@pytest.mark.parametrize(
    ("arrete_le", "attendu"),
    [
        ("2022-08-20", dt.date(2022, 8, 20)),
        ("2022-03-01", dt.date(2022, 3, 1)),
        (dt.date(2022, 8, 19), dt.date(2022, 8, 19)),
        ("", dt.date(2022, 8, 20)),  # left blank: today
        (None, dt.date(2022, 8, 20)),
        ("2022-08-21", "Les valeurs ne peuvent pas être datées du futur."),
        ("20/08/2022", "Saisissez une date (AAAA-MM-JJ)."),
        ("hier", "Saisissez une date (AAAA-MM-JJ)."),
    ],
)
def test_values_are_dated_today_or_before(dossier, arrete_le, attendu):
    data = a.donnees(dossier, arrete_le=arrete_le)
    with a.le(2022, 8, 20):
        if isinstance(attendu, dt.date):
            rapport = suivi.deposer_rapport(
                dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
            )
            assert RapportSuivi.objects.get(pk=rapport.pk).arrete_le == attendu
            return
        with pytest.raises(DossierError) as exc:
            suivi.deposer_rapport(
                dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
            )
    assert exc.value.errors == {"arrete_le": [attendu]}


def test_values_default_to_today_in_paris(dossier):
    """23:30 UTC on 19/08 is already 20/08 in Paris: values dated 20/08 are not in the future,
    and a report without ``arrete_le`` is dated 20/08."""
    data = a.donnees(dossier, arrete_le="2022-08-20")
    with a.le(2022, 8, 20, 1, 30):
        rapport = suivi.deposer_rapport(
            dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
        )
        assert rapport.arrete_le == dt.date(2022, 8, 20)
        rapport = a.rapport(dossier)
    assert rapport.arrete_le == dt.date(2022, 8, 20)


def test_an_oversized_amount_is_a_french_error_not_a_database_error(dossier):
    """``budget_engage`` is a 12-digit field (10 before the decimal point), ``etp_engages`` a
    6-digit one: a figure that does not fit is refused with the field's message, before the
    database."""
    data = a.donnees(dossier, budget_engage="1e12", etp_engages="10000")
    avant = a.compte()
    with a.le(2022, 8, 20), transaction.atomic(), pytest.raises(DossierError) as exc:
        suivi.deposer_rapport(dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier))
    assert exc.value.errors == {
        "budget_engage": ["La valeur ne peut dépasser 9999999999.99."],
        "etp_engages": ["La valeur ne peut dépasser 9999.99."],
    }
    assert a.compte() == avant


@pytest.mark.parametrize(
    ("budget", "etp", "erreurs"),
    [
        ("9999999999.99", "9999.99", {}),  # the largest figures that fit
        (
            "10000000000",
            "9999.99",
            {"budget_engage": ["La valeur ne peut dépasser 9999999999.99."]},
        ),
        ("9999999999.99", "9999.991", {"etp_engages": ["Deux décimales au plus."]}),
        ("9999999999.999", "1", {"budget_engage": ["Deux décimales au plus."]}),
        (
            "1234,567",
            "10000.01",
            {
                "budget_engage": ["Deux décimales au plus."],
                "etp_engages": ["La valeur ne peut dépasser 9999.99."],
            },
        ),
        (
            "-1",
            "-0.5",
            {
                "budget_engage": ["Saisissez un nombre positif."],
                "etp_engages": ["Saisissez un nombre positif."],
            },
        ),
    ],
    ids=[
        "maxima",
        "budget trop grand",
        "ETP millièmes",
        "budget millièmes",
        "les deux",
        "négatifs",
    ],
)
def test_budget_and_etp_bounds_and_decimals(dossier, budget, etp, erreurs):
    data = a.donnees(dossier, budget_engage=budget, etp_engages=etp)
    avant = a.compte()
    with a.le(2022, 8, 20):
        if not erreurs:
            rapport = suivi.deposer_rapport(
                dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
            )
            rapport = RapportSuivi.objects.get(pk=rapport.pk)
            assert (rapport.budget_engage, rapport.etp_engages) == (D(budget), D(etp))
            return
        with pytest.raises(DossierError) as exc:
            suivi.deposer_rapport(
                dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
            )
    assert exc.value.errors == erreurs
    assert a.compte() == avant


def test_a_value_with_more_than_two_decimals_is_refused_not_rounded(dossier):
    """A value is stored with two decimals: 89.999 would become 90.00, the P1.1 target, and
    the domaines would be judged on a figure the ES did not declare. It is refused instead,
    and nothing is written."""
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        a.rapport(dossier, valeurs_=a.valeurs(dossier, P1_1="89.999"))
    assert exc.value.errors == {"valeurs.P1.1": ["Deux décimales au plus."]}
    assert a.compte() == avant
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}


# --- rang and next due date ---------------------------------------------------------------------


def test_rang_increments_and_the_next_report_is_due_one_period_after_the_filing_day(dossier):
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 9, 1)
    premier = a.rapport(dossier, (2022, 8, 20))
    assert (premier.rang, premier.attendu_le) == (1, dt.date(2022, 9, 1))
    # Filed early: the next one is due six months after the filing, not after 01/09/2022.
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 2, 20)
    # Filed late: six months after the filing again, not after the date it answered, nor
    # after the date of its values.
    second = a.rapport(dossier, (2023, 3, 10), arrete_le="2023-02-28")
    assert (second.rang, second.attendu_le) == (2, dt.date(2023, 2, 20))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 9, 10)
    troisieme = a.rapport(dossier, (2023, 9, 10))
    assert (troisieme.rang, troisieme.attendu_le) == (3, dt.date(2023, 9, 10))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2024, 3, 10)
    assert [t.apres["rapport"] for t in a.traces(dossier, "rapport_suivi_depose")] == [1, 2, 3]
    assert [t.apres["prochain_rapport_le"] for t in a.traces(dossier, "rapport_suivi_depose")] == [
        "2023-02-20",
        "2023-09-10",
        "2024-03-10",
    ]


@pytest.mark.parametrize(
    ("depose_le", "prochain"),
    [
        ((2022, 3, 2), dt.date(2022, 9, 2)),  # the day after the acceptance
        ((2022, 8, 20), dt.date(2023, 2, 20)),  # early
        ((2022, 9, 1), dt.date(2023, 3, 1)),  # on the due date
        ((2022, 10, 15), dt.date(2023, 4, 15)),  # late, within the next period
        ((2023, 2, 28), dt.date(2023, 8, 28)),
        ((2023, 3, 1), dt.date(2023, 9, 1)),  # a whole period late
        ((2023, 4, 15), dt.date(2023, 10, 15)),
        ((2022, 8, 31), dt.date(2023, 2, 28)),  # month-end clamping
        ((2023, 8, 31), dt.date(2024, 2, 29)),  # leap year
    ],
)
def test_the_next_report_is_due_one_period_after_the_filing_day(dossier, depose_le, prochain):
    rapport = a.rapport(dossier, depose_le)
    assert rapport.attendu_le == dt.date(2022, 9, 1)
    assert a.recharger(dossier).prochain_rapport_le == prochain
    [trace] = a.traces(dossier, "rapport_suivi_depose")
    assert trace.apres["prochain_rapport_le"] == prochain.isoformat()


def test_the_filing_day_is_the_paris_date(dossier):
    """22:30 UTC on 31/08/2022 is 00:30 on 01/09 in Paris: the filing day is 01/09, so the
    next report is due on 01/03/2023 (not on 28/02/2023, from the UTC date 31/08)."""
    with a.le(2022, 9, 1, 0, 30):
        a.rapport(dossier)
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 3, 1)


def test_the_frequency_set_by_the_ars_drives_the_next_due_date(dossier):
    valideur = d.valideur_de(dossier)
    # No report yet: the decision date (01/03/2022) + 3 months.
    with a.le(2022, 4, 1):
        suivi.fixer_frequence(dossier=dossier, mois=3, acting_user=valideur)
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 6, 1)
    # A report: its filing day + 3 months (not the date of its values).
    a.rapport(dossier, (2022, 5, 20), arrete_le="2022-05-10")
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 8, 20)
    trace = a.traces(dossier, "frequence_suivi_fixee")[0]
    assert trace.avant == {"frequence_suivi": 6, "prochain": "2022-09-01"}
    assert trace.apres == {"frequence_suivi": 3, "prochain": "2022-06-01"}
    # A new frequency after a report: the last filing day (20/05/2022, values at 10/05) + the
    # new frequency, whenever the ARS sets it.
    with a.le(2022, 7, 1):
        suivi.fixer_frequence(dossier=dossier, mois=2, acting_user=valideur)
    dossier = a.recharger(dossier)
    assert (dossier.frequence_suivi, dossier.prochain_rapport_le) == (2, dt.date(2022, 7, 20))
    trace = a.traces(dossier, "frequence_suivi_fixee")[1]
    assert trace.avant == {"frequence_suivi": 3, "prochain": "2022-08-20"}
    assert trace.apres == {"frequence_suivi": 2, "prochain": "2022-07-20"}
    # The following report counts the new frequency from its own filing day.
    a.rapport(dossier, (2022, 7, 25))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 9, 25)


def test_the_frequency_counts_from_the_decision_date_without_any_report(dossier):
    """Set long after the acceptance (01/03/2022), the frequency still counts from the
    decision date, not from the day the ARS sets it — even when that date is already past
    (the first report is then overdue)."""
    with a.le(2022, 8, 30):
        suivi.fixer_frequence(dossier=dossier, mois=4, acting_user=d.valideur_de(dossier))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 7, 1)


def test_the_frequency_counts_from_the_paris_filing_day_of_the_last_report(dossier):
    """The last report was filed at 22:30 UTC on 31/05/2022, i.e. on 01/06 in Paris."""
    with a.le(2022, 6, 1, 0, 30):
        a.rapport(dossier)
    with a.le(2022, 6, 10):
        suivi.fixer_frequence(dossier=dossier, mois=3, acting_user=d.valideur_de(dossier))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2022, 9, 1)


@pytest.mark.parametrize("mois", [0, 7, 12, -1, "abc", None, ""])
def test_the_frequency_is_at_least_semi_annual(dossier, mois):
    avant = a.compte()
    with a.le(2022, 4, 1), pytest.raises(DossierError) as exc:
        suivi.fixer_frequence(dossier=dossier, mois=mois, acting_user=d.valideur_de(dossier))
    assert (exc.value.message, exc.value.errors) == (
        "Un rapport de suivi au moins par semestre : choisissez de 1 à 6 mois.",
        {"frequence_suivi": ["Choisissez de 1 à 6 mois."]},
    )
    assert a.compte() == avant
    dossier = a.recharger(dossier)
    assert (dossier.frequence_suivi, dossier.prochain_rapport_le) == (6, dt.date(2022, 9, 1))


def test_the_database_refuses_a_frequency_beyond_a_semester(dossier):
    from django.db import IntegrityError

    from dossiers.models import Dossier

    for mois in (0, 7):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dossier.objects.filter(pk=dossier.pk).update(frequence_suivi=mois)


def test_only_the_cmsi_sets_the_frequency_of_an_accepted_dossier(dossier):
    for user in (a.gestionnaire_de(dossier), f.ars_lecteur("84"), f.ars_valideur("11")):
        with pytest.raises(PermissionDenied):
            suivi.fixer_frequence(dossier=dossier, mois=3, acting_user=user)
    with a.le(*ACCEPTE_LE):
        depose = d.depose(a.etablissement())
    with pytest.raises(TransitionRefusee, match="Impossible de fixer la fréquence des rapports"):
        suivi.fixer_frequence(dossier=depose, mois=3, acting_user=d.valideur_de(depose))


def test_the_new_frequency_is_notified_to_the_es_with_a_french_date(dossier):
    with a.le(2022, 4, 1):
        suivi.fixer_frequence(dossier=dossier, mois="3", acting_user=d.valideur_de(dossier))
    [trace] = a.traces(dossier, "frequence_suivi_fixee")
    assert a.destinataires(trace) == {a.gestionnaire_de(dossier).username}
    [notification] = a.notifications(f"evenement:{trace.pk}")
    assert notification.message == (
        "L'ARS a fixé un rapport de suivi tous les 3 mois ; prochain rapport attendu le 01/06/2022."
    )


def test_resetting_the_frequency_after_a_late_report_counts_from_that_report(dossier):
    """Filed very late (15/04/2023 for 01/09/2022), the report is followed by the next one on
    15/10/2023 (six months after the filing). The ARS confirming the same 6-month frequency
    keeps that date (not 01/03/2023, six months after the date the report answered); a
    shorter frequency counts from the same filing day."""
    a.rapport(dossier, (2023, 4, 15))
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 10, 15)
    valideur = d.valideur_de(dossier)
    with a.le(2023, 5, 2):
        suivi.fixer_frequence(dossier=dossier, mois=6, acting_user=valideur)
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 10, 15)
    with a.le(2023, 5, 2):
        suivi.fixer_frequence(dossier=dossier, mois=1, acting_user=valideur)
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 5, 15)


def test_reports_filed_in_a_row_do_not_push_the_deadline_away(dossier):
    """SPEC §5: the ES reports at least every semester. The next report is due one period
    after the latest filing: filing reports back to back never buys more than one period,
    so two reports are never further apart than the frequency."""
    premiers = [a.rapport(dossier, jour) for jour in ((2022, 8, 20), (2022, 8, 21))]
    dernier = a.rapport(dossier, (2022, 8, 22))
    assert [r.attendu_le for r in [*premiers, dernier]] == [
        dt.date(2022, 9, 1),
        dt.date(2023, 2, 20),
        dt.date(2023, 2, 21),
    ]
    assert a.recharger(dossier).prochain_rapport_le == dt.date(2023, 2, 22)


# --- immutability ------------------------------------------------------------------------------


def test_a_report_cannot_be_changed_or_deleted(dossier):
    rapport = a.rapport(dossier, (2022, 8, 20))
    rapport.commentaire = "Réécrit."
    with pytest.raises(RapportImmuable, match="ne peut pas être modifié"):
        rapport.save()
    with pytest.raises(RapportImmuable, match="ne peut pas être supprimé"):
        rapport.delete()
    with pytest.raises(RapportImmuable, match="ne peut pas être modifié"):
        RapportSuivi.objects.filter(pk=rapport.pk).update(commentaire="Réécrit.")
    with pytest.raises(RapportImmuable, match="ne peut pas être supprimé"):
        RapportSuivi.objects.filter(pk=rapport.pk).delete()
    assert RapportSuivi.objects.get(pk=rapport.pk).commentaire == "Déploiement en cours."


def test_the_values_and_progress_of_a_report_cannot_be_changed_either(dossier):
    """A report "never changes afterwards": its values are what the funding check reads. On
    SQLite only the model and the queryset can refuse (``hn/db.py``); on PostgreSQL the
    trigger refuses as well. Either way the change must not go through."""
    rapport = a.rapport(dossier, (2022, 8, 20))
    valeur = rapport.valeurs.get(indicateur__code="D2.2")
    avancement = rapport.avancements.first()
    tentatives = [
        lambda: ValeurSuivi.objects.filter(pk=valeur.pk).update(valeur=0),
        lambda: ValeurSuivi.objects.filter(pk=valeur.pk).delete(),
        lambda: setattr(valeur, "valeur", D(0)) or valeur.save(),
        lambda: AvancementSuivi.objects.filter(pk=avancement.pk).update(avancement="etude"),
        lambda: AvancementSuivi.objects.filter(pk=avancement.pk).delete(),
    ]
    for i, tentative in enumerate(tentatives):
        with pytest.raises((RapportImmuable, DatabaseError)), transaction.atomic():
            tentative()
            pytest.fail(f"tentative {i} acceptée")
    assert ValeurSuivi.objects.get(pk=valeur.pk).valeur == D(100)
    assert AvancementSuivi.objects.get(pk=avancement.pk).avancement == "deploiement"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE indicateurs_rapportsuivi SET commentaire = 'x' WHERE id = %(rapport)s",
        "DELETE FROM indicateurs_rapportsuivi WHERE id = %(rapport)s",
        "UPDATE indicateurs_valeursuivi SET valeur = 0 WHERE rapport_id = %(rapport)s",
        "DELETE FROM indicateurs_valeursuivi WHERE rapport_id = %(rapport)s",
        "UPDATE indicateurs_avancementsuivi SET avancement = 'etude' "
        "WHERE rapport_id = %(rapport)s",
        "DELETE FROM indicateurs_avancementsuivi WHERE rapport_id = %(rapport)s",
    ],
)
def test_postgresql_trigger_refuses_update_and_delete(dossier, sql):
    rapport = a.rapport(dossier, (2022, 8, 20))
    avant = a.compte()
    with (
        pytest.raises(DatabaseError, match="Un rapport de suivi déposé ne peut pas être modifié"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, {"rapport": rapport.pk})
    assert a.compte() == avant


# --- targets met, per domaine ------------------------------------------------------------------


def test_every_prerequis_and_one_domaine_at_target_moves_that_domaine_only(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "selectionne"}
    assert a.domaine(dossier, "D2").cibles_atteintes_le == dt.date(2022, 8, 20)
    assert a.domaine(dossier, "D3").cibles_atteintes_le is None
    [depot] = a.traces(dossier, "rapport_suivi_depose")
    assert depot.acteur == a.gestionnaire_de(dossier)
    assert depot.apres["cibles_atteintes"] == ["D2"]
    assert depot.apres["cibles_perdues"] == []
    [cibles] = a.traces(dossier, "cibles_atteintes")
    assert (cibles.acteur, cibles.acteur_nom) == (None, SYSTEME)
    assert cibles.apres == {"domaine": "D2", "rapport": 1}


def test_both_domaines_at_target(dossier):
    a.rapport(dossier, (2022, 8, 20))
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "cibles_atteintes"}
    assert [t.apres["domaine"] for t in a.traces(dossier, "cibles_atteintes")] == ["D2", "D3"]


def test_a_prerequis_below_target_holds_every_domaine(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, P1_1="89.99"))
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    assert a.traces(dossier, "cibles_atteintes") == []


def test_a_later_report_below_target_sends_the_domaine_back(dossier):
    a.rapport(dossier, (2022, 8, 20))
    a.rapport(dossier, (2023, 2, 20), valeurs_=a.valeurs(dossier, D2_2=97))
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "cibles_atteintes"}
    assert a.domaine(dossier, "D2").cibles_atteintes_le is None
    depot = a.traces(dossier, "rapport_suivi_depose")[-1]
    assert (depot.apres["cibles_atteintes"], depot.apres["cibles_perdues"]) == ([], ["D2"])
    # Back at target: reached again, dated anew, traced again.
    a.rapport(dossier, (2023, 8, 20))
    assert a.suivis(dossier)["D2"] == "cibles_atteintes"
    assert a.domaine(dossier, "D2").cibles_atteintes_le == dt.date(2023, 8, 20)
    assert [t.apres for t in a.traces(dossier, "cibles_atteintes")] == [
        {"domaine": "D2", "rapport": 1},
        {"domaine": "D3", "rapport": 1},
        {"domaine": "D2", "rapport": 3},
    ]


def test_a_domaine_indicator_declared_non_applicable_does_not_block(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D2_5={"non_applicable": True}))
    assert a.suivis(dossier)["D2"] == "cibles_atteintes"
    valeur = ValeurSuivi.objects.get(indicateur__code="D2.5")
    assert (valeur.valeur, valeur.non_applicable) == (None, True)


def blocages_de(dossier, code) -> list[str]:
    """Why ``code``'s funding cannot be notified on the latest stored report."""
    rapport = suivi.dernier_rapport(dossier)
    return suivi.blocages(dossier, a.domaine(dossier, code), suivi.valeurs_du_rapport(rapport))


def test_a_prerequis_declared_non_applicable_holds_every_domaine(dossier):
    """SPEC §3: the funding needs **all** prérequis indicators at target; a prérequis is the
    common base and is never "non applicable". The report is filed (the ES declares what it
    declares), but no domaine reaches its targets, and the reason is given."""
    rapport = a.rapport(
        dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, P1_1={"non_applicable": True})
    )
    valeur = rapport.valeurs.get(indicateur__code="P1.1")
    assert (valeur.valeur, valeur.non_applicable) == (None, True)
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    assert a.traces(dossier, "cibles_atteintes") == []
    raison = "P1.1 : un prérequis ne peut pas être déclaré non applicable."
    assert blocages_de(dossier, "D2") == [raison]
    assert blocages_de(dossier, "D3") == [raison]


@pytest.mark.parametrize(
    ("non_applicables", "raison"),
    [
        (
            ("D2.2", "D2.3"),
            "D2.2, D2.3 : au plus 1 indicateur du domaine peut être déclaré non applicable "
            "[003 §5.3.1].",
        ),
        (
            ("D2.2", "D2.3", "D2.4", "D2.5"),
            "D2.2, D2.3, D2.4, D2.5 : au plus 1 indicateur du domaine peut être déclaré non "
            "applicable [003 §5.3.1].",
        ),
    ],
    ids=["deux", "tous les indicateurs du domaine"],
)
def test_more_than_one_non_applicable_indicator_holds_the_domaine(dossier, non_applicables, raison):
    """HOP'EN admits at most one non-applicable indicator per domaine [003 §5.3.1]: beyond
    it, the domaine does not reach its targets; the other domaine is judged on its own."""
    valeurs = a.valeurs(
        dossier, **{c.replace(".", "_"): {"non_applicable": True} for c in non_applicables}
    )
    a.rapport(dossier, (2022, 8, 20), valeurs_=valeurs)
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "cibles_atteintes"}
    assert blocages_de(dossier, "D2") == [raison]
    assert blocages_de(dossier, "D3") == []


def test_one_non_applicable_indicator_per_domaine_is_admitted(dossier):
    """The limit is per domaine: one in D2 and one in D3 block neither."""
    valeurs = a.valeurs(
        dossier, D2_5={"non_applicable": True}, D3_2={"non_applicable": True, "valeur": ""}
    )
    a.rapport(dossier, (2022, 8, 20), valeurs_=valeurs)
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "cibles_atteintes"}


@pytest.mark.parametrize(("saisie", "non_applicable"), [(True, True), (False, False)])
def test_non_applicable_is_a_real_boolean(dossier, saisie, non_applicable):
    valeurs = a.valeurs(dossier, D2_5={"valeur": "85", "non_applicable": saisie})
    rapport = a.rapport(dossier, (2022, 8, 20), valeurs_=valeurs)
    valeur = rapport.valeurs.get(indicateur__code="D2.5")
    attendu = (None, True) if non_applicable else (D(85), False)
    assert (valeur.valeur, valeur.non_applicable) == attendu


@pytest.mark.parametrize("saisie", ["true", "oui", " 1 ", "on", 1, "false", "non", "0", "", None])
def test_non_applicable_is_never_guessed_from_a_string(dossier, saisie):
    """A form's checkbox is read by the page (hn.champs.case_cochee); the action takes only
    true or false: "false" is refused, never stored as true (issue 17)."""
    avant = a.compte()
    valeurs = a.valeurs(dossier, D2_5={"valeur": "85", "non_applicable": saisie})
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        a.rapport(dossier, valeurs_=valeurs)
    assert exc.value.errors == {
        "valeurs.D2.5.non_applicable": ["Répondez par vrai ou faux (true ou false)."]
    }
    assert a.compte() == avant


def test_an_indicator_not_declared_non_applicable_needs_its_value(dossier):
    valeurs = a.valeurs(dossier, D2_5={"non_applicable": False})
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        a.rapport(dossier, valeurs_=valeurs)
    assert exc.value.errors == {"valeurs.D2.5": ["Indiquez la valeur de l'indicateur D2.5."]}


@pytest.mark.parametrize(
    ("oui", "non"),
    [(True, False), ("oui", "non"), (" OUI ", "Non"), ("1", "0"), (100, 0), ("true", "false")],
)
def test_existence_indicators_are_answered_yes_or_no(dossier, oui, non):
    """Existence indicators (oui/non) are entered as in the dossier itself
    (``dossiers.saisie.enregistrer_saisie``) and stored as 100 / 0: "oui" meets the target,
    "non" blocks it."""
    premier = a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, P1_2=oui))
    assert premier.valeurs.get(indicateur__code="P1.2").valeur == D(100)
    assert a.suivis(dossier) == {"D2": "cibles_atteintes", "D3": "cibles_atteintes"}
    second = a.rapport(dossier, (2023, 2, 20), valeurs_=a.valeurs(dossier, P1_2=non))
    assert second.valeurs.get(indicateur__code="P1.2").valeur == D(0)
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    assert blocages_de(dossier, "D2") == ["P1.2 : non atteint (déclaré « non »)."]


@pytest.mark.parametrize("saisie", ["peut-être", "50", 50, "100,0", 2, "yes"])
def test_an_existence_indicator_answered_otherwise_is_refused(dossier, saisie):
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        a.rapport(dossier, valeurs_=a.valeurs(dossier, P1_2=saisie))
    assert exc.value.errors == {"valeurs.P1.2": ["Répondez oui ou non."]}
    assert a.compte() == avant


def test_without_any_open_domaine_there_is_nothing_to_report():
    dossier = a.accepte_le(ACCEPTE_LE, selectionnes=("D2",))
    a.rapport(dossier, (2022, 8, 20))
    with a.le(2022, 8, 22):
        suivi.notifier_financement(
            dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
        )
    avant = a.compte()
    with a.le(2023, 2, 20), pytest.raises(TransitionRefusee) as exc:
        a.rapport(dossier)
    assert exc.value.message == "Aucun domaine du dossier n'est plus en attente de ses cibles."
    assert a.compte() == avant


def test_a_funded_domaine_is_no_longer_reported_on(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    with a.le(2022, 8, 22):
        suivi.notifier_financement(
            dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
        )
    valeurs = a.valeurs(dossier, D3_1=20)
    for code in ("D2.2", "D2.3", "D2.4", "D2.5"):
        del valeurs[code]
    data = a.donnees(dossier, valeurs_=valeurs)
    del data["avancements"]["D2"]
    with a.le(2023, 2, 20):
        rapport = suivi.deposer_rapport(
            dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier)
        )
    assert not rapport.valeurs.filter(indicateur__domaine__code="D2").exists()
    assert list(rapport.avancements.values_list("domaine_dossier__domaine__code", flat=True)) == [
        "D3"
    ]
    assert a.suivis(dossier) == {"D2": "finance", "D3": "selectionne"}


# --- trace and notifications --------------------------------------------------------------------


def test_a_report_is_traced_and_notified_to_the_ars_valideurs(dossier):
    etab = dossier.etablissement
    valideur = d.valideur_de(dossier)
    f.es_lecteur(etab, username="es-lecteur")
    f.ars_lecteur(etab.region.code, username="ars-lecteur")
    f.ars_valideur("11", username="cmsi-autre-region")
    f.pilote_national(username="pilote")
    a.rapport(
        dossier,
        (2022, 8, 20),
        arrete_le="2022-08-15",
        valeurs_=a.valeurs(dossier, P1_1=50),  # nothing at target: no "cibles atteintes"
    )
    [trace] = a.traces(dossier, "rapport_suivi_depose")
    assert trace.apres == {
        "rapport": 1,
        "arrete_le": "2022-08-15",
        "budget_engage": "125000.50",
        "etp_engages": "2.5",
        "prochain_rapport_le": "2023-02-20",
        "cibles_atteintes": [],
        "cibles_perdues": [],
    }
    assert a.destinataires(trace) == {valideur.username}
    [notification] = a.notifications(f"evenement:{trace.pk}")
    assert notification.titre == f"Dossier {dossier.numero} : rapport de suivi n° 1 déposé"
    assert notification.message == (
        f"{etab.raison_sociale} a déposé le rapport de suivi n° 1 du dossier « {dossier.nom} » "
        "(valeurs au 15/08/2022). Prochain rapport attendu le 20/02/2023."
    )


def test_targets_met_are_notified_to_the_ars_valideurs_and_the_es(dossier):
    etab = dossier.etablissement
    valideur = d.valideur_de(dossier)
    lecteur_es = f.es_lecteur(etab, username="es-lecteur")
    f.ars_lecteur(etab.region.code, username="ars-lecteur")
    f.pilote_national(username="pilote")
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    [trace] = a.traces(dossier, "cibles_atteintes")
    assert a.destinataires(trace) == {
        valideur.username,
        a.gestionnaire_de(dossier).username,
        lecteur_es.username,
    }
    titres = {n.titre for n in a.notifications(f"evenement:{trace.pk}")}
    assert titres == {f"Dossier {dossier.numero} : cibles du domaine D2 atteintes"}
    roles = set(
        f.Attribution.objects.filter(user__notifications__cle=f"evenement:{trace.pk}").values_list(
            "role", flat=True
        )
    )
    assert roles == {Role.ARS_VALIDEUR, Role.ES_GESTIONNAIRE, Role.ES_LECTEUR}
