"""Typed input: the one set of field types every action, serializer, form and view reads with.

A value arrives from a JSON body (any JSON value: a string, a number, ``true``, an object…),
from a form (always a string) or from a query string. Each reader below returns the typed value
or raises :class:`ChampInvalide` (a :class:`~hn.saisie.SaisieInvalide`: ``code`` and a French
``message``), never another exception, whatever the value:

- :func:`booleen`: only ``True``/``False`` (JSON ``true``/``false``); ``"false"``, ``"0"``,
  ``"non"``, ``1`` are refused, not guessed. HTML checkboxes are read by :func:`case_cochee`
  (absent → False, ``on``/``true``/``1``/``oui`` → True), which the pages call before handing a
  real boolean to the action;
- :func:`texte`: only strings (None is ``""``), stripped, at most ``longueur`` characters (the
  model's ``max_length``), no control character but newline and tab (``\\r\\n`` becomes
  ``\\n``), no lone surrogate; ``multiligne=False`` refuses newlines and tabs too;
- :func:`decimal`: :func:`hn.saisie.nombre` (French typing "1 234,56" included), finite and
  within the model's ``max_digits``/``decimal_places``;
- :func:`date_saisie`: ISO ``AAAA-MM-JJ`` (and ``JJ/MM/AAAA`` when ``francais``) between
  :data:`DATE_MIN` and :data:`DATE_MAX` (the programmes run from 2011 to the 2020s; these bounds
  refuse year 1 and year 9999 while leaving room for any real date);
- :func:`entier`: an int (not a bool, not ``1.5``, not ``1e20``) or a string of digits, within
  bounds.

``*_ou_erreur`` forms append the message to an ``errors`` dict under the field's name (the
actions collect every field before refusing a whole save, as
:func:`hn.saisie.nombre_ou_erreur`). For the API, :func:`lire` raises DRF's ``ValidationError``
``{champ: [message]}`` (a 400 in API.md's shape), :func:`parametre_entier` does the same for a
query parameter, and the DRF fields (``BooleenStrict`` …) wrap the same readers for
serializers. For pages, :func:`filtre_entier` drops an invalid filter instead.
"""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from hn.saisie import SaisieInvalide, nombre

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
ENTIER_MAX = 2**31 - 1  # a PostgreSQL integer
VRAI_FORMULAIRE = ("on", "true", "1", "oui")
FAUX_FORMULAIRE = ("", "off", "false", "0", "non")
_FRANCAIS = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
_ENTIER = re.compile(r"[+-]?\d{1,12}")


TEXTE_LIBRE_MAX = 10_000  # a comment, a description: a TextField, bounded all the same


class ChampInvalide(SaisieInvalide):
    """A value refused by one of the readers: ``code`` says why, ``message`` in French."""


