"""Login throttling (django-axes): client address, the French 429 answer, traces, unlocking.

After ``AXES_FAILURE_LIMIT`` failures for one username from one address, that pair is refused
for ``AXES_COOLOFF_TIME`` (counted from the last failure; refused attempts do not extend it),
on the login pages and on ``POST auth/token/`` alike. Failures live in axes' database table,
shared by every gunicorn worker.
"""

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from hn.comptes.models import User
from hn.journal.services import tracer


class AxesBackend(AxesStandaloneBackend):
    """Axes' check, skipped when ``authenticate()`` is called without a request.

    Every HTTP login path passes its request (the login pages' form, ``auth/token/``); calls
    without one (the test client's ``login()``, a shell) come from no address to throttle.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def ip_client(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind a reverse proxy the header named by
    ``IP_CLIENT_ENTETE`` (e.g. ``X-Forwarded-For``), read from the right past the
    ``IP_CLIENT_PROXYS`` trusted proxies (entries further left are the client's to forge)."""
    entete = settings.IP_CLIENT_ENTETE
    if entete:
        cle = "HTTP_" + entete.upper().replace("-", "_")
        adresses = [a.strip() for a in request.META.get(cle, "").split(",") if a.strip()]
        if adresses:
            rang = len(adresses) - max(settings.IP_CLIENT_PROXYS, 1)
            return adresses[max(rang, 0)]
    return request.META.get("REMOTE_ADDR")


def fin_blocage(username: str | None, ip_address: str | None):
    """When the pair may try again (aware datetime), or None if it is not blocked."""
    derniere = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        Max("attempt_time")
    )["attempt_time__max"]
    if derniere is None:
        return None
    return derniere + get_cool_off()


def blocage(username: str | None, ip_address: str | None) -> tuple[str, int]:
    """The French message of a blocked pair and the seconds until it is free again."""
    fin = fin_blocage(username, ip_address) or timezone.now() + get_cool_off()
    # Rounded up to the minute: at the time shown, the pair is free again.
    local = timezone.localtime(fin)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    message = (
        f"Trop de tentatives de connexion ont échoué pour cet identifiant depuis votre adresse : "
        f"les connexions sont bloquées. Réessayez après {local:%H:%M}, ou utilisez « Mot de "
        f"passe oublié ? »."
    )
    return message, max(math.ceil((fin - timezone.now()).total_seconds()), 1)


def reponse_blocage(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: JSON for the API, the platform's French page otherwise; both a
    429 with ``Retry-After``."""
    message, secondes = blocage(
        get_client_username(request, credentials), getattr(request, "axes_ip_address", None)
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(
            request,
            "registration/bloque.html",
            {"title": "Connexion bloquée", "message": message},
            status=429,
        )
    response["Retry-After"] = str(secondes)
    return response


def _trace(action: str, *, username: str, commentaire: str, acteur=None):
    """A trace about an account's logins, readable in the scope of its first role."""
    user = User.objects.filter(username=username).first()
    attribution = user.attributions.first() if user is not None else None
    tracer(
        action,
        acteur=acteur,
        objet=user,
        etablissement=attribution.etablissement if attribution else None,
        region=attribution.region if attribution else None,
        commentaire=commentaire[:500],
    )


def tracer_blocage(sender, request, username, ip_address, **kwargs):
    """Receiver of axes' ``user_locked_out``: one trace when the block starts (the attempts
    refused during the block are traced as failed logins by hn.journal)."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    _trace(
        "connexion_bloquee",
        username=username,
        commentaire=(
            f"identifiant : {username} ; adresse : {ip_address} ; "
            f"{request.axes_failures_since_start} échecs"
        ),
    )


# --- Unlocking -------------------------------------------------------------------------------


def blocages():
    """Current blocks, one row per (username, address): ``username``, ``ip_address``,
    ``echecs``, ``derniere``."""
    depuis = timezone.now() - get_cool_off()
    return (
        AccessAttempt.objects.filter(attempt_time__gte=depuis)
        .values("username", "ip_address")
        .annotate(echecs=Sum("failures_since_start"), derniere=Max("attempt_time"))
        .filter(echecs__gte=get_failure_limit(None, None))
        .order_by("-derniere")
    )


@transaction.atomic
def debloquer(*, username: str, ip_address: str, comptes_administrables, acting_user) -> int:
    """Lift the block of one (username, address) pair. ``comptes_administrables``: the
    usernames the acting administrator manages (a ``values("username")`` queryset), or None
    for all (national level)."""
    if (
        comptes_administrables is not None
        and not comptes_administrables.filter(username=username).exists()
    ):
        raise PermissionDenied("Vous ne pouvez pas administrer ce compte.")
    nombre = AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)
    _trace(
        "connexion_debloquee",
        username=username,
        acteur=acting_user,
        commentaire=f"identifiant : {username} ; adresse : {ip_address}",
    )
    return nombre
