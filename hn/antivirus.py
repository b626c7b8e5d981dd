"""A small ClamAV client: the INSTREAM command of clamd, over its unix socket or TCP.

Settings (``hn.settings``, from the environment):

- ``ANTIVIRUS``: ``"clamd"`` (production default) or ``"aucun"`` (``make run`` without ClamAV:
  every file is reported clean but *not analysed*, and administrators are warned);
- ``CLAMD_SOCKET`` (unix socket path) or ``CLAMD_HOST`` + ``CLAMD_PORT``;
- ``CLAMD_TIMEOUT``: seconds for connecting and for each read or write (default 10).

:func:`analyser` never raises for a scanner problem: a daemon that is down, slow or answers
something unexpected gives ``INDISPONIBLE`` (the caller keeps the file out of reach and retries).
"""

import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

SAINE = "saine"
INFECTEE = "infectee"
INDISPONIBLE = "indisponible"

CLAMD = "clamd"
AUCUN = "aucun"

_BLOC = 64 * 1024


@dataclass(frozen=True)
class Resultat:
    statut: str  # SAINE, INFECTEE or INDISPONIBLE
    signature: str = ""  # the virus name, for INFECTEE
    detail: str = ""  # why INDISPONIBLE, or "non analysée" when the antivirus is off
    analyse: bool = True  # False when ANTIVIRUS = "aucun"


def actif() -> bool:
    """Whether files are really scanned (False: ``ANTIVIRUS = "aucun"``)."""
    return getattr(settings, "ANTIVIRUS", CLAMD) != AUCUN


def _connexion() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 10))
    chemin = getattr(settings, "CLAMD_SOCKET", "") or ""
    if chemin:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(chemin)
        except BaseException:
            sock.close()
            raise
        return sock
    hote = getattr(settings, "CLAMD_HOST", "") or "127.0.0.1"
    port = int(getattr(settings, "CLAMD_PORT", 3310))
    return socket.create_connection((hote, port), timeout=timeout)


def _reponse(sock: socket.socket, limite: int = 4096) -> str:
    """Read up to the NUL that ends a reply of the ``z`` (NUL-terminated) commands."""
    recu = b""
    while not recu.endswith(b"\0") and len(recu) < limite:
        bloc = sock.recv(1024)
        if not bloc:
            break
        recu += bloc
    return recu.rstrip(b"\0").decode("utf-8", "replace").strip()


def ping() -> bool:
    """Whether clamd answers PONG."""
    try:
        with _connexion() as sock:
            sock.sendall(b"zPING\0")
            return _reponse(sock) == "PONG"
    except OSError:
        return False


def interpreter(reponse: str) -> Resultat:
    """clamd's INSTREAM reply: ``stream: OK``, ``stream: <name> FOUND`` or ``... ERROR``."""
    if reponse.endswith(" FOUND"):
        signature = reponse.rsplit(":", 1)[-1].removesuffix(" FOUND").strip()
        return Resultat(INFECTEE, signature=signature or "inconnue")
    if reponse.endswith(": OK") or reponse == "OK":
        return Resultat(SAINE)
    return Resultat(INDISPONIBLE, detail=f"réponse inattendue de clamd : {reponse[:200]!r}")


def analyser(data: bytes) -> Resultat:
    """Scan ``data`` (a whole attachment, a few Mo at most) with clamd."""
    if not actif():
        return Resultat(SAINE, detail="non analysée (antivirus désactivé)", analyse=False)
    try:
        with _connexion() as sock:
            sock.sendall(b"zINSTREAM\0")
            for debut in range(0, len(data), _BLOC):
                bloc = data[debut : debut + _BLOC]
                sock.sendall(struct.pack("!L", len(bloc)) + bloc)
            sock.sendall(struct.pack("!L", 0))
            reponse = _reponse(sock)
    except OSError as exc:  # refused, missing socket, timeout, reset
        logger.warning("Antivirus indisponible : %s", exc)
        return Resultat(INDISPONIBLE, detail=f"clamd injoignable ({type(exc).__name__})")
    resultat = interpreter(reponse)
    if resultat.statut == INDISPONIBLE:
        logger.warning("Antivirus : %s", resultat.detail)
    return resultat