class SaisieRefusee(Exception):
    """A save refused for bad input: a French ``message`` and ``errors`` ``{champ:
    [messages]}``; nothing was written. ``dossiers.actions.DossierError`` is this class, so
    the API answers it 400 and the pages show it."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def exiger(lecteur, valeur, champ: str, *, resume: str | None = None, **options):
    """``lecteur(valeur)``, or :class:`SaisieRefusee` ``{champ: [its message]}`` (the actions
    that read one field and refuse at once)."""
    try:
        return lecteur(valeur, **options)
    except SaisieInvalide as exc:
        raise SaisieRefusee(resume or exc.message, {champ: [exc.message]}) from None


def _ou_erreur(lecteur):
    def lire_ou_erreur(valeur, champ: str, errors: dict, **options):
        try:
            return lecteur(valeur, **options)
        except SaisieInvalide as exc:
            errors.setdefault(champ, []).append(exc.message)
            return None

    lire_ou_erreur.__name__ = f"{lecteur.__name__}_ou_erreur"
    lire_ou_erreur.__doc__ = f":func:`{lecteur.__name__}`; a refusal goes to ``errors[champ]``."
    return lire_ou_erreur


# --- booleans ------------------------------------------------------------------------------


def booleen(valeur, *, message: str = "Répondez par vrai ou faux (true ou false).") -> bool:
    """Only a real boolean: JSON ``true``/``false``."""
    if valeur is True or valeur is False:
        return valeur
    raise ChampInvalide("invalide", message)


def case_cochee(donnees, nom: str):
    """An HTML checkbox of a form's ``donnees`` (a QueryDict): True when ticked, False when
    absent; an unexpected value is handed on as it is, for :func:`booleen` to refuse."""
    valeur = donnees.get(nom)
    if valeur is None:
        return False
    lu = str(valeur).strip().lower()
    if lu in VRAI_FORMULAIRE:
        return True
    if lu in FAUX_FORMULAIRE:
        return False
    return valeur


# --- texts ---------------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode Cc but newline and tab
_CONTROLE_LIGNE = re.compile("[\x00-\x1f\x7f-\x9f]")


def _caractere_refuse(texte_: str, multiligne: bool) -> str | None:
    if _SURROGATE.search(texte_):
        return "Le texte contient un caractère invalide."
    if (_CONTROLE if multiligne else _CONTROLE_LIGNE).search(texte_):
        return "Le texte contient un caractère de contrôle non autorisé."
    return None


def texte(
    valeur,
    *,
    longueur: int,
    obligatoire: bool = False,
    multiligne: bool = True,
    messages: dict[str, str] | None = None,
) -> str:
    """A string, stripped, at most ``longueur`` characters; None is ``""``."""
    textes = {
        "invalide": "Un texte est attendu.",
        "obligatoire": "Ce champ est obligatoire.",
        "longueur": "Texte trop long ({n} caractères, {longueur} au plus).",
        **(messages or {}),
    }
    if valeur is None:
        valeur = ""
    if not isinstance(valeur, str):
        raise ChampInvalide("invalide", textes["invalide"])
    valeur = valeur.replace("\r\n", "\n").replace("\r", "\n").strip()
    refus = _caractere_refuse(valeur, multiligne)
    if refus:
        raise ChampInvalide("caractere", refus)
    if not valeur and obligatoire:
        raise ChampInvalide("obligatoire", textes["obligatoire"])
    if len(valeur) > longueur:
        raise ChampInvalide("longueur", textes["longueur"].format(n=len(valeur), longueur=longueur))
    return valeur


def texte_libre(valeur, champ: str, *, longueur: int = TEXTE_LIBRE_MAX) -> str:
    """A comment or a free text of an action: :func:`texte`, refused at once with
    :class:`SaisieRefusee` ``{champ: [message]}``."""
    return exiger(texte, valeur, champ, longueur=longueur)


# --- decimals ------------------------------------------------------------------------------


def plus_grand(max_digits: int, decimal_places: int) -> Decimal:
    """The largest value a ``DecimalField(max_digits, decimal_places)`` stores."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places


def decimal(
    valeur,
    *,
    max_digits: int,
    decimal_places: int,
    minimum=None,
    maximum=None,
    obligatoire: bool = False,
    messages: dict[str, str] | None = None,
) -> Decimal | None:
    """:func:`hn.saisie.nombre` bounded by the model's column: finite, ``decimal_places``
    decimals at most, never above what ``max_digits`` holds (nor below its opposite)."""
    if isinstance(valeur, dict | list | tuple | set):
        raise ChampInvalide("invalide", (messages or {}).get("invalide", "Saisissez un nombre."))
    borne = plus_grand(max_digits, decimal_places)
    maximum = borne if maximum is None else min(Decimal(maximum), borne)
    minimum = -borne if minimum is None else max(Decimal(minimum), -borne)
    try:
        return nombre(
            valeur,
            obligatoire=obligatoire,
            minimum=minimum,
            maximum=maximum,
            decimales=decimal_places,
            messages=messages,
        )
    except SaisieInvalide as exc:
        raise ChampInvalide(exc.code, exc.message) from None


# --- dates ---------------------------------------------------------------------------------


def date_saisie(
    valeur,
    *,
    obligatoire: bool = False,
    minimum: dt.date = DATE_MIN,
    maximum: dt.date = DATE_MAX,
    francais: bool = False,
) -> dt.date | None:
    """A date typed ``AAAA-MM-JJ`` (or ``JJ/MM/AAAA`` when ``francais``), or a ``date``;
    None when empty (an error when ``obligatoire``)."""
    format_ = "JJ/MM/AAAA" if francais else "AAAA-MM-JJ"
    if isinstance(valeur, dt.datetime):
        raise ChampInvalide("invalide", f"Saisissez une date ({format_}).")
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        if obligatoire:
            raise ChampInvalide("obligatoire", "Saisissez une date.")
        return None
    lu = valeur if isinstance(valeur, dt.date) else _lire_date(valeur, francais)
    if lu is None:
        raise ChampInvalide("invalide", f"Saisissez une date ({format_}).")
    if not minimum <= lu <= maximum:
        raise ChampInvalide(
            "bornes",
            f"La date doit être comprise entre le {minimum:%d/%m/%Y} et le {maximum:%d/%m/%Y}.",
        )
    return lu


