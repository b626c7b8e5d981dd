"""Each programme's audit parameters, with their sources (as ``enveloppes.parametres``): not in
the référentiel's fixtures yet, keyed by programme code. A programme absent from this table is
auditable from the year after its reference year of activity."""

PREMIERE_ANNEE: dict[str, int] = {
    # The instruction of 2013 opens the dépôts; the yearly selection caps start in 2013
    # [000 §2, A1 §4]: no dossier can be retained before.
    "HN": 2013,
    # The call for applications opens in February 2019 [003 §5.3.2]; the first dossiers are
    # retained that year.
    "HOPEN": 2019,
}

DELAI_REPONSE_MOIS = 1  # the ES answers within one month (our choice, SPEC §8)


def premiere_annee(programme) -> int:
    """The first year a draw may cover."""
    return PREMIERE_ANNEE.get(programme.code, programme.annee_reference_activite + 1)
