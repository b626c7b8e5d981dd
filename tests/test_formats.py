"""French display of numbers and words (issue 19, points 7 and 8): hn.formats and the builtin
filters of hn.filtres."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.template import engines

from hn import formats, saisie

NBSP = "\u00a0"


def rendre(source: str, **contexte) -> str:
    return engines["django"].from_string(source).render(contexte)


# --- amounts and numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (68571, f"68{NBSP}571{NBSP}€"),
        (D("68571.00"), f"68{NBSP}571{NBSP}€"),
        (D("1234.5"), f"1{NBSP}234,50{NBSP}€"),
        (D("-1234.5"), f"-1{NBSP}234,50{NBSP}€"),
        (D("-68571"), f"-68{NBSP}571{NBSP}€"),
        (0, f"0{NBSP}€"),
        (D("0.00"), f"0{NBSP}€"),
        (D("-0.001"), f"0{NBSP}€"),
        (D("1234567.894999999"), f"1{NBSP}234{NBSP}567,89{NBSP}€"),
        (D("0.005"), f"0,01{NBSP}€"),
        ("1234.5", f"1{NBSP}234,50{NBSP}€"),
        (1234.5, f"1{NBSP}234,50{NBSP}€"),
        (None, "—"),
        ("", "—"),
        ("n'importe quoi", "—"),
    ],
)
def test_euros(valeur, attendu):
    assert formats.euros(valeur) == attendu


def test_euros_to_the_cent_or_to_the_euro():
    assert formats.euros(68571, centimes=True) == f"68{NBSP}571,00{NBSP}€"
    assert formats.euros(D("-0.5"), centimes=True) == f"-0,50{NBSP}€"
    assert formats.euros(D("1234.5"), centimes=False) == f"1{NBSP}235{NBSP}€"
    assert formats.euros(None, centimes=True) == "—"
    assert formats.montant(D("1234.5")) == f"1{NBSP}234,50"


@pytest.mark.parametrize(
    ("valeur", "options", "attendu"),
    [
        (D("1234.5"), {}, f"1{NBSP}234,5"),
        (D("1234.567"), {}, f"1{NBSP}234,57"),
        (D("-1234567"), {}, f"-1{NBSP}234{NBSP}567"),
        (D("0.1234567890123456789"), {"decimales": 4}, "0,1235"),
        (D("2.50"), {"decimales": 1}, "2,5"),
        (D("1.05"), {"decimales": 1}, "1,1"),  # half up, not half even
        (D("12.5"), {"decimales": 0}, "13"),
        (0, {}, "0"),
        (None, {}, "—"),
        (D("1E+3"), {}, f"1{NBSP}000"),
    ],
)
def test_nombre(valeur, options, attendu):
    assert formats.nombre(valeur, **options) == attendu


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (95, f"95,0{NBSP}%"),
        (D("95.00"), f"95,0{NBSP}%"),
        ("95.0", f"95,0{NBSP}%"),
        (D("95.50"), f"95,5{NBSP}%"),
        (D("94.99"), f"94,99{NBSP}%"),  # never rounded up to its target
        (D("94.999"), f"95,0{NBSP}%"),
        (0, f"0,0{NBSP}%"),
        (D("100"), f"100,0{NBSP}%"),
        (None, "—"),
    ],
)
def test_pourcentage(valeur, attendu):
    assert formats.pourcentage(valeur) == attendu


def test_a_displayed_number_typed_back_is_read_as_it_was():
    for valeur in (D("1234567.89"), D("95.5"), D("-12.3"), D("0")):
        assert saisie.nombre(formats.nombre(valeur)) == valeur
        assert saisie.nombre(formats.montant(valeur, centimes=True)) == valeur


# --- indicator values -----------------------------------------------------------------------

EXISTENCE = SimpleNamespace(type="existence", cible=None)
TAUX = SimpleNamespace(type="taux", cible=D("90.00"))
TAUX_SANS_CIBLE = SimpleNamespace(type="taux", cible=None)


@pytest.mark.parametrize(
    ("valeur", "indicateur", "attendu"),
    [
        ("100.00", EXISTENCE, "Oui"),
        (D("100"), EXISTENCE, "Oui"),
        ("0.00", EXISTENCE, "Non"),
        (D("0"), EXISTENCE, "Non"),
        (True, EXISTENCE, "Oui"),
        (False, EXISTENCE, "Non"),
        ("oui", "existence", "Oui"),
        ("95.00", TAUX, f"95,0{NBSP}%"),
        ("95.0", "taux", f"95,0{NBSP}%"),
        (D("87.25"), TAUX, f"87,25{NBSP}%"),
        (None, TAUX, "—"),
        ("", EXISTENCE, "—"),
    ],
)
def test_valeur_indicateur(valeur, indicateur, attendu):
    assert formats.valeur_indicateur(valeur, indicateur) == attendu


def test_valeur_indicateur_non_applicable():
    assert formats.valeur_indicateur("0", TAUX, non_applicable=True) == "Non applicable"


def test_cible_indicateur():
    assert formats.cible_indicateur(EXISTENCE) == "Oui"
    assert formats.cible_indicateur(TAUX) == f"≥{NBSP}90,0{NBSP}%"
    assert formats.cible_indicateur(TAUX_SANS_CIBLE) == "à confirmer"


def test_the_filters_are_builtin_in_every_template():
    html = rendre(
        "{{ m|euros }}|{{ m|euros:'centimes' }}|{{ m|montant }}|{{ t|pourcentage }}"
        "|{{ v|valeur_indicateur:i }}|{{ x|nombre:1 }}",
        m=D("68571"),
        t=D("95"),
        v="100.00",
        i=EXISTENCE,
        x=D("1234.56"),
    )
    assert html == (
        f"68{NBSP}571{NBSP}€|68{NBSP}571,00{NBSP}€|68{NBSP}571|95,0{NBSP}%|Oui|1{NBSP}234,6"
    )


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nombre", "attendu"),
    [(0, "0 dossier"), (1, "1 dossier"), (2, "2 dossiers"), (1234, f"1{NBSP}234 dossiers")],
)
def test_compter(nombre, attendu):
    assert formats.compter(nombre, "dossier(s)") == attendu


def test_accorder():
    assert formats.accorder(2, "dossier(s) refusé(s)") == "dossiers refusés"
    assert formats.accorder(1, "dossier(s) refusé(s)") == "dossier refusé"
    assert formats.accorder(0, "dossier(s) refusé(s)") == "dossier refusé"


def test_pluralize_follows_the_french_rule():
    source = "{{ n }} dossier{{ n|pluralize }} ; Complétez-{{ l|pluralize:'la,les' }}"
    assert rendre(source, n=0, l=["a"]) == "0 dossier ; Complétez-la"
    assert rendre(source, n=1, l=[]) == "1 dossier ; Complétez-la"
    assert rendre(source, n=2, l=["a", "b"]) == "2 dossiers ; Complétez-les"
    assert rendre("{{ n|pluralize:'a,ont' }}", n=3) == "ont"


@pytest.mark.parametrize(
    ("ville", "attendu"),
    [
        ("Le Puy-en-Velay", "du Puy-en-Velay"),
        ("Le Mans", "du Mans"),
        ("Les Sables-d'Olonne", "des Sables-d'Olonne"),
        ("La Rochelle", "de La Rochelle"),
        ("Annecy", "d'Annecy"),
        ("Évreux", "d'Évreux"),
        ("Orléans", "d'Orléans"),
        ("Hyères", "d'Hyères"),
        ("Paris", "de Paris"),
        ("Lens", "de Lens"),
        ("Lescar", "de Lescar"),
    ],
)
def test_de_lieu(ville, attendu):
    assert formats.de_lieu(ville) == attendu


def test_sans_references():
    assert (
        formats.sans_references(
            "Instruction DGOS 2019 de lancement du programme HOP'EN (numéro absent du texte source)"
        )
        == "Instruction DGOS 2019 de lancement du programme HOP'EN"
    )
    assert formats.sans_references("[003 §5.3.2] « avant le 30 juin »") == "« avant le 30 juin »"
    assert formats.sans_references("Instruction DGOS/PF/MSIOS/2013/225") == (
        "Instruction DGOS/PF/MSIOS/2013/225"
    )
