"""hn.saisie: the one parser of typed numbers (forms, API bodies)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossiers import actions
from dossiers.models import DomaineDossier, ValeurIndicateur
from dossiers.saisie import enregistrer_saisie
from hn.saisie import (
    CODES,
    SaisieInvalide,
    messages_par_defaut,
    nombre,
    nombre_de_decimales,
    nombre_ou_erreur,
)
from tests import dossiers_factories as d


@pytest.mark.parametrize(
    ("saisie", "lu"),
    [
        ("12", D("12")),
        ("12,5", D("12.5")),
        ("12.5", D("12.5")),
        (" 99.99 ", D("99.99")),
        ("12 000,50", D("12000.50")),
        ("12\u00a0000,50", D("12000.50")),
        ("12\u202f000,50", D("12000.50")),
        ("1e3", D("1e3")),
        ("1_000", D("1000")),
        ("-0", D("0")),
        ("12.50", D("12.50")),
        (7, D(7)),
        (0.5, D("0.5")),
        (D("3.25"), D("3.25")),
    ],
)
def test_french_typings_are_read(saisie, lu):
    resultat = nombre(saisie)
    assert resultat == lu
    assert str(resultat) == str(lu)


def test_minus_zero_is_zero():
    assert str(nombre("-0,00")) == "0.00"
    assert not nombre("-0").is_signed()


@pytest.mark.parametrize("vide", [None, "", "   ", "\u00a0"])
def test_empty_is_none_unless_required(vide):
    assert nombre(vide) is None
    with pytest.raises(SaisieInvalide) as exc:
        nombre(vide, obligatoire=True)
    assert (exc.value.code, exc.value.message) == ("obligatoire", "Saisissez une valeur.")


@pytest.mark.parametrize("saisie", ["beaucoup", "1,2,3", "1.000,50", True, False, [1], {}, "12€"])
def test_not_a_number(saisie):
    with pytest.raises(SaisieInvalide) as exc:
        nombre(saisie, minimum=0)
    assert (exc.value.code, exc.value.message) == ("invalide", "Saisissez un nombre.")


@pytest.mark.parametrize("saisie", ["NaN", "sNaN", "Infinity", "-Infinity", float("nan")])
def test_nan_and_infinities_are_refused_with_the_minimum_message(saisie):
    with pytest.raises(SaisieInvalide) as exc:
        nombre(saisie, minimum=0, maximum=100)
    assert exc.value.message == "La valeur doit être entre 0 et 100."
    with pytest.raises(SaisieInvalide) as exc:
        nombre(saisie)
    assert exc.value.message == "Saisissez un nombre."
    with pytest.raises(SaisieInvalide) as exc:
        nombre(saisie, minimum=0, messages={"non_fini": "Un nombre fini."})
    assert (exc.value.code, exc.value.message) == ("non_fini", "Un nombre fini.")


@pytest.mark.parametrize(
    ("saisie", "options", "code", "message"),
    [
        ("-1", {"minimum": 0}, "minimum", "La valeur doit être ≥ 0."),
        ("101", {"minimum": 0, "maximum": 100}, "maximum", "La valeur doit être entre 0 et 100."),
        ("-1", {"minimum": 0, "maximum": 100}, "minimum", "La valeur doit être entre 0 et 100."),
        ("101", {"maximum": 100}, "maximum", "La valeur doit être ≤ 100."),
        ("12.345", {"decimales": 2}, "decimales", "Deux décimales au plus."),
        ("0,001", {"decimales": 2}, "decimales", "Deux décimales au plus."),
        ("1.5", {"decimales": 0}, "decimales", "Saisissez un nombre entier."),
        ("1.55", {"decimales": 1}, "decimales", "Une décimale au plus."),
        ("1.55555", {"decimales": 4}, "decimales", "4 décimales au plus."),
        # too many decimals is said even when the figure is also too large
        ("9999.991", {"maximum": D("9999.99"), "decimales": 2}, "decimales", None),
        ("1e30", {"maximum": D("9999.99"), "decimales": 2}, "maximum", None),
        ("1e-999999999", {"minimum": 0, "decimales": 2}, "decimales", None),
    ],
)
def test_bounds_and_decimals(saisie, options, code, message):
    with pytest.raises(SaisieInvalide) as exc:
        nombre(saisie, **options)
    assert exc.value.code == code
    if message is not None:
        assert exc.value.message == message


def test_bounds_are_inclusive_and_trailing_zeros_are_no_decimals():
    assert nombre("0", minimum=0, maximum=100) == 0
    assert nombre("100", minimum=0, maximum=100) == 100
    assert nombre("12.500", decimales=2) == D("12.5")
    assert nombre("1e2", decimales=0) == 100


def test_call_site_messages_with_placeholders():
    with pytest.raises(SaisieInvalide) as exc:
        nombre(
            "10000",
            maximum=D("9999.99"),
            messages={"maximum": "La valeur ne peut dépasser {maximum}."},
        )
    assert exc.value.message == "La valeur ne peut dépasser 9999.99."


def test_nombre_ou_erreur_collects_per_field():
    errors = {"x": ["déjà"]}
    assert nombre_ou_erreur("abc", "x", errors) is None
    assert nombre_ou_erreur("-2", "y", errors, minimum=0) is None
    assert nombre_ou_erreur("2,5", "z", errors, minimum=0) == D("2.5")
    assert errors == {"x": ["déjà", "Saisissez un nombre."], "y": ["La valeur doit être ≥ 0."]}


def test_every_code_has_a_default_message_but_non_fini():
    assert set(messages_par_defaut(minimum=0, maximum=1, decimales=2)) == set(CODES) - {"non_fini"}


@pytest.mark.parametrize(
    ("valeur", "decimales"),
    [("0", 0), ("0.000", 0), ("10", 0), ("1e3", 0), ("10.10", 1), ("0.05", 2), ("-1.230", 2)],
)
def test_nombre_de_decimales(valeur, decimales):
    assert nombre_de_decimales(D(valeur)) == decimales


# --- properties ---------------------------------------------------------------------------

montants = st.decimals(min_value=0, max_value=D("9999999999.99"), places=2)


def ecrit_en_francais(valeur: D) -> str:
    """12345.6 -> "12 345,60" (narrow no-break spaces between thousands)."""
    return f"{valeur:,.2f}".replace(",", "\u202f").replace(".", ",")


@given(montants)
def test_round_trip_of_a_french_amount(valeur):
    assert nombre(ecrit_en_francais(valeur), minimum=0, decimales=2) == valeur


@given(montants)
def test_round_trip_of_str(valeur):
    assert nombre(str(valeur), minimum=0, decimales=2) == valeur


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789,.-+eE _\u00a0\u202fnaNIfity"),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.none(),
        st.booleans(),
    ),
    st.sampled_from([None, 0, D("-5")]),
    st.sampled_from([None, 100, D("9999999999.99")]),
    st.sampled_from([None, 0, 2]),
)
def test_never_raises_anything_but_the_validation_error(saisie, minimum, maximum, decimales):
    try:
        lu = nombre(saisie, minimum=minimum, maximum=maximum, decimales=decimales)
    except SaisieInvalide as exc:
        assert exc.code in CODES
        assert exc.message
        return
    if lu is None:
        return
    assert lu.is_finite()
    if minimum is not None:
        assert lu >= minimum
    if maximum is not None:
        assert lu <= maximum
    if decimales is not None:
        assert nombre_de_decimales(lu) <= decimales


# --- the call sites -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_es_saisie_refuses_more_than_two_decimals_instead_of_rounding():
    """89.999 would be stored as 90.00 (a two-decimal column), a figure the ES did not type."""
    dossier, gestionnaire = d.complet()
    with pytest.raises(actions.DossierError) as exc:
        enregistrer_saisie(
            dossier=dossier,
            data={
                "indicateurs": [{"code": "P1.1", "valeur": "89,999"}],
                "domaines": [{"code": "D2", "cout": "12 000,505"}],
            },
            acting_user=gestionnaire,
        )
    assert exc.value.errors == {
        "indicateurs.P1.1": ["Deux décimales au plus."],
        "domaines.D2.cout": ["Deux décimales au plus."],
    }


@pytest.mark.django_db
def test_the_es_saisie_reads_thousands_separators():
    dossier, gestionnaire = d.complet()
    enregistrer_saisie(
        dossier=dossier,
        data={
            "indicateurs": [{"code": "P1.1", "valeur": " 87,50 "}],
            "domaines": [{"code": "D2", "cout": "12\u202f000,50"}],
        },
        acting_user=gestionnaire,
    )
    assert DomaineDossier.objects.get(dossier=dossier, domaine__code="D2").cout == D("12000.50")
    valeur = ValeurIndicateur.objects.get(dossier=dossier, indicateur__code="P1.1").valeur
    assert valeur == D("87.5")
