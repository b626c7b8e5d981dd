"""FINESS numbers: 9 characters, the first two the département (2A/2B for Corsica), the last
a Luhn check digit over the first eight.

For Corsica the letter is read as 0 in the Luhn computation (2A/2B -> 20): our choice, the
seeds are silent; it is the convention of the national FINESS extracts.
"""

import re

from django.core.exceptions import ValidationError

_FORMAT = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")


def cle_luhn(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: rightmost digit of the payload, then every other one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def _payload(finess: str) -> str:
    return finess[:8].replace("A", "0").replace("B", "0")


def erreur_finess(finess: str) -> str | None:
    """French message describing what is wrong with ``finess``, or None when it is valid."""
    value = (finess or "").strip().upper()
    if not _FORMAT.match(value):
        return (
            "Le numéro FINESS doit comporter 9 caractères : le département (2 chiffres, ou 2A/2B "
            "pour la Corse) suivi de 7 chiffres."
        )
    if value[:2] in {"00", "20"}:
        return f"Le département {value[:2]} n'existe pas dans un numéro FINESS."
    if cle_luhn(_payload(value)) != int(value[8]):
        return "Le numéro FINESS est invalide : sa clé de contrôle ne correspond pas."
    return None


def valider_finess(finess: str) -> None:
    message = erreur_finess(finess)
    if message:
        raise ValidationError(message, code="finess")


def completer_finess(prefixe: str) -> str:
    """Append the check digit to an 8-character FINESS payload (demo data, factories)."""
    return prefixe + str(cle_luhn(_payload(prefixe.upper())))
