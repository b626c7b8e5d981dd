"""Numbers typed by a user (a web form, an API body): one parser for every form and serializer.

:func:`nombre` reads a French typing of a number and returns a :class:`~decimal.Decimal`, or
raises :class:`SaisieInvalide` (and nothing else) with a French message for the user:

- the decimal separator is a comma or a point (``"12,5"``, ``"12.5"``);
- spaces are thousands separators wherever they are, ordinary, non-breaking or narrow
  non-breaking (``"12 000,50"``, ``"12\u202f000,50"``);
- anything else Python's ``Decimal`` reads is read (``"1e3"``, ``"1_000"``), ints and floats
  through their ``str``;
- an empty value (``None``, ``""``, only spaces) is ``None``, or an error when ``obligatoire``;
- ``NaN`` and infinities are no usable figure: refused with the minimum's message when there is
  a minimum (they are no figure in the range), else with the ``invalide`` one, unless the call
  site names a ``non_fini`` message;
- checks in this order: empty, not a number, not finite, ``minimum``, ``decimales``,
  ``maximum`` (an amount with too many decimals is told so even when it is also too large);
- a value with more decimals than ``decimales`` is refused, never rounded (the database would
  round 89.999 to 90.00 and the ES would be judged on a figure it did not type); trailing
  zeros do not count (``"12.500"`` has one decimal);
- ``-0`` is returned as ``0``; any other number is returned as typed (``"12.50"`` stays
  ``Decimal("12.50")``).

Each message can be replaced per call site (``messages={"minimum": ...}``, Django's
``error_messages`` habit); a message may name ``{minimum}``, ``{maximum}`` and ``{decimales}``.
:func:`nombre_ou_erreur` is the form of it the actions use: the message goes to an
``errors`` dict under the field's name, and the value is ``None``.
"""

from decimal import Decimal, InvalidOperation

CODES = ("obligatoire", "invalide", "non_fini", "minimum", "decimales", "maximum")
DECIMALES_EN_LETTRES = {1: "Une décimale", 2: "Deux décimales", 3: "Trois décimales"}


class SaisieInvalide(ValueError):
    """A typed value that is no acceptable number: ``code`` (one of :data:`CODES`) says why,
    ``message`` says it in French for the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def messages_par_defaut(*, minimum=None, maximum=None, decimales=None) -> dict[str, str]:
    """The French messages of each refusal for these bounds (before the call site's own)."""
    if minimum is not None and maximum is not None:
        bornes = "La valeur doit être entre {minimum} et {maximum}."
        messages = {"minimum": bornes, "maximum": bornes}
    else:
        messages = {
            "minimum": "La valeur doit être ≥ {minimum}.",
            "maximum": "La valeur doit être ≤ {maximum}.",
        }
    if decimales == 0:
        messages["decimales"] = "Saisissez un nombre entier."
    else:
        en_lettres = DECIMALES_EN_LETTRES.get(decimales, "{decimales} décimales")
        messages["decimales"] = f"{en_lettres} au plus."
    return {"obligatoire": "Saisissez une valeur.", "invalide": "Saisissez un nombre.", **messages}


def nombre_de_decimales(valeur: Decimal) -> int:
    """How many decimals a finite number has, trailing zeros left out; exact at any size (no
    arithmetic context involved, so no rounding and no overflow)."""
    if valeur.is_zero():
        return 0
    _signe, chiffres, exposant = valeur.as_tuple()
    fin = len(chiffres)
    while exposant < 0 and chiffres[fin - 1] == 0:
        fin -= 1
        exposant += 1
    return max(0, -exposant)


def _lire(valeur) -> Decimal | None:
    """The number typed, None when nothing is typed; InvalidOperation when it is no number."""
    if valeur is None:
        return None
    if isinstance(valeur, bool):  # True is no figure (its str would not parse anyway)
        raise InvalidOperation
    texte = "".join(str(valeur).split())  # every kind of space, anywhere
    if not texte:
        return None
    return Decimal(texte.replace(",", "."))


def nombre(
    valeur,
    *,
    obligatoire: bool = False,
    minimum=None,
    maximum=None,
    decimales: int | None = None,
    messages: dict[str, str] | None = None,
) -> Decimal | None:
    """The typed ``valeur`` as a Decimal (None when empty and not ``obligatoire``); raises
    :class:`SaisieInvalide` when it is not acceptable. See the module's docstring."""
    textes = messages_par_defaut(minimum=minimum, maximum=maximum, decimales=decimales)
    textes.update(messages or {})

    def refus(code: str) -> SaisieInvalide:
        texte = textes[code].format(minimum=minimum, maximum=maximum, decimales=decimales)
        return SaisieInvalide(code, texte)

    try:
        lu = _lire(valeur)
    except (InvalidOperation, ValueError, TypeError):
        raise refus("invalide") from None
    if lu is None:
        if obligatoire:
            raise refus("obligatoire")
        return None
    if not lu.is_finite():
        if "non_fini" in textes:
            raise refus("non_fini")
        raise refus("minimum" if minimum is not None else "invalide")
    if lu.is_zero():
        lu = lu.copy_abs()
    if minimum is not None and lu < minimum:
        raise refus("minimum")
    if decimales is not None and nombre_de_decimales(lu) > decimales:
        raise refus("decimales")
    if maximum is not None and lu > maximum:
        raise refus("maximum")
    return lu


def nombre_ou_erreur(valeur, champ: str, errors: dict, **options) -> Decimal | None:
    """:func:`nombre`, with a refusal appended to ``errors[champ]`` (and None returned): the
    actions collect every field's errors before refusing a whole save."""
    try:
        return nombre(valeur, **options)
    except SaisieInvalide as exc:
        errors.setdefault(champ, []).append(exc.message)
        return None
