"""Calendar rules of the deadlines (SPEC §9, hn/dates.py): Europe/Paris dates, calendar-month
arithmetic with end-of-month clamping."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hn.dates import (
    ajouter_mois,
    aujourd_hui,
    date_paris,
    echeance_decision,
    echeance_initialisation,
    recandidature_possible_le,
)

PARIS = ZoneInfo("Europe/Paris")


# --- ajouter_mois ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jour", "mois", "attendu"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        # 31 January + 1 month: clamped to the last day of February.
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # divisible by 400: leap
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # divisible by 100 only: not leap
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        # 31 October + 4 months.
        (date(2025, 10, 31), 4, date(2026, 2, 28)),
        (date(2023, 10, 31), 4, date(2024, 2, 29)),
        (date(2026, 10, 30), 4, date(2027, 2, 28)),
        # Year boundaries: 30 and 31 December.
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 12, 30), 1, date(2027, 1, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
        (date(2026, 12, 30), 6, date(2027, 6, 30)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 11, 30), 1, date(2026, 12, 30)),
        (date(2026, 12, 15), 13, date(2028, 1, 15)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
    ],
)
def test_ajouter_mois_calendar_months_with_month_end_clamping(jour, mois, attendu):
    assert ajouter_mois(jour, mois) == attendu


# --- échéance d'initialisation: 1 month + 15 days ----------------------------------------------


@pytest.mark.parametrize(
    ("demande_le", "attendu"),
    [
        (date(2026, 11, 23), date(2027, 1, 7)),
        (date(2026, 1, 15), date(2026, 3, 2)),  # 15 February + 15 days (28-day February)
        (date(2024, 1, 15), date(2024, 3, 1)),  # 15 February + 15 days (29-day February)
        (date(2026, 1, 31), date(2026, 3, 15)),  # 28 February + 15
        (date(2024, 1, 31), date(2024, 3, 15)),  # 29 February + 15
        (date(2026, 12, 31), date(2027, 2, 15)),  # 31 January + 15
        (date(2026, 12, 30), date(2027, 2, 14)),
        (date(2026, 12, 20), date(2027, 2, 4)),
        (date(2026, 3, 31), date(2026, 5, 15)),  # 30 April + 15
    ],
)
def test_echeance_initialisation_is_one_month_and_fifteen_days(demande_le, attendu):
    assert echeance_initialisation(demande_le) == attendu


# --- échéance de décision: 4 months -----------------------------------------------------------


@pytest.mark.parametrize(
    ("depose_le", "attendu"),
    [
        (date(2026, 3, 15), date(2026, 7, 15)),
        (date(2025, 10, 31), date(2026, 2, 28)),
        (date(2023, 10, 31), date(2024, 2, 29)),
        (date(2026, 10, 29), date(2027, 2, 28)),
        (date(2026, 12, 31), date(2027, 4, 30)),
        (date(2026, 12, 30), date(2027, 4, 30)),
        (date(2026, 9, 1), date(2027, 1, 1)),
        (date(2026, 8, 31), date(2026, 12, 31)),
    ],
)
def test_echeance_decision_is_four_months(depose_le, attendu):
    assert echeance_decision(depose_le) == attendu


# --- recandidature ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refuse_le", "financier", "attendu"),
    [
        # 6 months after the refusal date.
        (date(2026, 3, 15), False, date(2026, 9, 15)),
        (date(2026, 8, 31), False, date(2027, 2, 28)),
        (date(2027, 8, 31), False, date(2028, 2, 29)),
        (date(2026, 12, 31), False, date(2027, 6, 30)),
        (date(2027, 1, 1), False, date(2027, 7, 1)),
        # Financial refusal (maîtrise de l'enveloppe): 1 January of the next year.
        (date(2026, 3, 15), True, date(2027, 1, 1)),
        (date(2026, 12, 31), True, date(2027, 1, 1)),
        (date(2027, 1, 1), True, date(2028, 1, 1)),
        (date(2024, 2, 29), True, date(2025, 1, 1)),
    ],
)
def test_recandidature_possible_le(refuse_le, financier, attendu):
    assert recandidature_possible_le(refuse_le, motif_financier=financier) == attendu


def test_recandidature_after_a_31_december_refusal_six_months_vs_next_day():
    refus = date(2026, 12, 31)
    assert recandidature_possible_le(refus, motif_financier=False) == date(2027, 6, 30)
    assert recandidature_possible_le(refus, motif_financier=True) == date(2027, 1, 1)


def test_recandidature_after_a_1_january_refusal_six_months_vs_a_whole_year():
    refus = date(2027, 1, 1)
    assert recandidature_possible_le(refus, motif_financier=False) == date(2027, 7, 1)
    assert recandidature_possible_le(refus, motif_financier=True) == date(2028, 1, 1)


# --- "today" is a Paris date ---------------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)
def test_aujourd_hui_at_2330_utc_on_31_december_is_already_1_january_in_paris():
    assert aujourd_hui() == date(2027, 1, 1)


@time_machine.travel(datetime(2026, 12, 31, 22, 59, tzinfo=UTC), tick=False)
def test_aujourd_hui_at_2259_utc_on_31_december_is_still_31_december_in_paris():
    assert aujourd_hui() == date(2026, 12, 31)


@time_machine.travel(datetime(2026, 6, 30, 22, 0, tzinfo=UTC), tick=False)
def test_aujourd_hui_in_summer_time_paris_is_utc_plus_two():
    assert aujourd_hui() == date(2026, 7, 1)


@time_machine.travel(datetime(2026, 6, 30, 21, 59, tzinfo=UTC), tick=False)
def test_aujourd_hui_in_summer_time_one_minute_before_paris_midnight():
    assert aujourd_hui() == date(2026, 6, 30)


@time_machine.travel(datetime(2027, 1, 1, 0, 5, tzinfo=PARIS), tick=False)
def test_echeances_computed_from_today_use_the_paris_date():
    # 31 December 23:05 UTC: the request is dated 1 January in Paris.
    assert echeance_initialisation(aujourd_hui()) == date(2027, 2, 16)
    assert echeance_decision(aujourd_hui()) == date(2027, 5, 1)


def test_date_paris_converts_an_aware_datetime():
    assert date_paris(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert date_paris(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)) == date(2026, 12, 31)
    assert date_paris(datetime(2026, 3, 29, 22, 0, tzinfo=UTC)) == date(2026, 3, 30)  # CEST
    assert date_paris(datetime(2026, 10, 25, 22, 59, tzinfo=UTC)) == date(2026, 10, 25)  # CET


# --- day before / of / after each deadline (time-machine) -------------------------------------
# A deadline is met on its own day and passed only from the next day.


def _passee(echeance: date) -> bool:
    return aujourd_hui() > echeance


@pytest.mark.parametrize(
    ("moment", "passee"),
    [
        (datetime(2026, 3, 14, 12, 0, tzinfo=PARIS), False),  # day before
        (datetime(2026, 3, 15, 0, 0, tzinfo=PARIS), False),  # the day itself, first minute
        (datetime(2026, 3, 15, 23, 59, tzinfo=PARIS), False),  # the day itself, last minute
        (datetime(2026, 3, 16, 0, 0, tzinfo=PARIS), True),  # day after
    ],
)
def test_initialisation_deadline_around_its_day(moment, passee):
    echeance = echeance_initialisation(date(2026, 1, 31))
    assert echeance == date(2026, 3, 15)
    with time_machine.travel(moment, tick=False):
        assert _passee(echeance) is passee


@pytest.mark.parametrize(
    ("moment", "passee"),
    [
        (datetime(2026, 2, 27, 12, 0, tzinfo=PARIS), False),
        (datetime(2026, 2, 28, 12, 0, tzinfo=PARIS), False),
        # 28 February 23:30 UTC is already 1 March in Paris.
        (datetime(2026, 2, 28, 23, 30, tzinfo=UTC), True),
        (datetime(2026, 3, 1, 12, 0, tzinfo=PARIS), True),
    ],
)
def test_decision_deadline_around_its_day(moment, passee):
    echeance = echeance_decision(date(2025, 10, 31))
    assert echeance == date(2026, 2, 28)
    with time_machine.travel(moment, tick=False):
        assert _passee(echeance) is passee


@pytest.mark.parametrize(
    ("moment", "financier", "possible"),
    [
        (datetime(2026, 9, 14, 12, 0, tzinfo=PARIS), False, False),
        (datetime(2026, 9, 15, 0, 0, tzinfo=PARIS), False, True),
        (datetime(2026, 9, 16, 12, 0, tzinfo=PARIS), False, True),
        (datetime(2026, 12, 31, 12, 0, tzinfo=PARIS), True, False),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), True, True),  # 1 January in Paris
        (datetime(2027, 1, 2, 12, 0, tzinfo=PARIS), True, True),
    ],
)
def test_recandidature_date_around_its_day(moment, financier, possible):
    le = recandidature_possible_le(date(2026, 3, 15), motif_financier=financier)
    with time_machine.travel(moment, tick=False):
        assert (aujourd_hui() >= le) is possible
