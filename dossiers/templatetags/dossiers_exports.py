"""Template helpers of the exports (PDF, print preview, accusé de dépôt)."""

from django import template

register = template.Library()


@register.simple_tag
def dernier_depot(dossier):
    """The dossier's last dépôt (for its accusé), or None."""
    return dossier.depots.order_by("-rang").only("pk", "rang", "dossier_id").first()
