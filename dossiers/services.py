"""Fetch-and-authorise, and what a caller may read of a dossier (SPEC §1 visibility)."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_fsm import can_proceed

from dossiers import ght
from dossiers.contenu import contenu
from dossiers.models import Dossier
from dossiers.pages import pages
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces
from hn.referentiel import regles
from hn.referentiel.models import ActiviteEtablissement


def get_dossier_for_user(user, numero: str, *, write: bool = False) -> Dossier:
    """Another tenant's dossier is a 404; a read-only role's write is a 403."""
    dossier = (
        Dossier.objects.visibles_par(user)
        .select_related("programme", "etablissement__region")
        .filter(numero=numero)
        .first()
    )
    if dossier is None:
        raise Http404("Dossier introuvable.")
    if write and not peut_saisir(user, dossier.etablissement):
        raise PermissionDenied("Votre rôle ne permet pas de modifier ce dossier.")
    return dossier


def lit_la_saisie(user, dossier) -> bool:
    """Only the établissement's own users read the data being typed; the ARS and the national
    level read the last deposited snapshot ("tant que le dossier n'est pas déposé ... il n'est
    pas consultable par l'ARS" [000 A9])."""
    etablissements = acces(user).etablissements
    if dossier.etablissement_id in etablissements:
        return True
    # The candidate members of a GHT dossier read what the support types (SPEC §10).
    return bool(dossier.ght_id) and any(
        m.etablissement_id in etablissements for m in dossier.membres.all()
    )


def contenu_lisible(user, dossier) -> tuple[dict | None, str | None, object]:
    """(content, source, last dépôt) as this user may read it."""
    depot = dossier.depots.order_by("-rang").first()
    if lit_la_saisie(user, dossier):
        return contenu(dossier), "saisie", depot
    if depot is None:
        return None, None, None
    return depot.contenu, "depot", depot


def actions_possibles(user, dossier) -> list[str]:
    result = []
    if peut_saisir(user, dossier.etablissement) and can_proceed(
        dossier.deposer, check_conditions=False
    ):
        result.append("deposer")
    if peut_instruire(user, dossier.etablissement.region):
        for name in ("reporter", "refuser", "accepter", "clore"):
            if can_proceed(getattr(dossier, name), check_conditions=False):
                result.append(name)
    return result


def activite_et_forfaits(dossier):
    """(activité combinée, {domaine: (forfait standard, forfait avancé)}) of the dossier from
    its candidates' reference-year activity, or None when one activity is unknown. A GHT
    dossier's forfait is the sum of its members' own forfaits and its activité the sum of
    theirs (shown, never used for a category) [003 A3 §2; SPEC §10]."""
    calcul = forfaits_par_etablissement(dossier)
    if calcul is None:
        return None
    reg = dossier.programme.regles()
    activites = [ligne["activite_combinee"] for ligne in calcul]
    return sum(activites, Decimal(0)), regles.forfaits_sommes(reg, activites)


def forfaits_par_etablissement(dossier) -> list[dict] | None:
    """One line per candidate (``dossiers.ght.candidats``): its FINESS, raison sociale,
    activité combinée, category and {domaine: (standard, avancé)}; None when the activity of
    one candidate is unknown."""
    reg = dossier.programme.regles()
    candidats = ght.candidats(dossier)
    volumes = {
        v.etablissement_id: v
        for v in ActiviteEtablissement.objects.filter(
            programme_id=dossier.programme_id, etablissement__in=[e.pk for e in candidats]
        )
    }
    lignes = []
    for etab in candidats:
        if etab.pk not in volumes:
            return None
        activite = regles.activite_combinee(volumes[etab.pk].volumes(), reg.coefficients)
        lignes.append(
            {
                "etablissement": etab,
                "activite_combinee": activite,
                "categorie": regles.categorie(activite, reg.categories).code,
                "forfaits": regles.forfaits_par_domaine(reg, activite),
            }
        )
    return lignes


def activite_inconnue(dossier) -> list:
    """The candidates whose reference-year activity is unknown (their forfait cannot be
    computed)."""
    candidats = ght.candidats(dossier)
    connus = set(
        ActiviteEtablissement.objects.filter(
            programme_id=dossier.programme_id, etablissement__in=[e.pk for e in candidats]
        ).values_list("etablissement_id", flat=True)
    )
    return [e for e in candidats if e.pk not in connus]


def exiger_instruction(user, dossier):
    if not peut_instruire(user, dossier.etablissement.region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS peut instruire ce dossier.")


def pages_lisibles(user, dossier, contenu=None):
    """The dossier's pages as ``user`` may see them: the started domaines of the live data for
    the établissement, of the last dépôt for the others (none before a first dépôt) — the page
    list itself must not reveal what is being typed. ``contenu``: the caller's readable content
    when already at hand (from :func:`contenu_lisible`)."""
    if lit_la_saisie(user, dossier):
        return pages(dossier)
    if contenu is None:
        contenu, _, _ = contenu_lisible(user, dossier)
    return pages(dossier, contenu or {})