def date_formulaire(valeur):
    """A date typed in a page (``JJ/MM/AAAA`` where the browser has no date picker) in the
    ISO form the actions read; any other value is handed on as it is."""
    if isinstance(valeur, str):
        lu = _lire_date(valeur, francais=True)
        if lu is not None:
            return lu.isoformat()
    return valeur


def _lire_date(valeur, francais: bool) -> dt.date | None:
    if not isinstance(valeur, str):
        return None
    texte_ = valeur.strip()
    try:
        if _ISO.fullmatch(texte_):
            return dt.date.fromisoformat(texte_)
        trouve = _FRANCAIS.fullmatch(texte_) if francais else None
        if trouve:
            jour, mois, annee = (int(g) for g in trouve.groups())
            return dt.date(annee, mois, jour)
    except ValueError:
        return None
    return None


# --- integers ------------------------------------------------------------------------------


def entier(
    valeur,
    *,
    minimum: int = -ENTIER_MAX,
    maximum: int = ENTIER_MAX,
    obligatoire: bool = False,
    message: str | None = None,
) -> int | None:
    """An int (not a bool, not a float) or a string of digits, between the bounds."""
    bornes = message or f"Saisissez un nombre entier entre {minimum} et {maximum}."
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        if obligatoire:
            raise ChampInvalide("obligatoire", message or "Saisissez une valeur.")
        return None
    if isinstance(valeur, bool) or not isinstance(valeur, int | str):
        raise ChampInvalide("invalide", bornes)
    if isinstance(valeur, str):
        if not _ENTIER.fullmatch(valeur.strip()):
            raise ChampInvalide("invalide", bornes)
        valeur = int(valeur.strip())
    if not minimum <= valeur <= maximum:
        raise ChampInvalide("bornes", bornes)
    return valeur


booleen_ou_erreur = _ou_erreur(booleen)
texte_ou_erreur = _ou_erreur(texte)
decimal_ou_erreur = _ou_erreur(decimal)
date_ou_erreur = _ou_erreur(date_saisie)
entier_ou_erreur = _ou_erreur(entier)


# --- API: bodies and query parameters ------------------------------------------------------


def lire(donnees, nom: str, lecteur, *, defaut=None, **options):
    """``lecteur(donnees[nom])`` for an API view (``defaut`` when the key is absent), a
    refusal raised as a 400 ``{nom: [message]}``."""
    if not isinstance(donnees, dict) or nom not in donnees:
        return defaut
    try:
        return lecteur(donnees[nom], **options)
    except SaisieInvalide as exc:
        raise exceptions.ValidationError({nom: [exc.message]}) from None


def parametre_entier(
    request, nom: str, *, minimum: int, maximum: int, defaut=None, message: str | None = None
):
    """An integer query parameter of an API request, ``defaut`` when absent or empty; 400
    with a French message otherwise."""
    valeur = request.query_params.get(nom)
    try:
        lu = entier(valeur, minimum=minimum, maximum=maximum, message=message)
    except ChampInvalide as exc:
        raise exceptions.ValidationError({nom: [exc.message]}) from None
    return defaut if lu is None else lu


def parametre_booleen(request, nom: str, *, defaut: bool = False) -> bool:
    """A yes/no query parameter of an API request: ``true``/``1`` or ``false``/``0`` (absent:
    ``defaut``); 400 otherwise."""
    valeur = request.query_params.get(nom)
    if valeur is None or valeur == "":
        return defaut
    if valeur.lower() in ("true", "1"):
        return True
    if valeur.lower() in ("false", "0"):
        return False
    raise exceptions.ValidationError({nom: ["Indiquez true ou false."]})


