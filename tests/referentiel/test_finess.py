"""FINESS numbers: 9 characters, département (2 digits or 2A/2B) + 6 digits + Luhn key over the
first eight characters, Corsica's letter read as 0 (SPEC §1, hn/referentiel/finess.py)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from hn.referentiel.finess import cle_luhn, completer_finess, erreur_finess, valider_finess
from tests import factories as f

MESSAGE_FORMAT = (
    "Le numéro FINESS doit comporter 9 caractères : le département (2 chiffres, ou 2A/2B "
    "pour la Corse) suivi de 7 chiffres."
)
MESSAGE_CLE = "Le numéro FINESS est invalide : sa clé de contrôle ne correspond pas."


def _mauvaise_cle(finess: str) -> str:
    return finess[:8] + str((int(finess[8]) + 1) % 10)


@pytest.mark.parametrize("finess", ["690000013", "690000021", "750000036"])
def test_finess_de_demonstration_valides(finess):
    assert erreur_finess(finess) is None
    valider_finess(finess)  # does not raise
    assert completer_finess(finess[:8]) == finess


def test_cle_luhn_calculee_a_la_main():
    # 69000001: from the right, doubled 1 -> 2, 0, 0, 0, 0, 0, doubled 9 -> 18 -> 9, 6: 17 -> 3
    assert cle_luhn("69000001") == 3
    # 75000003: doubled 3 -> 6, 0, 0, 0, 0, 0, doubled 5 -> 10 -> 1, 7: 14 -> 6
    assert cle_luhn("75000003") == 6
    assert cle_luhn("00000000") == 0


@pytest.mark.parametrize("finess", ["690000014", "690000020", "750000030", "750000063"])
def test_finess_mauvaise_cle(finess):
    assert erreur_finess(finess) == MESSAGE_CLE


@pytest.mark.parametrize(
    "finess",
    ["69000001", "6900000133", "", "   ", "69000001 3", "69-000013", "6900000l3", "AB0000013"],
)
def test_finess_mauvais_format(finess):
    assert erreur_finess(finess) == MESSAGE_FORMAT


def test_finess_none():
    assert erreur_finess(None) == MESSAGE_FORMAT


def test_finess_espaces_autour_toleres():
    assert erreur_finess(" 690000013 ") is None


@pytest.mark.parametrize("lettres", ["2C", "1A", "3B", "A2"])
def test_finess_lettres_hors_corse_refusees(lettres):
    assert erreur_finess(lettres + "0000013") == MESSAGE_FORMAT


@pytest.mark.parametrize("dep", ["00", "20"])
def test_finess_departements_00_et_20_refuses(dep):
    finess = completer_finess(dep + "000001")  # right key: only the département is wrong
    assert erreur_finess(finess) == f"Le département {dep} n'existe pas dans un numéro FINESS."


@pytest.mark.parametrize("dep", ["2A", "2B"])
def test_finess_corse_acceptee_avec_la_bonne_cle(dep):
    finess = completer_finess(dep + "000001")
    # The letter is read as 0: key of 20000001 (from the right: 1 doubled -> 2, zeros, 2 not
    # doubled: 4 -> 6).
    assert finess == dep + "0000016"
    assert erreur_finess(finess) is None
    assert erreur_finess(finess.lower()) is None
    valider_finess(finess)


@pytest.mark.parametrize("dep", ["2A", "2B"])
def test_finess_corse_refusee_avec_une_mauvaise_cle(dep):
    finess = completer_finess(dep + "000001")
    for cle in "0123456789":
        if cle != finess[8]:
            assert erreur_finess(finess[:8] + cle) == MESSAGE_CLE


def test_valider_finess_leve_validation_error_en_francais():
    with pytest.raises(ValidationError) as exc:
        valider_finess("690000014")
    assert exc.value.messages == [MESSAGE_CLE]
    assert exc.value.code == "finess"
    with pytest.raises(ValidationError) as exc:
        valider_finess("6900")
    assert exc.value.messages == [MESSAGE_FORMAT]


@pytest.mark.django_db
def test_etablissement_full_clean_refuse_un_finess_invalide():
    etablissement = f.EtablissementFactory.build(finess="690000014")
    with pytest.raises(ValidationError) as exc:
        etablissement.full_clean()
    assert exc.value.message_dict["finess"] == [MESSAGE_CLE]


@pytest.mark.django_db
def test_etablissement_full_clean_refuse_un_departement_20():
    etablissement = f.EtablissementFactory.build(finess=completer_finess("20000001"))
    with pytest.raises(ValidationError) as exc:
        etablissement.full_clean()
    assert exc.value.message_dict["finess"] == [
        "Le département 20 n'existe pas dans un numéro FINESS."
    ]


@pytest.mark.django_db
def test_etablissement_full_clean_accepte_un_finess_valide():
    etablissement = f.EtablissementFactory.build(finess="690000013")
    etablissement.full_clean()  # does not raise
    corse = f.EtablissementFactory.build(finess=completer_finess("2B000002"))
    corse.full_clean()


# --- properties ----------------------------------------------------------------------------------

departements = st.one_of(
    st.integers(min_value=1, max_value=99).filter(lambda n: n != 20).map(lambda n: f"{n:02d}"),
    st.sampled_from(["2A", "2B"]),
)
corps = st.builds(lambda dep, n: f"{dep}{n:06d}", departements, st.integers(0, 999_999))


@given(corps=corps)
def test_propriete_completer_finess_toujours_valide(corps):
    finess = completer_finess(corps)
    assert len(finess) == 9
    assert finess.startswith(corps)
    assert erreur_finess(finess) is None


@given(corps=corps, data=st.data())
def test_propriete_un_chiffre_modifie_est_detecte(corps, data):
    finess = completer_finess(corps)
    positions = [i for i, c in enumerate(finess) if c.isdigit()]
    position = data.draw(st.sampled_from(positions))
    chiffre = data.draw(st.sampled_from([c for c in "0123456789" if c != finess[position]]))
    modifie = finess[:position] + chiffre + finess[position + 1 :]
    message = erreur_finess(modifie)
    assert message is not None
    if modifie[:2] == corps[:2] or (modifie[:2].isdigit() and modifie[:2] not in {"00", "20"}):
        # Still well formed, département still valid: the Luhn key catches the error.
        assert message == MESSAGE_CLE
