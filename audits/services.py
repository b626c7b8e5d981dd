"""Fetch-and-authorise for the audits (as ``dossiers.services``): another tenant's audit is
a 404, never a 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from audits.models import Audit
from hn.comptes.enums import Role
from hn.comptes.scopes import acces


def audits_visibles(user):
    return Audit.objects.visibles_par(user).select_related(
        "tirage__programme", "tirage__region", "dossier__etablissement", "dossier__programme"
    )


def get_audit_for_user(user, pk) -> Audit:
    audit = audits_visibles(user).filter(pk=pk).first()
    if audit is None:
        raise Http404("Audit introuvable.")
    return audit


def lit_la_grille(user, audit) -> bool:
    """The grid is read by the ARS (valideur, lecteur, the designated auditors) and the
    national level, not by the établissement (which reads the fiche de synthèse once sent)."""
    a = acces(user)
    if a.national:
        return True
    role = a.regions.get(audit.dossier.region_id)
    if role in (Role.ARS_VALIDEUR, Role.ARS_LECTEUR):
        return True
    return role == Role.ARS_AUDITEUR and audit.designations.filter(auditeur=user).exists()


def exiger_lecture_grille(user, audit) -> None:
    if not lit_la_grille(user, audit):
        raise PermissionDenied("La grille de contrôle est lue par l'ARS et le niveau national.")
