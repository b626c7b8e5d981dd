from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from hn.champs import filtre_texte
from hn.journal.models import Evenement


@login_required
def liste(request):
    qs = Evenement.objects.visibles_par(request.user)
    action = filtre_texte(request.GET, "action")
    if action:
        qs = qs.filter(action=action)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for evenement in page.object_list:
        evenement.valeurs_visibles = evenement.valeurs_lisibles_par(request.user)
    return render(request, "journal/liste.html", {"title": "Journal des actions", "page_obj": page})
