"""Money rules of HN and HOP'EN (SPEC §3, [000 A3], [003 A3]).

Expected amounts are computed by hand from the SPEC grids (k€), never with the code under test.
Property tests build the rules straight from fixtures/referentiel/*.json (no database), converting
k€ to euros as the loader does; one database test checks that ``Programme.regles()`` gives the
very same rules.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hn.referentiel.models import Programme
from hn.referentiel.regles import (
    Categorie,
    RegleError,
    ReglesProgramme,
    Tranche,
    activite_combinee,
    arrondi_euro,
    categorie,
    forfait,
)

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "referentiel"
KEUR = Decimal(1000)
PLAFOND = Decimal(1_000_000)
BORNES = (7_000, 22_500, 230_000)


def _regles_depuis_json(nom: str) -> ReglesProgramme:
    data = json.loads((FIXTURES_DIR / f"{nom}.json").read_text("utf-8"))
    grilles: dict = {}
    for dom in data["domaines"]:
        for cle, avance in (("standard", False), ("avance", True)):
            grille = dom["grille_keur"].get(cle)
            if not grille:
                continue
            grilles.setdefault(dom["code"], {})[avance] = {
                code: Tranche(Decimal(str(mini)) * KEUR, Decimal(str(maxi)) * KEUR)
                for code, (mini, maxi) in grille.items()
            }
    return ReglesProgramme(
        coefficients={k: Decimal(v) for k, v in data["coefficients"].items()},
        categories=tuple(
            Categorie(c["code"], c["borne_min"], c["borne_max"]) for c in data["categories"]
        ),
        grilles=grilles,
    )


HN = _regles_depuis_json("hn")
HOPEN = _regles_depuis_json("hopen")
REGLES = {"HN": HN, "HOPEN": HOPEN}

# Every (programme, domaine, avancé) variant that exists in the grids.
VARIANTES = [
    (prog, dom, avance)
    for prog, regles in REGLES.items()
    for dom, par_avance in sorted(regles.grilles.items())
    for avance in sorted(par_avance)
]

VOLUMES_COMPLETS = {
    "journees_mco": 1000,
    "seances_mco": 100,
    "hdj_chirurgie_ambulatoire": 10,
    "hdj_hors_chirurgie_ambulatoire": 500,
    "journees_ssr": 20,
    "journees_psy": 40,
    "journees_had": 60,
}

activites = st.decimals(
    min_value=0, max_value=2_000_000, places=2, allow_nan=False, allow_infinity=False
)
volumes = st.fixed_dictionaries(
    {nom: st.integers(min_value=0, max_value=500_000) for nom in VOLUMES_COMPLETS}
)


def _tranche(prog, dom, avance, code):
    return REGLES[prog].grilles[dom][avance][code]


# --- the fixtures give the SPEC's grids and the DB gives the fixtures ----------------------------


def test_les_variantes_sont_celles_de_la_spec():
    assert VARIANTES == [
        ("HN", "D1", False),
        ("HN", "D2", False),
        ("HN", "D3", False),
        ("HN", "D4", False),
        ("HN", "D5", False),
        ("HOPEN", "D1", False),
        ("HOPEN", "D1", True),
        ("HOPEN", "D2", False),
        ("HOPEN", "D3", False),
        ("HOPEN", "D4", False),
        ("HOPEN", "D5", False),
        ("HOPEN", "D6", False),
        ("HOPEN", "D6", True),
        ("HOPEN", "D7", False),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["HN", "HOPEN"])
def test_programme_regles_egale_les_fixtures(code):
    regles = Programme.objects.get(code=code).regles()
    assert dict(regles.coefficients) == dict(REGLES[code].coefficients)
    assert regles.categories == REGLES[code].categories
    assert {d: {a: dict(t) for a, t in g.items()} for d, g in regles.grilles.items()} == {
        d: {a: dict(t) for a, t in g.items()} for d, g in REGLES[code].grilles.items()
    }


@pytest.mark.django_db
def test_programme_regles_grille_hn_d1_en_euros():
    regles = Programme.objects.get(code="HN").regles()
    assert regles.grilles["D1"][False]["A"] == Tranche(Decimal(37_000), Decimal(200_000))
    assert regles.grilles["D1"][False]["D"] == Tranche(Decimal(500_000), Decimal(700_000))
    assert [(c.code, c.borne_min, c.borne_max) for c in regles.categories] == [
        ("A", 0, 7_000),
        ("B", 7_000, 22_500),
        ("C", 22_500, 230_000),
        ("D", 230_000, 1_000_000),
    ]
    assert not regles.domaine_a_forfait_avance("D1")
    assert forfait(regles, "D1", 15_000) == (regles.categories[1], 251_613)


@pytest.mark.django_db
def test_programme_regles_hopen_forfait_avance():
    regles = Programme.objects.get(code="HOPEN").regles()
    assert regles.domaine_a_forfait_avance("D1")
    assert regles.domaine_a_forfait_avance("D6")
    assert not regles.domaine_a_forfait_avance("D2")
    assert not regles.domaine_a_forfait_avance("D9")
    assert forfait(regles, "D1", 230_000, avance=True)[1] == 510_000


# --- activité combinée ---------------------------------------------------------------------------


def test_activite_combinee_hn_ignore_hdj_hors_chirurgie():
    # 1000 + 0.5×100 + 1.5×10 + 0.5×(20 + 40 + 60) = 1000 + 50 + 15 + 60
    assert activite_combinee(VOLUMES_COMPLETS, HN.coefficients) == Decimal("1125")


def test_activite_combinee_hopen_ajoute_hdj_hors_chirurgie():
    # HN's 1125 + 1 × 500
    assert activite_combinee(VOLUMES_COMPLETS, HOPEN.coefficients) == Decimal("1625")


@pytest.mark.parametrize(
    ("nom", "hn", "hopen"),
    [
        ("journees_mco", "1", "1"),
        ("seances_mco", "0.5", "0.5"),
        ("hdj_chirurgie_ambulatoire", "1.5", "1.5"),
        ("journees_ssr", "0.5", "0.5"),
        ("journees_psy", "0.5", "0.5"),
        ("journees_had", "0.5", "0.5"),
        ("hdj_hors_chirurgie_ambulatoire", "0", "1"),
    ],
)
def test_activite_combinee_coefficient_par_volume(nom, hn, hopen):
    assert activite_combinee({nom: 2}, HN.coefficients) == 2 * Decimal(hn)
    assert activite_combinee({nom: 2}, HOPEN.coefficients) == 2 * Decimal(hopen)


def test_activite_combinee_volumes_absents_ou_nuls():
    assert activite_combinee({}, HOPEN.coefficients) == 0
    assert activite_combinee({"journees_mco": None, "seances_mco": 3}, HN.coefficients) == Decimal(
        "1.5"
    )


def test_activite_combinee_volume_negatif_refuse():
    with pytest.raises(RegleError) as exc:
        activite_combinee({"journees_mco": 10, "journees_ssr": -1}, HN.coefficients)
    assert exc.value.message == "Un volume d'activité ne peut pas être négatif."
    assert str(exc.value) == exc.value.message


def test_activite_combinee_hdj_hors_chirurgie_negatif_refuse_hopen():
    with pytest.raises(RegleError) as exc:
        activite_combinee({"hdj_hors_chirurgie_ambulatoire": -5}, HOPEN.coefficients)
    assert exc.value.message == "Un volume d'activité ne peut pas être négatif."


# --- catégories ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activite", "attendu"),
    [
        (0, "A"),
        (Decimal("6999.5"), "A"),
        (Decimal("6999.99"), "A"),
        (7_000, "B"),
        (Decimal("22499.5"), "B"),
        (22_500, "C"),
        (Decimal("229999.5"), "C"),
        (230_000, "D"),
        (1_000_000, "D"),
        (5_000_000, "D"),
    ],
)
@pytest.mark.parametrize("prog", ["HN", "HOPEN"])
def test_categorie_bornes(prog, activite, attendu):
    assert categorie(activite, REGLES[prog].categories).code == attendu
    assert forfait(REGLES[prog], "D1", activite)[0].code == attendu


def test_categorie_ordre_des_categories_indifferent():
    desordre = tuple(reversed(HN.categories))
    assert categorie(Decimal("22499.5"), desordre).code == "B"
    assert categorie(0, desordre).code == "A"


def test_categorie_activite_negative_refusee():
    with pytest.raises(RegleError) as exc:
        categorie(Decimal("-0.01"), HN.categories)
    assert exc.value.message == "L'activité combinée ne peut pas être négative."


# --- forfait: exact euros ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prog", "dom", "avance", "activite", "attendu"),
    [
        # HN D1 (37-200 / 200-300 / 300-500 / 500-700 k€)
        ("HN", "D1", False, 0, 37_000),
        ("HN", "D1", False, 3_500, 118_500),  # 37000 + 163000 × 1/2
        ("HN", "D1", False, 7_000, 200_000),
        ("HN", "D1", False, 15_000, 251_613),  # 200000 + 100000 × 8000/15500 = 251612.90
        ("HN", "D1", False, 22_500, 300_000),
        ("HN", "D1", False, 126_250, 400_000),  # midpoint of C
        ("HN", "D1", False, 230_000, 500_000),
        ("HN", "D1", False, 615_000, 600_000),  # midpoint of D
        ("HN", "D1", False, 1_000_000, 700_000),
        ("HN", "D1", False, 3_000_000, 700_000),
        # HN D2 (50-250 / 250-400 / 400-600 / 600-800 k€)
        ("HN", "D2", False, 1_000, 78_571),  # 50000 + 200000/7 = 78571.43
        ("HN", "D2", False, 14_750, 325_000),
        ("HN", "D2", False, 100_000, 474_699),  # 400000 + 200000 × 77500/207500 = 474698.80
        ("HN", "D2", False, 500_000, 670_130),  # 600000 + 200000 × 270000/770000 = 670129.87
        # HN D4 (37-75 / 75-200 / 200-400 / 400-600 k€)
        ("HN", "D4", False, 6_999, 74_995),  # 37000 + 38000 × 6999/7000 = 74994.57
        ("HN", "D4", False, 10_000, 99_194),  # 75000 + 125000 × 3000/15500 = 99193.55
        ("HN", "D4", False, 615_000, 500_000),
        # HOP'EN D1 standard (50-170 / 170-275 / 275-425 / 425-575 k€)
        ("HOPEN", "D1", False, 0, 50_000),
        ("HOPEN", "D1", False, 3_500, 110_000),
        ("HOPEN", "D1", False, 15_000, 224_194),  # 170000 + 105000 × 8000/15500 = 224193.55
        ("HOPEN", "D1", False, 1_000_000, 575_000),
        # HOP'EN D1 avancé (60-204 / 204-330 / 330-510 / 510-690 k€)
        ("HOPEN", "D1", True, 3_500, 132_000),
        ("HOPEN", "D1", True, 15_000, 269_032),  # 204000 + 126000 × 8000/15500 = 269032.26
        ("HOPEN", "D1", True, 2_000_000, 690_000),
        # HOP'EN D5 (40-75 / 75-125 / 125-250 / 250-400 k€)
        ("HOPEN", "D5", False, 14_750, 100_000),
        ("HOPEN", "D5", False, 126_250, 187_500),
        # HOP'EN D6 avancé (48-90 / 90-150 / 150-300 / 300-480 k€)
        ("HOPEN", "D6", True, 615_000, 390_000),
        ("HOPEN", "D6", True, 22_500, 150_000),
        # HOP'EN D7 (40-60 / 60-105 / 105-225 / 225-350 k€)
        ("HOPEN", "D7", False, 14_750, 82_500),
        ("HOPEN", "D7", False, 230_000, 225_000),
        ("HOPEN", "D7", False, Decimal("1000000.01"), 350_000),
    ],
)
def test_forfait_valeurs_exactes(prog, dom, avance, activite, attendu):
    _, montant = forfait(REGLES[prog], dom, activite, avance=avance)
    assert montant == attendu
    assert isinstance(montant, int)


def test_forfait_arrondi_demi_euro_superieur_activite_entiere():
    # HOP'EN D7 cat. D: 225000 + 125000 × 77/770000 = 225012.5 exactly -> 225013 (half up;
    # banker's rounding would give 225012).
    assert forfait(HOPEN, "D7", 230_077) == (HOPEN.categories[3], 225_013)


def test_forfait_arrondi_demi_euro_superieur_activite_decimale():
    # HN D1 cat. B: 200000 + 100000 × 0.0775/15500 = 200000.5 exactly -> 200001.
    assert forfait(HN, "D1", Decimal("7000.0775"))[1] == 200_001
    # HN D1 cat. D: 500000 + 200000 × 1.925/770000 = 500000.5 exactly -> 500001.
    assert forfait(HN, "D1", Decimal("230001.925"))[1] == 500_001


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (Decimal("0.5"), 1),
        (Decimal("2.5"), 3),
        (Decimal("3.5"), 4),
        (Decimal("1.4999"), 1),
        (Decimal("251612.90"), 251_613),
        (Decimal("0"), 0),
    ],
)
def test_arrondi_euro_demi_superieur(valeur, attendu):
    assert arrondi_euro(valeur) == attendu


def test_forfait_categorie_d_lineaire_puis_plafonnee():
    # HN D2 cat. D: 600000 + 200000 × (a − 230000)/770000
    assert forfait(HN, "D2", 307_000)[1] == 620_000
    assert forfait(HN, "D2", 999_999)[1] == 800_000  # 799999.74
    assert forfait(HN, "D2", 999_990)[1] == 799_997  # 799997.40
    assert forfait(HN, "D2", 1_000_000)[1] == 800_000
    assert forfait(HN, "D2", 1_000_001)[1] == 800_000
    assert forfait(HN, "D2", 10**9)[1] == 800_000


@pytest.mark.parametrize("dom", ["D1", "D6"])
@pytest.mark.parametrize("activite", [0, 7_000, 22_500, 230_000, 1_000_000])
def test_forfait_avance_egale_standard_plus_vingt_pourcent_aux_bornes(dom, activite):
    standard = forfait(HOPEN, dom, activite)[1]
    avance = forfait(HOPEN, dom, activite, avance=True)[1]
    assert Decimal(avance) == Decimal(standard) * Decimal("1.2")


@pytest.mark.parametrize(("prog", "dom"), [("HOPEN", "D2"), ("HOPEN", "D7"), ("HN", "D1")])
def test_forfait_avance_refuse_sur_domaine_sans_avance(prog, dom):
    with pytest.raises(RegleError) as exc:
        forfait(REGLES[prog], dom, 10_000, avance=True)
    assert exc.value.message == f"Le domaine {dom} n'a pas de forfait avancé."


@pytest.mark.parametrize("avance", [False, True])
def test_forfait_domaine_inconnu(avance):
    with pytest.raises(RegleError) as exc:
        forfait(HN, "D6", 10_000, avance=avance)
    assert exc.value.message == "Domaine inconnu : D6."


def test_forfait_activite_negative():
    with pytest.raises(RegleError) as exc:
        forfait(HOPEN, "D1", -1)
    assert exc.value.message == "L'activité combinée ne peut pas être négative."


def test_regle_error_est_une_value_error():
    assert issubclass(RegleError, ValueError)


# --- properties ----------------------------------------------------------------------------------


@given(variante=st.sampled_from(VARIANTES), activite=activites)
def test_propriete_forfait_dans_la_tranche_de_sa_categorie(variante, activite):
    prog, dom, avance = variante
    cat, montant = forfait(REGLES[prog], dom, activite, avance=avance)
    assert cat.borne_min <= activite
    assert activite < cat.borne_max or cat.code == "D"
    tranche = _tranche(prog, dom, avance, cat.code)
    assert tranche.minimum <= montant <= tranche.maximum


@given(variante=st.sampled_from(VARIANTES), a=activites, b=activites)
def test_propriete_forfait_croissant(variante, a, b):
    prog, dom, avance = variante
    bas, haut = sorted((a, b))
    assert (
        forfait(REGLES[prog], dom, bas, avance=avance)[1]
        <= forfait(REGLES[prog], dom, haut, avance=avance)[1]
    )


@given(
    variante=st.sampled_from(VARIANTES),
    borne=st.sampled_from((*BORNES, 1_000_000)),
    ecart=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.01"), places=4),
)
def test_propriete_forfait_continu_aux_bornes(variante, borne, ecart):
    prog, dom, avance = variante
    regles = REGLES[prog]
    juste_avant = forfait(regles, dom, Decimal(borne) - ecart, avance=avance)
    a_la_borne = forfait(regles, dom, borne, avance=avance)
    assert abs(juste_avant[1] - a_la_borne[1]) <= 1
    if borne in BORNES:
        assert juste_avant[0].code != a_la_borne[0].code
        # Max of category N = min of category N+1.
        assert a_la_borne[1] == _tranche(prog, dom, avance, a_la_borne[0].code).minimum
        assert juste_avant[0].borne_max == borne


@given(
    variante=st.sampled_from(VARIANTES),
    activite=st.decimals(
        min_value=PLAFOND, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
    ),
)
def test_propriete_forfait_plafonne_au_maximum_de_d(variante, activite):
    prog, dom, avance = variante
    cat, montant = forfait(REGLES[prog], dom, activite, avance=avance)
    assert cat.code == "D"
    assert montant == _tranche(prog, dom, avance, "D").maximum


@given(prog=st.sampled_from(sorted(REGLES)), v1=volumes, v2=volumes)
def test_propriete_activite_combinee_lineaire(prog, v1, v2):
    coefficients = REGLES[prog].coefficients
    somme = {k: v1[k] + v2[k] for k in v1}
    assert activite_combinee(somme, coefficients) == activite_combinee(
        v1, coefficients
    ) + activite_combinee(v2, coefficients)
    assert activite_combinee({k: 3 * v for k, v in v1.items()}, coefficients) == 3 * (
        activite_combinee(v1, coefficients)
    )


@given(v=volumes)
def test_propriete_hopen_egale_hn_plus_hdj_hors_chirurgie(v):
    assert activite_combinee(v, HOPEN.coefficients) == (
        activite_combinee(v, HN.coefficients) + v["hdj_hors_chirurgie_ambulatoire"]
    )


@given(
    dom=st.sampled_from(["D1", "D6"]),
    activite=st.decimals(min_value=0, max_value=2_000_000, places=0),
)
def test_propriete_avance_environ_standard_plus_vingt_pourcent(dom, activite):
    # Exact at the bounds, and linear in between: at most one rounding apart.
    standard = forfait(HOPEN, dom, activite)[1]
    avance = forfait(HOPEN, dom, activite, avance=True)[1]
    assert abs(Decimal(avance) - Decimal(standard) * Decimal("1.2")) <= Decimal("1.2")
