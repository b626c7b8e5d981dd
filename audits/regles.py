"""The audit draw as pure functions [SPEC §8; 000 A5]: anyone can recheck a draw from its
recorded population and seed with Python alone::

    import math, random
    taille = max(1, math.ceil(len(population) / 10)) if population else 0
    random.Random(graine).sample(population, taille) == tires
"""

import datetime as dt
import math
import random
import secrets

PART = 10  # 10 % of the retained dossiers [000 A5]
GRAINE_MAX = 2**63 - 1  # stored in a PostgreSQL bigint


def taille(n: int) -> int:
    """⌈10 % × N⌉, at least one when N > 0 (integer arithmetic: no float rounding)."""
    if n <= 0:
        return 0
    return max(1, math.ceil(n / PART))


def dans_la_population(annee: int, accepte_le: dt.date | None, clos_le: dt.date | None) -> bool:
    """Accepted on or before 31 December of ``annee`` and not closed before 1 January of it."""
    if accepte_le is None or accepte_le > dt.date(annee, 12, 31):
        return False
    return clos_le is None or clos_le >= dt.date(annee, 1, 1)


def population(annee: int, dossiers) -> list[str]:
    """The sorted numéros of ``dossiers`` (``(numero, accepte_le, clos_le)``) that belong to the
    year's population."""
    return sorted(
        numero
        for numero, accepte_le, clos_le in dossiers
        if dans_la_population(annee, accepte_le, clos_le)
    )


def echantillon(population_: list[str], graine: int) -> list[str]:
    """The sample, in draw order: exactly ``random.Random(graine).sample(population, size)``."""
    return random.Random(graine).sample(population_, taille(len(population_)))


def nouvelle_graine() -> int:
    return secrets.randbelow(GRAINE_MAX + 1)
