"""The GHT forfait rule [003 A3 §2; SPEC §10] on generated GHTs: the forfait of a domaine is
the sum of each candidate member's own forfait (its activité combinée, hence its category);
for one member it is the single-établissement rule. No database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hn.referentiel.regles import RegleError, forfaits_par_domaine, forfaits_sommes
from tests.referentiel.test_regles import REGLES

activites = st.one_of(
    st.integers(min_value=0, max_value=400_000),
    st.decimals(min_value=0, max_value=400_000, places=2, allow_nan=False, allow_infinity=False),
)
membres = st.lists(activites, min_size=1, max_size=12)
programmes = st.sampled_from(sorted(REGLES))


@given(programme=programmes, liste=membres)
def test_the_ght_forfait_is_the_sum_of_the_members_own(programme, liste):
    regles = REGLES[programme]
    sommes = forfaits_sommes(regles, liste)
    par_membre = [forfaits_par_domaine(regles, a) for a in liste]
    assert set(sommes) == set(regles.grilles)
    for domaine, (standard, avance) in sommes.items():
        assert standard == sum(p[domaine][0] for p in par_membre)
        if regles.domaine_a_forfait_avance(domaine):
            assert avance == sum(p[domaine][1] for p in par_membre)
        else:
            assert avance is None
        assert isinstance(standard, int)


@given(programme=programmes, activite=activites)
def test_one_member_is_the_single_rule(programme, activite):
    regles = REGLES[programme]
    assert forfaits_sommes(regles, [activite]) == forfaits_par_domaine(regles, activite)


def test_no_member_is_refused():
    with pytest.raises(RegleError):
        forfaits_sommes(REGLES["HN"], [])
    assert forfaits_sommes(REGLES["HN"], [Decimal(0)])
