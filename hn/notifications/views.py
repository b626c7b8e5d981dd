from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hn.exports import format_demande, libelles, reponse_liste
from hn.notifications.models import Notification


@login_required
def liste(request):
    qs = Notification.objects.filter(destinataire=request.user)
    if request.GET.get("non_lues"):
        qs = qs.non_lues()
    if format_ := format_demande(request):
        return _fichier(format_, qs)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/liste.html",
        {"title": "Notifications", "page_obj": page, "non_lues": request.GET.get("non_lues")},
    )


# The table's columns; its "Notification" cell (title, category, message) in three columns.
ENTETES = ["Date", "Notification", "Catégorie", "Message", "État", "Lue le"]


def _fichier(format_, qs):
    categories = libelles(Notification, "categorie")
    lignes = [
        [
            n.creee_le,
            n.titre,
            categories.get(n.categorie, n.categorie),
            n.message,
            "Lue" if n.lue else "Non lue",
            n.lue_le,
        ]
        for n in qs
    ]
    return reponse_liste(format_, "notifications", "Notifications", ENTETES, lignes)


@login_required
@require_POST
def lire(request, pk):
    """Mark one notification read, then follow its link."""
    notification = get_object_or_404(Notification, pk=pk, destinataire=request.user)
    if notification.lue_le is None:
        notification.lue_le = timezone.now()
        notification.save(update_fields=["lue_le"])
    lien = notification.lien
    if lien and url_has_allowed_host_and_scheme(lien, allowed_hosts={request.get_host()}):
        return redirect(lien)
    return redirect("notifications:liste")


@login_required
@require_POST
def tout_lire(request):
    Notification.objects.filter(destinataire=request.user).non_lues().update(lue_le=timezone.now())
    return redirect("notifications:liste")
