"""Reading the calls within the caller's scope (the tenant layer: every page and API view goes
through these), and the API shape of a pré-candidature."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from candidatures import chiffrage
from candidatures.models import Campagne, DomaineCandidature, Precandidature
from hn.comptes.scopes import acces
from hn.referentiel.models import Region


def precandidatures_visibles(user):
    return (
        Precandidature.objects.visibles_par(user)
        .select_related("campagne__programme", "etablissement__ght__support", "region")
        .prefetch_related(
            Prefetch(
                "domaines",
                queryset=DomaineCandidature.objects.select_related("domaine").order_by(
                    "domaine__ordre"
                ),
            )
        )
    )


def get_precandidature_for_user(user, pk) -> Precandidature:
    """404 when unknown or outside the caller's scope."""
    pc = precandidatures_visibles(user).filter(pk=pk).first()
    if pc is None:
        raise Http404("Pré-candidature introuvable.")
    return pc


def campagne_ou_404(pk) -> Campagne:
    campagne = Campagne.objects.select_related("programme").filter(pk=pk).first()
    if campagne is None:
        raise Http404("Appel à candidatures introuvable.")
    return campagne


def region_lisible(user, code) -> Region:
    """A current région the caller reads the programmation of (its ARS, the national level);
    404 otherwise."""
    a = acces(user)
    region = Region.objects.actuelles().filter(code=str(code or "").strip()).first()
    if region is None or not (a.national or region.pk in a.regions_lecture):
        raise Http404("Région introuvable.")
    return region


def heure_paris(moment):
    """A time as the rest of the API writes it: Paris time with its offset (not UTC)."""
    return None if moment is None else timezone.localtime(moment)


def contact(pc, prefixe) -> dict:
    return {
        cle: getattr(pc, f"{prefixe}_{cle}") for cle in ("nom", "fonction", "email", "telephone")
    }


def precandidature_api(pc, estimation=None) -> dict:
    estimation = estimation or chiffrage.estimation(pc)
    return {
        "id": pc.pk,
        "campagne": pc.campagne_id,
        "finess": pc.etablissement.finess,
        "raison_sociale": pc.etablissement.raison_sociale,
        "region": pc.region.code,
        "etat": pc.etat,
        "tardive": pc.tardive,
        "position": pc.position or None,
        "prerequis_hn_atteints": pc.prerequis_hn_atteints,
        "semestre_prerequis_hn": pc.semestre_prerequis_hn or None,
        "semestre_prerequis_hopen": pc.semestre_prerequis_hopen or None,
        "domaines": [
            {"code": d.domaine.code, "semestre_cibles": d.semestre_cibles}
            for d in pc.domaines.all()
        ],
        "referent": contact(pc, "referent"),
        "representant_legal": contact(pc, "representant"),
        "commentaire": pc.commentaire,
        "estimation": estimation.api(),
        "cree_le": heure_paris(pc.cree_le),
        "transmise_le": heure_paris(pc.transmise_le),
        "decidee_le": heure_paris(pc.decidee_le),
        "commentaire_ars": pc.commentaire_decision,
        # A GHT member's: its support, and when the support validated it [SPEC §10].
        "support_ght": support.finess if (support := pc.support_ght) else None,
        "validee_par_support_le": heure_paris(pc.validee_par_support_le),
        "reponse_tardive": pc.reponse_tardive,
    }
