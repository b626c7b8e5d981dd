from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from hn.comptes.scopes import acces
from hn.notifications.models import Notification


def site(request):
    """Site identity and the role's navigation (replaces dsfr's per-request config query)."""
    context = {
        "SITE_CONFIG": {
            "site_title": settings.SITE_TITLE,
            "site_tagline": settings.SITE_TAGLINE,
        }
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    a = acces(user)
    items = [("Accueil", reverse("home"))]
    if a.national or a.regions:
        items.append(("Tableau de bord", reverse("dossiers:tableau")))
    if a.national or a.regions_lecture:
        items.append(("Pilotage", reverse("pilotage:accueil")))
    if a.national or a.regions or a.etablissements:
        items.append(("Dossiers", reverse("dossiers:liste")))
        items.append(("Établissements", reverse("referentiel:etablissements")))
        items.append(("Appels à candidatures", reverse("candidatures:accueil")))
    if a.national or a.regions:
        items.append(("Enveloppes", reverse("enveloppes:liste")))
    items.append(("Programmes", reverse("referentiel:programmes")))
    if a.national or a.regions or a.etablissements:
        items.append(("Journal", reverse("journal:liste")))
    if a.administrateur:
        items.append(("Comptes", reverse("comptes:liste")))
    if a.national:
        items.append(("Opérations", reverse("taches:operations")))
    if a.pilote:
        items.append(("Administration du référentiel", reverse("admin:index")))
    # Unread notifications in the header: one indexed COUNT, only when the header renders.
    context["notifications_non_lues"] = SimpleLazyObject(
        lambda: Notification.objects.filter(destinataire=user).non_lues().count()
    )
    path = request.path
    # The current item: the longest of the menu's addresses that the page's path starts with.
    courant = max(
        (url for _, url in items if path == url or (url != "/" and path.startswith(url))),
        key=len,
        default=None,
    )
    context["nav_items"] = [
        {"label": label, "url": url, "active": url == courant} for label, url in items
    ]
    return context
