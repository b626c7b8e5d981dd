"""Semesters of the AMI, written ``"2020S2"`` (API.md) and shown "2020 semestre 2" [003 A5].

Pure functions: a semester is an ``(année, numéro)`` tuple, ordered as tuples are.
"""

import datetime as dt
import re

_FORME = re.compile(r"^(\d{4})S([12])$")

Semestre = tuple[int, int]


class SemestreInvalide(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def lire(texte: str) -> Semestre:
    """``"2020S2"`` → ``(2020, 2)``; anything else raises :class:`SemestreInvalide`."""
    m = _FORME.match(str(texte or "").strip().upper())
    if m is None:
        raise SemestreInvalide(
            f"Semestre illisible : « {texte} ». Écrivez l'année puis S1 ou S2, par exemple 2020S2."
        )
    return int(m.group(1)), int(m.group(2))


def ecrire(semestre: Semestre) -> str:
    return f"{semestre[0]}S{semestre[1]}"


def libelle(texte: str) -> str:
    """``"2020S2"`` → "2020 semestre 2" (the oSIS wording); empty stays empty."""
    if not texte:
        return ""
    annee, numero = lire(texte)
    return f"{annee} semestre {numero}"


def suivant(semestre: Semestre) -> Semestre:
    annee, numero = semestre
    return (annee, 2) if numero == 1 else (annee + 1, 1)


def intervalle(premier: str, dernier: str) -> list[str]:
    """Every semester from ``premier`` to ``dernier`` included, written ``"2019S1"``."""
    courant, fin = lire(premier), lire(dernier)
    result = []
    while courant <= fin:
        result.append(ecrire(courant))
        courant = suivant(courant)
    return result


def de_la_date(jour: dt.date) -> str:
    """The semester a date falls in."""
    return ecrire((jour.year, 1 if jour.month <= 6 else 2))


def dernier_jour(texte: str) -> dt.date:
    """The semester's last day: 30 June or 31 December (a dossier's target date)."""
    annee, numero = lire(texte)
    return dt.date(annee, 6, 30) if numero == 1 else dt.date(annee, 12, 31)


def verifier(texte: str, premier: str, dernier: str, quoi: str) -> str:
    """The semester written canonically, or :class:`SemestreInvalide` with the range."""
    semestre = lire(texte)
    if not lire(premier) <= semestre <= lire(dernier):
        raise SemestreInvalide(
            f"{quoi} : {libelle(ecrire(semestre))} est hors de la période proposée "
            f"({libelle(premier)} à {libelle(dernier)})."
        )
    return ecrire(semestre)
