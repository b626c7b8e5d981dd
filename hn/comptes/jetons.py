"""API tokens: created with a random key of which only the SHA-256 is stored, found again by
that hash, refused after ``settings.JETON_INACTIVITE`` seconds without use, revoked by their
owner."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from hn.comptes.models import Jeton, inactivite

# ``utilise_le`` is written at most once per this delay: no write per request.
RAFRAICHISSEMENT = timedelta(minutes=1)


class JetonRefuse(Exception):
    """A key that authenticates nobody; ``message`` is French, for the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def empreinte(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def creer_jeton(user, *, libelle: str = "") -> str:
    """A new token for ``user``; returns its key, the only time it is ever available."""
    key = secrets.token_urlsafe(32)
    Jeton.objects.create(
        user=user, prefixe=key[:8], empreinte=empreinte(key), libelle=libelle[:200]
    )
    return key


def authentifier(key: str) -> Jeton:
    """The live token of ``key`` (its user loaded), its last use refreshed when stale."""
    jeton = Jeton.objects.select_related("user").filter(empreinte=empreinte(key)).first()
    if jeton is None or not jeton.user.is_active:
        raise JetonRefuse("Jeton ou identifiants invalides.")
    now = timezone.now()
    if jeton.est_expire(now=now):
        raise JetonRefuse(
            "Jeton expiré après une période d'inactivité : demandez-en un nouveau "
            "(POST auth/token/)."
        )
    if now - jeton.utilise_le >= RAFRAICHISSEMENT:
        Jeton.objects.filter(pk=jeton.pk).update(utilise_le=now)
        jeton.utilise_le = now
    return jeton


def revoquer(user, pk: int) -> bool:
    """Delete one of ``user``'s own tokens; False when there is none with this id."""
    deleted, _ = Jeton.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


def revoquer_tous(user, *, sauf=None) -> None:
    queryset = Jeton.objects.filter(user=user)
    if sauf is not None:
        queryset = queryset.exclude(pk=sauf.pk)
    queryset.delete()


def purger_expires(*, now=None) -> int:
    """Delete the tokens past their inactivity limit (refused anyway); how many were."""
    now = now or timezone.now()
    deleted, _ = Jeton.objects.filter(utilise_le__lte=now - inactivite()).delete()
    return deleted
