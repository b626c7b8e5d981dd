from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hn.comptes.enums import Perimetre, Role
from hn.comptes.roles import ROLE_CUMULABLE, ROLES_PAR_PERIMETRE


class User(AbstractUser):
    """Platform account. Rights come from its role attributions, never from fields here
    (``is_superuser`` excepted, for the technical administrator)."""

    # Mirrors "has a confirmed TOTP device" (kept in sync by hn.comptes.mfa only), so that the
    # second-step gate of every request costs no query.
    mfa_active = models.BooleanField("double authentification active", default=False)

    class Meta:
        verbose_name = "compte"
        ordering = ["username"]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


def _roles_q(perimetre):
    return Q(role__in=[r.value for r in ROLES_PAR_PERIMETRE[perimetre]])


class AttributionQuerySet(models.QuerySet):
    def fonctionnelles(self):
        return self.exclude(role=ROLE_CUMULABLE)


class Attribution(models.Model):
    """A role held by a user in one scope (an établissement, an ARS, or the national level)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attributions")
    perimetre = models.CharField("périmètre", max_length=20, choices=Perimetre.choices)
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    etablissement = models.ForeignKey(
        "referentiel.Etablissement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attributions",
    )
    region = models.ForeignKey(
        "referentiel.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attributions",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    objects = AttributionQuerySet.as_manager()

    class Meta:
        verbose_name = "attribution de rôle"
        verbose_name_plural = "attributions de rôle"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        perimetre=Perimetre.ETABLISSEMENT,
                        etablissement__isnull=False,
                        region__isnull=True,
                    )
                    & _roles_q(Perimetre.ETABLISSEMENT)
                )
                | (
                    Q(perimetre=Perimetre.ARS, etablissement__isnull=True, region__isnull=False)
                    & _roles_q(Perimetre.ARS)
                )
                | (
                    Q(perimetre=Perimetre.NATIONAL, etablissement__isnull=True, region__isnull=True)
                    & _roles_q(Perimetre.NATIONAL)
                ),
                name="attribution_role_du_perimetre",
                violation_error_message="Ce rôle n'existe pas dans ce périmètre.",
            ),
            # One functional role per user and scope (SPEC §1: exclusive roles).
            models.UniqueConstraint(
                fields=["user", "etablissement"],
                condition=Q(perimetre=Perimetre.ETABLISSEMENT) & ~Q(role=ROLE_CUMULABLE),
                name="attribution_exclusive_etablissement",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(perimetre=Perimetre.ARS) & ~Q(role=ROLE_CUMULABLE),
                name="attribution_exclusive_ars",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(perimetre=Perimetre.NATIONAL) & ~Q(role=ROLE_CUMULABLE),
                name="attribution_exclusive_national",
            ),
            models.UniqueConstraint(
                fields=["user", "etablissement"],
                condition=Q(perimetre=Perimetre.ETABLISSEMENT, role=ROLE_CUMULABLE),
                name="attribution_admin_etablissement",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(perimetre=Perimetre.ARS, role=ROLE_CUMULABLE),
                name="attribution_admin_ars",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(perimetre=Perimetre.NATIONAL, role=ROLE_CUMULABLE),
                name="attribution_admin_national",
            ),
        ]

    def __str__(self):
        return f"{self.user.username} : {self.get_role_display()} — {self.portee_libelle}"

    @property
    def portee(self):
        return self.etablissement or self.region

    @property
    def portee_libelle(self) -> str:
        portee = self.portee
        return str(portee) if portee is not None else "National"


class JetonQuerySet(models.QuerySet):
    def actifs(self, *, now=None):
        """Tokens used (or created) within the inactivity limit (settings.JETON_INACTIVITE)."""
        now = now or timezone.now()
        return self.filter(utilise_le__gt=now - inactivite())


def inactivite() -> timedelta:
    return timedelta(seconds=settings.JETON_INACTIVITE)


class Jeton(models.Model):
    """An API token. Only the SHA-256 of its key is stored, with a short non-secret prefix to
    recognise it in a list; the key itself is shown once, when created (hn.comptes.jetons)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jetons")
    prefixe = models.CharField("préfixe", max_length=8)
    empreinte = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    libelle = models.CharField("libellé", max_length=200, blank=True)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    utilise_le = models.DateTimeField("dernière utilisation", default=timezone.now)

    objects = JetonQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-cree_le", "-pk"]

    def __str__(self):
        return f"{self.prefixe}… ({self.user.username})"

    @property
    def expire_le(self):
        return self.utilise_le + inactivite()

    def est_expire(self, *, now=None) -> bool:
        return (now or timezone.now()) >= self.expire_le