def parametre_texte(request, nom: str, *, longueur: int = 100) -> str:
    """A text query parameter of an API request ("" when absent); 400 when unusable."""
    try:
        return texte(request.query_params.get(nom), longueur=longueur, multiligne=False)
    except ChampInvalide as exc:
        raise exceptions.ValidationError({nom: [exc.message]}) from None


def filtre_entier(parametres, nom: str, *, minimum: int, maximum: int, defaut=None):
    """An integer filter of a page's query string (``request.GET``): an invalid value is
    ignored (``defaut``), the page shows its unfiltered list rather than an error."""
    try:
        lu = entier(parametres.get(nom), minimum=minimum, maximum=maximum)
    except ChampInvalide:
        return defaut
    return defaut if lu is None else lu


def filtre_texte(parametres, nom: str, *, longueur: int = 100) -> str:
    """A text filter of a page's query string, "" when invalid or absent."""
    try:
        return texte(parametres.get(nom), longueur=longueur, multiligne=False)
    except ChampInvalide:
        return ""


def filtre_slug(parametres, nom: str, *, defaut: str) -> str:
    """A page's slug named in a form or query string (``retour``): ``defaut`` unless it is a
    plain slug, so that a redirect built from it never points elsewhere nor fails."""
    valeur = parametres.get(nom)
    if isinstance(valeur, str) and _SLUG.fullmatch(valeur):
        return valeur
    return defaut


# --- DRF fields ----------------------------------------------------------------------------


class _ChampStrict(serializers.Field):
    lecteur = None

    def __init__(self, **kwargs):
        self.options = {k: kwargs.pop(k) for k in list(kwargs) if k in self.options_permises}
        super().__init__(**kwargs)

    options_permises: tuple[str, ...] = ()

    def to_internal_value(self, data):
        try:
            return type(self).lecteur(data, **self.options)
        except SaisieInvalide as exc:
            raise serializers.ValidationError(exc.message) from None

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class BooleenStrict(_ChampStrict):
    lecteur = staticmethod(booleen)


@extend_schema_field(OpenApiTypes.STR)
class TexteStrict(_ChampStrict):
    lecteur = staticmethod(texte)
    options_permises = ("longueur", "obligatoire", "multiligne", "messages")


@extend_schema_field(OpenApiTypes.DECIMAL)
class DecimalStrict(_ChampStrict):
    lecteur = staticmethod(decimal)
    options_permises = ("max_digits", "decimal_places", "minimum", "maximum", "messages")

    def to_representation(self, value):
        return str(value)


@extend_schema_field(OpenApiTypes.DATE)
class DateStricte(_ChampStrict):
    lecteur = staticmethod(date_saisie)
    options_permises = ("minimum", "maximum", "francais")

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field(OpenApiTypes.INT)
class EntierStrict(_ChampStrict):
    lecteur = staticmethod(entier)
    options_permises = ("minimum", "maximum", "message")


# --- Django form fields --------------------------------------------------------------------


class _ChampFormulaire(forms.Field):
    lecteur = None
    options_permises: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        self.options = {k: kwargs.pop(k) for k in list(kwargs) if k in self.options_permises}
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return type(self).lecteur(value, **self.options)
        except SaisieInvalide as exc:
            raise DjangoValidationError(exc.message, code=exc.code) from None


class TexteFormulaire(_ChampFormulaire):
    lecteur = staticmethod(texte)
    options_permises = ("longueur", "multiligne", "messages")


class DecimalFormulaire(_ChampFormulaire):
    lecteur = staticmethod(decimal)
    options_permises = ("max_digits", "decimal_places", "minimum", "maximum", "messages")


class DateFormulaire(_ChampFormulaire):
    lecteur = staticmethod(date_saisie)
    options_permises = ("minimum", "maximum", "francais")


class EntierFormulaire(_ChampFormulaire):
    lecteur = staticmethod(entier)
    options_permises = ("minimum", "maximum", "message")


OUI = (True, "true", "oui", 1, "1", 100, "100")
NON = (False, "false", "non", 0, "0")


def oui_non(valeur) -> Decimal | None:
    """A yes/no indicator's answer as stored (100 / 0), None when it is neither."""
    if isinstance(valeur, str):
        valeur = valeur.strip().lower()
    if valeur in OUI:
        return Decimal(100)
    if valeur in NON:
        return Decimal(0)
    return None
