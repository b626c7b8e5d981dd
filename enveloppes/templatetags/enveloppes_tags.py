from django import template

from enveloppes import regles
from enveloppes.graphiques import compact
from enveloppes.tableaux import euros_entiers

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


@register.filter
def euros_arrondis(montant) -> str:
    """``{{ montant|floatformat:"0g" }}`` (to the euro, half up, no-break space between
    thousands) without Django's general number formatter: a national page shows hundreds."""
    if montant is None or montant == "":
        return ""
    return f"{euros_entiers(montant):,}".replace(",", "\u00a0")
