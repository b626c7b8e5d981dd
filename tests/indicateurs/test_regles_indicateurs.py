"""The funding condition as a pure function (``indicateurs.regles``) [SPEC §3; 000 A1 §3,
A6 §3]: which indicator blocks a domaine's usage funding, and why, in French — including a
prérequis declared non applicable, and more than one non-applicable indicator in the domaine.
No database: indicators are unsaved ``Indicateur`` instances."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from hn.referentiel.enums import TypeIndicateur
from hn.referentiel.models import Indicateur
from indicateurs.regles import NON_APPLICABLES_MAX, blocage, blocages_financement

TAUX, EXISTENCE = TypeIndicateur.TAUX, TypeIndicateur.EXISTENCE
A_CONFIRMER = "mais la cible n'est pas fixée par les textes (à confirmer par le niveau national)."
PREREQUIS, DOMAINE = 1, 2  # ids of the prérequis / domaine an indicator belongs to
NA_MAX = " : au plus 1 indicateur du domaine peut être déclaré non applicable [003 §5.3.1]."


def _rattache(code):
    """A prérequis indicator (P…) or a domaine indicator (D…, X…), as in the seeds."""
    if code.startswith("P"):
        return {"prerequis_id": PREREQUIS}
    return {"domaine_id": DOMAINE}


def taux(pk, code, cible):
    return Indicateur(
        pk=pk,
        code=code,
        type=TAUX,
        cible=None if cible is None else D(str(cible)),
        cible_a_confirmer=cible is None,
        **_rattache(code),
    )


def existence(pk, code):
    return Indicateur(pk=pk, code=code, type=EXISTENCE, cible=None, **_rattache(code))


P11, P12, D22, D35 = (
    taux(1, "P1.1", 90),
    existence(2, "P1.2"),
    taux(3, "D2.2", 98),
    taux(4, "D3.5", None),
)
D23, D24 = taux(5, "D2.3", 70), existence(6, "D2.4")


def pourcent(valeur: D) -> str:
    """French percentage, independent of the implementation: 95.50 → "95,5 %", 95 → "95,0 %"
    (one decimal at least, no-break space)."""
    texte = f"{D(valeur):.2f}".rstrip("0")
    texte = texte + "0" if texte.endswith(".") else texte
    return texte.replace(".", ",") + "\u00a0%"


# --- examples ------------------------------------------------------------------------------------


def test_without_report_nothing_can_be_funded():
    assert blocages_financement([P11, D22], None) == [
        "Aucun rapport de suivi n'a encore été déposé."
    ]


def test_an_empty_list_of_indicators_blocks_nothing():
    assert blocages_financement([], {}) == []


def test_an_indicator_absent_from_the_report_blocks():
    assert blocages_financement([P11, D22], {1: (D("95"), False)}) == [
        "D2.2 : absent du dernier rapport de suivi."
    ]


def test_a_rate_blocks_below_its_target_and_not_at_it():
    assert blocage(D22, D("98.00"), False) is None
    assert blocage(D22, D("100"), False) is None
    assert blocage(D22, D("97.99"), False) == "D2.2 : 97,99\u00a0% déclaré, cible 98,0\u00a0%."
    assert blocage(D22, D("0"), False) == "D2.2 : 0,0\u00a0% déclaré, cible 98,0\u00a0%."
    assert blocage(P11, D("89.50"), False) == "P1.1 : 89,5\u00a0% déclaré, cible 90,0\u00a0%."
    assert blocage(D22, None, False) == "D2.2 : aucune valeur déclarée."


def test_an_existence_indicator_is_met_by_yes_only():
    assert blocage(P12, D("100"), False) is None
    assert blocage(P12, D("0"), False) == "P1.2 : non atteint (déclaré « non »)."


def test_a_target_unknown_in_the_seeds_blocks_with_an_explicit_message():
    """HN: 17 targets are null, "à confirmer" — no value can be judged at target."""
    assert blocage(D35, D("100"), False) == f"D3.5 : 100,0\u00a0% déclaré, {A_CONFIRMER}"
    assert blocage(D35, D("42.25"), False) == f"D3.5 : 42,25\u00a0% déclaré, {A_CONFIRMER}"
    assert blocage(D35, None, False) == "D3.5 : aucune valeur déclarée."


def test_a_domaine_indicator_non_applicable_does_not_block():
    for indicateur in (D22, D35, D24):
        assert blocage(indicateur, None, True) is None
        assert blocage(indicateur, D("0"), True) is None  # a value sent anyway is ignored


def test_a_prerequis_cannot_be_declared_non_applicable():
    assert blocage(P11, None, True) == (
        "P1.1 : un prérequis ne peut pas être déclaré non applicable."
    )
    assert blocage(P12, D("100"), True) == (
        "P1.2 : un prérequis ne peut pas être déclaré non applicable."
    )
    valeurs = {1: (None, True), 2: (D("100"), False), 3: (D("99"), False)}
    assert blocages_financement([P11, P12, D22], valeurs) == [
        "P1.1 : un prérequis ne peut pas être déclaré non applicable."
    ]


def test_at_most_one_non_applicable_indicator_per_domaine():
    assert NON_APPLICABLES_MAX == 1
    valeurs = {1: (D("95"), False), 3: (None, True), 5: (D("80"), False), 6: (D(100), False)}
    assert blocages_financement([P11, D22, D23, D24], valeurs) == []
    valeurs[5] = (None, True)
    assert blocages_financement([P11, D22, D23, D24], valeurs) == [f"D2.2, D2.3{NA_MAX}"]
    valeurs[6] = (None, True)
    assert blocages_financement([P11, D22, D23, D24], valeurs) == [f"D2.2, D2.3, D2.4{NA_MAX}"]


def test_the_non_applicable_limit_comes_first_and_a_prerequis_is_not_counted_in_it():
    """The prérequis declared non applicable is reported on its own line, not counted among
    the domaine's non-applicable indicators; the limit comes before the per-indicator
    reasons."""
    valeurs = {1: (None, True), 3: (None, True), 5: (None, True), 6: (D(0), False)}
    assert blocages_financement([P11, D22, D23, D24], valeurs) == [
        f"D2.2, D2.3{NA_MAX}",
        "P1.1 : un prérequis ne peut pas être déclaré non applicable.",
        "D2.4 : non atteint (déclaré « non »).",
    ]
    valeurs[5] = (D(80), False)
    assert blocages_financement([P11, D22, D23, D24], valeurs) == [
        "P1.1 : un prérequis ne peut pas être déclaré non applicable.",
        "D2.4 : non atteint (déclaré « non »).",
    ]


def test_reasons_follow_the_order_of_the_indicators():
    valeurs = {1: (D("10"), False), 2: (D("0"), False), 3: (D("50"), False), 4: (D("100"), False)}
    assert blocages_financement([P11, P12, D22, D35], valeurs) == [
        "P1.1 : 10,0\u00a0% déclaré, cible 90,0\u00a0%.",
        "P1.2 : non atteint (déclaré « non »).",
        "D2.2 : 50,0\u00a0% déclaré, cible 98,0\u00a0%.",
        f"D3.5 : 100,0\u00a0% déclaré, {A_CONFIRMER}",
    ]
    assert blocages_financement([D35, D22, P12, P11], valeurs) == [
        f"D3.5 : 100,0\u00a0% déclaré, {A_CONFIRMER}",
        "D2.2 : 50,0\u00a0% déclaré, cible 98,0\u00a0%.",
        "P1.2 : non atteint (déclaré « non »).",
        "P1.1 : 10,0\u00a0% déclaré, cible 90,0\u00a0%.",
    ]


def test_values_of_other_indicators_are_ignored():
    assert blocages_financement([D22], {3: (D("99"), False), 1: (D("0"), False)}) == []


# --- properties ------------------------------------------------------------------------------


def centiemes(de=D(0), a=D(100)):
    """Percentages in hundredths between ``de`` and ``a`` included."""
    return st.integers(min_value=int(de * 100), max_value=int(a * 100)).map(lambda n: D(n) / 100)


@st.composite
def indicateurs(draw):
    """Between 1 and 12 indicators with known targets (rates 0–100 % in hundredths, or
    existence), prérequis (P…) or domaine (X…) ones, each with a value at or above its
    target."""
    n = draw(st.integers(min_value=1, max_value=12))
    result = []
    for pk in range(1, n + 1):
        prefixe = draw(st.sampled_from(["P", "X"]))
        if draw(st.booleans()):
            cible = draw(centiemes())
            ind = taux(pk, f"{prefixe}{pk}.1", cible)
            valeur = draw(centiemes(de=cible))
        else:
            ind = existence(pk, f"{prefixe}{pk}.2")
            valeur = D(100)
        result.append((ind, valeur))
    return result


@given(indicateurs())
def test_all_values_at_or_above_target_block_nothing(lot):
    valeurs = {ind.pk: (valeur, False) for ind, valeur in lot}
    assert blocages_financement([ind for ind, _ in lot], valeurs) == []


@given(indicateurs(), st.data())
def test_lowering_one_value_under_its_target_blocks_with_that_indicator_only(lot, data):
    abaissables = [i for i, (ind, _) in enumerate(lot) if ind.type == EXISTENCE or ind.cible > 0]
    if not abaissables:  # every target is 0 %: nothing can be under it
        return
    i = data.draw(st.sampled_from(abaissables))
    ind, _ = lot[i]
    if ind.type == EXISTENCE:
        basse = D(0)
        attendu = f"{ind.code} : non atteint (déclaré « non »)."
    else:
        basse = data.draw(centiemes(a=ind.cible - D("0.01")))
        attendu = f"{ind.code} : {pourcent(basse)} déclaré, cible {pourcent(ind.cible)}."
    valeurs = {x.pk: (v, False) for x, v in lot}
    valeurs[ind.pk] = (basse, False)
    assert blocages_financement([x for x, _ in lot], valeurs) == [attendu]
    # Declared non applicable instead: a domaine indicator (the only one) blocks nothing, a
    # prérequis blocks as such.
    valeurs[ind.pk] = (None, True)
    attendu = (
        [f"{ind.code} : un prérequis ne peut pas être déclaré non applicable."]
        if ind.prerequis_id is not None
        else []
    )
    assert blocages_financement([x for x, _ in lot], valeurs) == attendu


@given(indicateurs(), st.data())
def test_declaring_more_than_one_domaine_indicator_non_applicable_blocks(lot, data):
    domaine = [ind for ind, _ in lot if ind.domaine_id is not None]
    if len(domaine) < 2:
        return
    choisis = data.draw(
        st.lists(st.sampled_from(domaine), min_size=2, max_size=len(domaine), unique=True)
    )
    valeurs = {x.pk: (v, False) for x, v in lot}
    for ind in choisis:
        valeurs[ind.pk] = (None, True)
    codes = ", ".join(x.code for x, _ in lot if x in choisis)  # in the indicators' order
    assert blocages_financement([x for x, _ in lot], valeurs) == [f"{codes}{NA_MAX}"]
