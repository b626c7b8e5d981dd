from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render

from hn.accueil import en_souffrance
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.notifications.models import Notification, StatutCourriel
from hn.taches.models import ExecutionTache
from hn.taches.planning import PERIODIQUES, prochaine_execution


@login_required
def operations(request):
    """National users: each periodic task's last and next run, what it did, its errors."""
    if not acces(request.user).national:
        raise PermissionDenied("Page réservée au niveau national.")
    taches = []
    for tache in PERIODIQUES:
        recentes = list(ExecutionTache.objects.filter(nom=tache.nom)[:10])
        derniere = recentes[0] if recentes else None
        taches.append(
            {
                "tache": tache,
                "derniere": derniere,
                "prochaine": prochaine_execution(tache, derniere.debut if derniere else None),
                "recentes": recentes,
                "erreurs": [r for r in recentes if r.erreurs][:5],
            }
        )
    jour = aujourd_hui()
    courriels = Notification.objects.aggregate(
        a_envoyer=Count("pk", filter=Q(courriel_statut=StatutCourriel.A_ENVOYER)),
        echec=Count("pk", filter=Q(courriel_statut=StatutCourriel.ECHEC)),
    )
    echecs = (
        Notification.objects.filter(courriel_statut=StatutCourriel.ECHEC)
        .select_related("destinataire")
        .order_by("-pk")[:10]
    )
    return render(
        request,
        "taches/operations.html",
        {
            "title": "Opérations",
            "taches": taches,
            "courriels": courriels,
            # Backlog counts registered by the apps (hn.accueil).
            "en_souffrance": en_souffrance(jour),
            "echecs": echecs,
        },
    )
