from django import template

from enveloppes import regles
from enveloppes.graphiques import compact
from hn import formats

register = template.Library()


@register.filter
def euros(montant):
    """``1 234 567,89 €``: the envelopes' amounts always to the cent (``hn.formats.euros``);
    ``—`` when absent."""
    return formats.euros(montant, centimes=True)


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
    """To the euro, half up, no-break space between thousands, no unit (``hn.formats.nombre``):
    a national page shows hundreds."""
    if montant is None or montant == "":
        return ""
    return formats.nombre(montant, decimales=0)
