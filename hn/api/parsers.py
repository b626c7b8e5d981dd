"""The API's request parsers (REST_FRAMEWORK ``DEFAULT_PARSER_CLASSES``): DRF's, made safe.

Every body is refused with a 400 (``CorpsInvalide``, a ``ParseError`` the exception handler
turns into ``{"detail", "errors"}``) before any view sees it when it is:

- JSON nested deeper than ``PROFONDEUR_MAX``, checked on the text BEFORE ``json.loads`` (whose
  recursion a ``[[[[…]]]]`` body of a few kilobytes would exhaust);
- JSON whose top level is not an object (every endpoint of API.md takes an object);
- not valid JSON, not UTF-8, or carrying a non-finite number (``1e400``, ``NaN``);
- carrying, in any key or value, a NUL character or a lone UTF-16 surrogate (``"\\ud800"``),
  which no database column can store.

Form and multipart bodies get the NUL check on their fields (URL-encoded text cannot carry a
surrogate: Django decodes it with replacement characters).
"""

import json
import math
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

PROFONDEUR_MAX = 32

OBJET_ATTENDU = "Le corps de la requête doit être un objet JSON."
TROP_PROFOND = (
    f"Le corps de la requête est imbriqué trop profondément ({PROFONDEUR_MAX} niveaux au plus)."
)
JSON_INVALIDE = "Le corps de la requête n'est pas un JSON valide."
ENCODAGE_INVALIDE = "Le corps de la requête n'est pas encodé en UTF-8."
NOMBRE_INVALIDE = "Le corps de la requête contient un nombre hors limites."
CARACTERE_INTERDIT = (
    "Le texte envoyé contient un caractère interdit "
    "(caractère nul ou demi-caractère Unicode isolé)."
)

# JSON strings (with their escapes), removed before the brackets are counted.
_CHAINE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_CROCHETS = re.compile(r"[\[\]{}]")
_INTERDITS = re.compile("[\x00\ud800-\udfff]")


class CorpsInvalide(ParseError):
    """A 400 for a body no view should see; ``errors`` goes into the API.md error shape."""

    def __init__(self, detail: str, champ: str = "non_field_errors"):
        super().__init__(detail)
        self.errors = {champ: [detail]}


def verifier_profondeur(texte: str, limite: int = PROFONDEUR_MAX) -> None:
    """Refuse JSON text whose arrays and objects nest deeper than ``limite``, without parsing
    it: brackets are counted outside strings, and the scan stops at the first excess."""
    profondeur = 0
    for crochet in _CROCHETS.finditer(_CHAINE.sub("", texte)):
        if crochet.group() in "[{":
            profondeur += 1
            if profondeur > limite:
                raise CorpsInvalide(TROP_PROFOND)
        else:
            profondeur -= 1


def texte_interdit(valeur: str) -> bool:
    """A NUL character or a lone surrogate (neither can be stored nor encoded in UTF-8)."""
    return _INTERDITS.search(valeur) is not None


def _valeur_interdite(valeur) -> str | None:
    """The refusal of one scalar of the body: forbidden text, or a non-finite number."""
    if isinstance(valeur, str) and texte_interdit(valeur):
        return CARACTERE_INTERDIT
    if isinstance(valeur, float) and not math.isfinite(valeur):
        return NOMBRE_INVALIDE
    return None


def verifier_valeurs(donnees: dict) -> None:
    """Walk a parsed JSON object once (keys, strings, numbers), iteratively; a refusal names
    the top-level field that carries it (``non_field_errors`` for a bad key at the top)."""
    for champ, valeur in donnees.items():
        if texte_interdit(champ):
            raise CorpsInvalide(CARACTERE_INTERDIT)
        pile = [valeur]
        while pile:
            courant = pile.pop()
            if isinstance(courant, dict):
                pile.extend(courant.keys())
                pile.extend(courant.values())
            elif isinstance(courant, list):
                pile.extend(courant)
            elif message := _valeur_interdite(courant):
                raise CorpsInvalide(message, champ)


def _constante(nom: str) -> float:
    return float(nom)  # NaN, Infinity: refused by verifier_valeurs, with their field


def lire_objet_json(brut: bytes, encoding: str = "utf-8") -> dict:
    """Bytes of a JSON request body -> the object it holds, or ``CorpsInvalide``."""
    try:
        texte = brut.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise CorpsInvalide(ENCODAGE_INVALIDE) from exc
    verifier_profondeur(texte)
    try:
        donnees = json.loads(texte, parse_constant=_constante)
    except (ValueError, RecursionError) as exc:  # RecursionError: belt and braces
        raise CorpsInvalide(JSON_INVALIDE) from exc
    if not isinstance(donnees, dict):
        raise CorpsInvalide(OBJET_ATTENDU)
    verifier_valeurs(donnees)
    return donnees


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (the request keeps treating it as such), bounded as above."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        return lire_objet_json(stream.read() if stream is not None else b"", encoding)


def _verifier_champs(donnees) -> None:
    for cle, valeurs in donnees.lists():
        if texte_interdit(cle):
            raise CorpsInvalide(CARACTERE_INTERDIT)
        if any(texte_interdit(str(v)) for v in valeurs):
            raise CorpsInvalide(CARACTERE_INTERDIT, cle)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        donnees = super().parse(stream, media_type, parser_context)
        _verifier_champs(donnees)
        return donnees


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        resultat = super().parse(stream, media_type, parser_context)
        _verifier_champs(resultat.data)
        for cle, fichiers in resultat.files.lists():
            if texte_interdit(cle) or any(texte_interdit(f.name or "") for f in fichiers):
                raise CorpsInvalide(CARACTERE_INTERDIT)
        return resultat
