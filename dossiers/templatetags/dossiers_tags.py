import functools
from datetime import datetime
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.timezone import template_localtime

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ errors|get:"indicateurs.P1.1" }}``: dict lookup with a computed key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def cle(prefix, suffix):
    return f"{prefix}.{suffix}"


# --- lists of dossiers: what every row repeats, at a fraction of the general tags' cost ---------

_MARQUE = "numero-du-dossier"


@functools.cache
def _chemin(nom: str) -> str:
    """The route's path with a marker for the number, reversed once per process."""
    return reverse(nom, args=[_MARQUE])[len(get_script_prefix()) :]


@register.simple_tag
def url_dossier(nom, numero):
    """``{% url_dossier 'dossiers:detail' d.numero %}`` = ``{% url 'dossiers:detail' d.numero %}``
    for a route whose only argument is a dossier number, without resolving the route again for
    every row of a list."""
    valeur = quote(str(numero), safe=RFC3986_SUBDELIMS + "/~:@")
    return get_script_prefix() + _chemin(nom).replace(_MARQUE, valeur)


@register.filter
def jour(valeur):
    """``|jour`` = ``|date:"d/m/Y"`` (a datetime in the current time zone), without the general
    date formatter."""
    if not valeur:
        return ""
    if isinstance(valeur, datetime):
        valeur = template_localtime(valeur)
    return valeur.strftime("%d/%m/%Y")
