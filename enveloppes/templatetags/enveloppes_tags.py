from django import template

from enveloppes import regles
from enveloppes.graphiques import compact

register = template.Library()


@register.filter
def euros(montant):
    """``1 234 567,89 €`` (to the cent, no-break spaces): ``enveloppes.regles.euros``."""
    if montant is None or montant == "":
        return "—"
    return regles.euros(montant)


@register.filter
def euros_compacts(montant):
    return compact(montant)


@register.filter
def brut(montant) -> str:
    """The exact decimal, unlocalised (data attributes)."""
    return "" if montant is None else str(montant)


@register.filter
def pourcent(part):
    """``Decimal("0.20")`` → ``20 %``."""
    return regles.pourcent(part)
