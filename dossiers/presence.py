"""Who else has a dossier open for editing (issue: DIPISI let two people overwrite each other).

Each page view by someone who may edit records (user, time) in the cache for a few minutes;
the page then names the others. The cache is Redis in production (shared by every worker),
process memory in development."""

from django.core.cache import cache
from django.utils import timezone

DUREE = 300  # seconds a visit counts as "open"


def _cle(dossier) -> str:
    return f"presence:dossier:{dossier.pk}"


def signaler(dossier, user) -> list[dict]:
    """Record ``user`` on ``dossier``; return the other editors seen in the last minutes."""
    maintenant = timezone.now().timestamp()
    presents = {
        uid: info
        for uid, info in (cache.get(_cle(dossier)) or {}).items()
        if maintenant - info["depuis_ts"] < DUREE
    }
    autres = [info for uid, info in presents.items() if uid != user.pk]
    presents[user.pk] = {
        "nom": user.get_full_name() or user.get_username(),
        "depuis_ts": maintenant,
    }
    cache.set(_cle(dossier), presents, DUREE)
    return [
        {
            "nom": info["nom"],
            "depuis": timezone.datetime.fromtimestamp(
                info["depuis_ts"], tz=timezone.get_current_timezone()
            ),
        }
        for info in autres
    ]
