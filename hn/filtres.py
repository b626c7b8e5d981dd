"""The French display filters, builtin in every template (settings ``TEMPLATES`` ``builtins``):
thin wrappers of :mod:`hn.formats`, so that a page and a PDF read a number the same way.

- ``{{ montant|euros }}`` (``68 571 €``, ``1 234,50 €``), ``|euros:"centimes"`` (always to the
  cent), ``|euros:"arrondi"`` (to the euro); ``|montant`` the same without the unit (a
  column headed « (€) »);
- ``{{ x|nombre }}`` (two places at most), ``|nombre:0`` (whole), ``|nombre:1``;
- ``{{ taux|pourcentage }}`` (a value in percent: ``95,0 %``);
- ``{{ valeur|valeur_indicateur:indicateur }}`` (``Oui``/``Non`` or ``95,0 %``) and
  ``{{ indicateur|cible_indicateur }}``;
- ``{{ n|pluralize }}`` follows the French rule (0 and 1 singular) with Django's arguments
  (``"s"``, ``"a,ont"``); it replaces Django's own, which makes 0 plural;
- ``{{ texte|sans_references }}``: a référentiel text without its source annotations.
"""

from django import template
from django.template.defaultfilters import stringfilter

from hn import formats

register = template.Library()

_CENTIMES = {"": None, "centimes": True, "arrondi": False}


@register.filter
def euros(montant, mode=""):
    return formats.euros(montant, centimes=_CENTIMES[mode])


@register.filter
def montant(valeur, mode=""):
    return formats.montant(valeur, centimes=_CENTIMES[mode])


@register.filter
def nombre(valeur, decimales=2):
    return formats.nombre(valeur, decimales=int(decimales))


@register.filter
def pourcentage(valeur):
    return formats.pourcentage(valeur)


@register.filter
def valeur_indicateur(valeur, indicateur):
    return formats.valeur_indicateur(valeur, indicateur)


@register.filter
def cible_indicateur(indicateur):
    return formats.cible_indicateur(indicateur)


@register.filter(is_safe=False)
def pluralize(valeur, suffixes="s"):
    """Django's ``pluralize`` with the French rule: singular for 0 and 1."""
    if "," not in suffixes:
        suffixes = "," + suffixes
    parties = suffixes.split(",")
    if len(parties) > 2:
        return ""
    singulier, pluriel = parties
    compte = valeur
    if hasattr(valeur, "__len__") and not isinstance(valeur, str):
        compte = len(valeur)
    return pluriel if formats.est_pluriel(compte) else singulier


@register.filter
@stringfilter
def sans_references(texte):
    return formats.sans_references(texte)


@register.filter
@stringfilter
def de_lieu(nom):
    return formats.de_lieu(nom)
