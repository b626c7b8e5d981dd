from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hn.notifications.models import Notification


@login_required
def liste(request):
    qs = Notification.objects.filter(destinataire=request.user)
    if request.GET.get("non_lues"):
        qs = qs.non_lues()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/liste.html",
        {"title": "Notifications", "page_obj": page, "non_lues": request.GET.get("non_lues")},
    )


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
