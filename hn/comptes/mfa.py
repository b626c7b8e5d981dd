"""Two-factor authentication (django-otp): who must have it, enrolment of a TOTP device
(RFC 6238, SHA-1, 6 digits, 30 s), single-use backup codes, verification and reset.

The one place that knows these rules: the pages (hn.comptes.views_mfa), the API
(hn.api.auth) and the request gate (hn.comptes.middleware) all call it.
"""

import io
import re
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hn.comptes import jetons
from hn.comptes.scopes import acces
from hn.journal.services import tracer

NOMBRE_CODES_SECOURS = 10
NOM_APPAREIL = "Application d'authentification"
NOM_SECOURS = "Codes de secours"

# What the gate asks of a logged-in user before anything else.
ETAPE_VERIFIER = "verifier"
ETAPE_ACTIVER = "activer"
MESSAGES_ETAPE = {
    ETAPE_VERIFIER: (
        "Double authentification requise : saisissez le code de votre application "
        "d'authentification ou un code de secours."
    ),
    ETAPE_ACTIVER: (
        "La double authentification est obligatoire pour votre rôle : activez-la "
        "(POST auth/mfa/totp/ puis auth/mfa/totp/confirmer/, ou la page « Double "
        "authentification »)."
    ),
}
MESSAGE_CODE_INCORRECT = (
    "Code incorrect ou expiré : saisissez le code à 6 chiffres affiché par votre application, "
    "ou un code de secours inutilisé."
)


class CodeInvalide(Exception):
    """A refused code; ``message`` is French, for the user."""

    def __init__(self, message: str = MESSAGE_CODE_INCORRECT):
        super().__init__(message)
        self.message = message


# The API routes a user who must still enrol may call (with a token or a session).
ROUTES_ACTIVATION_API = {"api:mfa", "api:mfa-totp", "api:mfa-totp-confirmer"}


def obligatoire(user) -> bool:
    """Required (when settings.MFA_OBLIGATOIRE is on) for ARS and national roles, superusers,
    staff and administrators of any scope; optional for établissement users."""
    if not settings.MFA_OBLIGATOIRE or not user.is_authenticated:
        return False
    a = acces(user)
    return bool(user.is_staff or a.agent)


def est_verifie(user) -> bool:
    """The session's second factor was given (django-otp's OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def etape_requise(user) -> str | None:
    """For a session: ``verifier`` (enrolled, second factor not given yet), ``activer`` (MFA
    required, not enrolled) or None (free to go)."""
    if not user.is_authenticated or est_verifie(user):
        return None
    if user.mfa_active:
        return ETAPE_VERIFIER
    if obligatoire(user):
        return ETAPE_ACTIVER
    return None


def etape_requise_jeton(user) -> str | None:
    """For an API token: a token of an enrolled user was obtained with a code, so only a
    required but missing enrolment stops it."""
    if not user.mfa_active and obligatoire(user):
        return ETAPE_ACTIVER
    return None


def ouvrir_session(request, device) -> None:
    """Mark the session as verified by ``device``, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()


def _normaliser(code) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii")


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no script, no external image)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)


def appareil_en_cours(user) -> TOTPDevice:
    """The unconfirmed device of an enrolment under way, created if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=NOM_APPAREIL, confirmed=False)


@transaction.atomic
def demarrer_activation(user) -> TOTPDevice:
    """A fresh secret: any unconfirmed device is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=NOM_APPAREIL, confirmed=False)


class DejaActive(Exception):
    message = (
        "La double authentification est déjà active sur ce compte. Pour changer d'appareil, "
        "demandez à l'administrateur de votre périmètre de la réinitialiser."
    )


def _creer_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=NOM_SECOURS, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(NOMBRE_CODES_SECOURS)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def confirmer_activation(user, code, *, jeton_conserve=None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device under way with a code it generated; returns it with the new backup
    codes (shown once). The API tokens obtained with the password alone are revoked, but for
    ``jeton_conserve`` (the one that made this call). Raises CodeInvalide (nothing changed)
    or DejaActive."""
    if user.mfa_active:
        raise DejaActive()
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise CodeInvalide(
                "Aucune activation en cours : affichez d'abord le QR code (ou demandez un "
                "secret par POST auth/mfa/totp/)."
            )
        code = _normaliser(code)
        if not re.fullmatch(r"\d{6}", code) or not device.verify_token(code):
            raise CodeInvalide()
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        user.mfa_active = True
        user.save(update_fields=["mfa_active"])
        codes = _creer_codes(user)
        jetons.revoquer_tous(user, sauf=jeton_conserve)
        tracer("mfa_activee", acteur=user, objet=user)
    return device, codes


def verifier_code(user, code):
    """The confirmed device that accepts ``code`` (TOTP, or a backup code, then used up), or
    None. django-otp throttles repeated failures and refuses a TOTP code used before."""
    code = _normaliser(code)
    if not code or not user.mfa_active:
        return None
    with transaction.atomic():
        if re.fullmatch(r"\d{6}", code):
            devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
        else:
            devices = StaticDevice.objects.devices_for_user(user, confirmed=True)
        for device in devices.select_for_update():
            if device.verify_token(code):
                return device
    return None


def codes_restants(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def regenerer_codes(user) -> list[str]:
    """New backup codes; the old ones stop working."""
    codes = _creer_codes(user)
    tracer("mfa_codes_regeneres", acteur=user, objet=user)
    return codes


@transaction.atomic
def reinitialiser(user, *, acting_user, etablissement=None, region=None) -> None:
    """An administrator's reset of ``user``'s second factor (lost phone): devices and backup
    codes deleted, API tokens revoked; the user enrols again at the next login."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    jetons.revoquer_tous(user)
    user.mfa_active = False
    user.save(update_fields=["mfa_active"])
    tracer(
        "mfa_reinitialisee",
        acteur=acting_user,
        objet=user,
        etablissement=etablissement,
        region=region,
    )
