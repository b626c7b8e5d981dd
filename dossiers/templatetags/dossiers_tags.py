from django import template

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
