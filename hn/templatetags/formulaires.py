"""The one pattern of a field's error in every HTML form (DSFR).

A view hands ``errors`` ``{field name: [French messages]}`` (the shape every action raises,
keyed by the input's ``name``) and re-renders the values that were typed. A template asks::

    {% erreur_champ errors "contacts.dsi.email" as e %}
    <div class="fr-input-group{% if e %} fr-input-group--error{% endif %}">
      <label …><input … name="contacts.dsi.email"{{ e.aria }}>
      {% include "includes/champ_erreur.html" %}
    </div>

``e.aria`` sets ``aria-invalid`` and points ``aria-describedby`` at the message, which
``includes/champ_erreur.html`` prints under the field with that id. Django forms go through
``includes/form_fields.html``, whose widgets get the same attributes from Django itself."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


class ErreurChamp:
    """A field's error (false when the field has none)."""

    def __init__(self, champ: str, messages=()):
        self.champ = str(champ)
        self.messages = [str(m) for m in messages or ()]

    def __bool__(self) -> bool:
        return bool(self.messages)

    @property
    def id(self) -> str:
        return f"{self.champ}-erreur"

    @property
    def message(self) -> str:
        return " ".join(self.messages)

    @property
    def aria(self):
        """`` aria-invalid="true" aria-describedby="…"`` on the input, nothing without error."""
        if not self:
            return mark_safe("")
        return format_html(' aria-invalid="true" aria-describedby="{}"', self.id)


@register.simple_tag
def erreur_champ(errors, champ) -> ErreurChamp:
    """The error of the field named ``champ`` in ``errors`` (a dict, or nothing)."""
    messages = errors.get(str(champ)) if hasattr(errors, "get") else None
    if isinstance(messages, str):
        messages = [messages]
    return ErreurChamp(champ, messages)


class FormulairePoste:
    """A form's errors and typed values, both empty unless it is the form that was posted."""

    def __init__(self, errors=None, saisie=None):
        self.errors = errors or {}
        self.saisie = saisie or {}

    def __bool__(self) -> bool:
        return bool(self.saisie)


@register.simple_tag
def formulaire_poste(errors, saisie, **criteres) -> FormulairePoste:
    """On a page of several forms: ``errors`` and ``saisie`` (the POST) for the form whose
    hidden fields are ``criteres`` (``etape="amorcage" domaine=code``), nothing for the others,
    so a message and a typed value only show in the form they belong to."""
    if not hasattr(saisie, "get") or not all(saisie.get(k) == str(v) for k, v in criteres.items()):
        return FormulairePoste()
    return FormulairePoste(errors, saisie)


@register.simple_tag
def erreur_message(messages, *parties) -> ErreurChamp:
    """The error of the field named by ``parties`` joined by hyphens (``"remplacer" p.pk``),
    carried across a redirect by an error message tagged ``champ:<name>``
    (``messages.error(request, texte, extra_tags="champ:fichier")``): a file field, whose value
    no page can send back, still shows its message where the file was chosen."""
    champ = "-".join(str(p) for p in parties)
    tag = f"champ:{champ}"
    textes = [str(m) for m in messages or () if tag in (getattr(m, "extra_tags", "") or "").split()]
    return ErreurChamp(champ, textes)
