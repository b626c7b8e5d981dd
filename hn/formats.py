"""French display of numbers and words: the one home of how a user reads an amount, a number,
a percentage, an indicator value, a plural or a place name (issue 19, points 7 and 8).

Pure functions, no Django: the templates reach them through the builtin filters of
``hn.filtres`` (settings ``TEMPLATES["OPTIONS"]["builtins"]``), Python messages and PDFs call
them directly. Thousands are grouped with a no-break space (U+00A0), the decimal separator is a
comma and the unit follows a no-break space: ``1 234,50 €``, ``95,0 %``. An absent value
(``None`` or ``""``) reads ``—``.

Only for display: form inputs keep machine values (``hn.saisie`` reads a decimal comma, a
dot and these grouped thousands alike, so a displayed value typed back is accepted).
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ESPACE = "\u00a0"  # no-break space: between thousands and before a unit
ABSENT = "—"


def decimal(valeur) -> Decimal | None:
    """``valeur`` as a Decimal (str with a dot or a comma, int, float, Decimal), None when it is
    absent or not a number."""
    if valeur is None or valeur == "" or isinstance(valeur, bool):
        return None
    if isinstance(valeur, float):
        valeur = repr(valeur)
    texte = str(valeur).strip().replace(ESPACE, "").replace("\u202f", "").replace(" ", "")
    try:
        resultat = Decimal(texte.replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return resultat if resultat.is_finite() else None


def nombre(valeur, *, decimales: int = 2, minimum: int = 0) -> str:
    """``1234.5`` → ``1 234,5``: rounded half up to ``decimales`` places, trailing zeros dropped
    down to ``minimum`` places; ``—`` when absent."""
    d = decimal(valeur)
    if d is None:
        return ABSENT
    arrondi = d.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    entier, _, fraction = f"{abs(arrondi):f}".partition(".")
    fraction = fraction.rstrip("0").ljust(minimum, "0")
    groupes = f"{int(entier):,}".replace(",", ESPACE)
    signe = "-" if arrondi < 0 else ""
    return f"{signe}{groupes},{fraction}" if fraction else f"{signe}{groupes}"


def montant(valeur, *, centimes: bool | None = None) -> str:
    """An amount without its unit (a column headed « (€) »): ``68 571``, ``1 234,50``.
    ``centimes``: None shows the cents only when there are some, True always (``68 571,00``),
    False rounds to the euro (half up)."""
    d = decimal(valeur)
    if d is None:
        return ABSENT
    if centimes is False:
        return nombre(d, decimales=0)
    if centimes is True or d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) % 1:
        return nombre(d, decimales=2, minimum=2)
    return nombre(d, decimales=0)


def euros(valeur, *, centimes: bool | None = None) -> str:
    """``68 571 €``, ``1 234,50 €``, ``-12,30 €`` (see :func:`montant`); ``—`` when absent."""
    texte = montant(valeur, centimes=centimes)
    return texte if texte == ABSENT else f"{texte}{ESPACE}€"


def pourcentage(valeur, *, decimales: int = 2, minimum: int = 1) -> str:
    """A value already in percent: ``95`` → ``95,0 %``, ``95.25`` → ``95,25 %`` (one place at
    least, the two stored places at most: a value is never shown rounded across its target)."""
    d = decimal(valeur)
    if d is None:
        return ABSENT
    return f"{nombre(d, decimales=decimales, minimum=minimum)}{ESPACE}%"


def _type(indicateur) -> str:
    return str(getattr(indicateur, "type", indicateur) or "")


def valeur_indicateur(valeur, indicateur, *, non_applicable: bool = False) -> str:
    """An indicator's value as the user reads it, by its type (``indicateur``: an Indicateur or
    its type, ``existence`` or ``taux``): existence → ``Oui``/``Non`` (stored 100/0, or a
    boolean, or ``oui``/``non``), taux → ``95,0 %``; ``Non applicable``, ``—`` when absent."""
    if non_applicable:
        return "Non applicable"
    if valeur is None or valeur == "":
        return ABSENT
    if _type(indicateur) == "existence":
        if isinstance(valeur, bool):
            return "Oui" if valeur else "Non"
        if str(valeur).strip().lower() in ("oui", "non"):
            return str(valeur).strip().capitalize()
        d = decimal(valeur)
        if d is None:
            return ABSENT
        return "Oui" if d >= 100 else "Non"
    return pourcentage(valeur)


def cible_indicateur(indicateur) -> str:
    """An indicator's target: ``Oui`` (existence), ``≥ 95,0 %``, or ``à confirmer``."""
    if _type(indicateur) == "existence":
        return "Oui"
    cible = getattr(indicateur, "cible", None)
    return "à confirmer" if cible is None else f"≥{ESPACE}{pourcentage(cible)}"


# --- words --------------------------------------------------------------------------------------


def est_pluriel(nombre_) -> bool:
    """French rule: plural from 2 on (``0 dossier``, ``1 dossier``, ``2 dossiers``)."""
    d = decimal(nombre_)
    return d is not None and abs(d) >= 2


def accorder(nombre_, texte: str) -> str:
    """``accorder(2, "dossier(s) refusé(s)")`` → ``dossiers refusés``; 0 and 1 stay singular."""
    return texte.replace("(s)", "s" if est_pluriel(nombre_) else "")


def compter(nombre_, texte: str) -> str:
    """``compter(0, "dossier(s)")`` → ``0 dossier``, ``compter(1234, "dossier(s)")`` →
    ``1 234 dossiers``."""
    return f"{nombre(nombre_, decimales=0)} {accorder(nombre_, texte)}"


_VOYELLE = re.compile(r"^[aeiouyàâäéèêëîïôöùûüœæ]", re.IGNORECASE)
_H_MUET = ("Hazebrouck", "Hendaye", "Hyères")


def de_lieu(nom: str) -> str:
    """``de`` before a place name, with French elision and contraction: ``du Puy-en-Velay``
    (Le), ``des Sables-d'Olonne`` (Les), ``de La Rochelle`` (La keeps its capital),
    ``d'Annecy``, ``d'Évreux``, ``de Paris``."""
    nom = nom.strip()
    if nom.startswith("Le "):
        return f"du {nom[3:]}"
    if nom.startswith("Les "):
        return f"des {nom[4:]}"
    if _VOYELLE.match(nom) or nom.startswith(_H_MUET):
        return f"d'{nom}"
    return f"de {nom}"


_REFERENCE = re.compile(r"\[[^\]]*\]")  # "[003 §5.3.2]": where a text comes from
_NOTE_DE_SOURCE = re.compile(r"\([^()]*\b(?:texte source|seeds)\b[^()]*\)")


def sans_references(texte: str) -> str:
    """A référentiel text as a user reads it: without its source references (``[003 §5.3.2]``)
    nor the notes on the sources (``(numéro absent du texte source)``), which stay in the data
    for whoever maintains it (admin, API)."""
    texte = _NOTE_DE_SOURCE.sub("", _REFERENCE.sub("", texte or ""))
    return " ".join(texte.split()).strip(" ;,:")
