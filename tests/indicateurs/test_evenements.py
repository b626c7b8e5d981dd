"""The dossier's events reach the apps above it in a fixed order (``dossiers.evenements``)."""

import pytest

from dossiers import evenements


def _noms(evenement):
    return [
        f"{a.fonction.__module__}.{a.fonction.__name__}" for a in evenements.ABONNEMENTS[evenement]
    ]


def test_acceptance_enters_the_follow_up_then_engages_then_decides_the_amorcage():
    assert _noms(evenements.ACCEPTE) == [
        "indicateurs.evenements.entrer_en_suivi",
        "enveloppes.evenements.engager_a_l_acceptation",
        "enveloppes.evenements.decider_amorcage_a_l_acceptation",
    ]


def test_total_closure_closes_the_open_domaines():
    assert _noms(evenements.CLOTURE) == ["indicateurs.evenements.clore_tous_les_domaines"]


def test_a_handler_registered_twice_runs_once_and_an_error_stops_the_others(monkeypatch):
    monkeypatch.setitem(evenements.ABONNEMENTS, evenements.CLOTURE, [])
    vus = []

    def premier(**contexte):
        vus.append(("premier", contexte))
        raise ValueError("refusé")

    def second(**contexte):
        vus.append(("second", contexte))

    evenements.abonner(evenements.CLOTURE, ordre=20)(second)
    evenements.abonner(evenements.CLOTURE, ordre=10)(premier)
    evenements.abonner(evenements.CLOTURE, ordre=10)(premier)
    assert len(evenements.ABONNEMENTS[evenements.CLOTURE]) == 2
    with pytest.raises(ValueError, match="refusé"):
        evenements.annoncer(evenements.CLOTURE, motif="m")
    assert vus == [("premier", {"motif": "m"})]
