"""The programmation pages' part of the access matrix (tests/test_access_matrix.py): the rules
of the région's programmation, its CMSI forms, the national table and the campaigns page, and
what they need in the matrix's world — the HOP'EN 2019 AMI of the référentiel and each
tenant's current région (own: ARS 84, other: Île-de-France), one pre-selected établissement in
the own région so the page has a line."""

from candidatures.models import Campagne
from tests.candidatures.aides import etablissement, preselectionnee

ES = {"es_gestionnaire", "es_lecteur"}
ARS = {"ars_valideur", "ars_lecteur", "ars_auditeur"}
NATIONAL = {"pilote", "lecteur_national", "superuser"}
CMSI = {"ars_valideur", "superuser"}
PROGRAMMATION = {"campagne": "campagne", "region": "region_programmation"}

# Keyword arguments of the matrix's ``Rule``. A région outside the caller's scope (another
# région's ARS, an établissement's user, an administrator) is a 404 before any role check.
REGLES = {
    "candidatures:programmation": {
        "allowed": ARS | NATIONAL,
        "kwargs": PROGRAMMATION,
        "visible": ARS | NATIONAL,
    },
    # Empty forms: the CMSI gets the page with the message at the field (200), the
    # transmission its confirmation (200); read-only roles 403.
    "candidatures:programmation_ajuster": {
        "allowed": CMSI,
        "method": "post",
        "kwargs": PROGRAMMATION,
        "visible": ARS | NATIONAL,
    },
    "candidatures:programmation_transmettre": {
        "allowed": CMSI,
        "method": "post",
        "kwargs": PROGRAMMATION,
        "visible": ARS | NATIONAL,
    },
    "candidatures:programmation_nationale": {
        "allowed": NATIONAL,
        "kwargs": {"campagne": "campagne"},
    },
    "candidatures:campagnes": {"allowed": ARS | NATIONAL},
}


def avec_programmation(monde: dict) -> dict:
    """The AMI and each tenant's région; an établissement of the own région pre-selected (a
    line; the tenants' own établissements hold the matrix's draft pré-candidatures)."""
    campagne = Campagne.objects.get(programme__code="HOPEN", code="ami-2019")
    preselectionnee(etablissement("84"))
    for tenant, region in (("own", "84"), ("other", "11")):
        monde[tenant].update(campagne=campagne.pk, region_programmation=region)
    return monde
