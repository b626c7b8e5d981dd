"""The calls' part of the access matrix (tests/test_access_matrix.py): the rules of their web
pages (candidatures/urls.py) and API routes (candidatures/api_urls.py), and the pré-candidatures
added to the matrix's world — one per tenant, ``brouillon``, in the HOP'EN 2019 AMI (closed
today: the gestionnaire's transmission is refused with the window's dates)."""

from candidatures.models import Campagne, Precandidature
from hn.referentiel.models import Etablissement

ES = {"es_gestionnaire", "es_lecteur"}
ARS = {"ars_valideur", "ars_lecteur", "ars_auditeur"}
NATIONAL = {"pilote", "lecteur_national", "superuser"}
AUTH = ES | ARS | NATIONAL | {"es_admin", "ars_admin"}
LECTURE = ES | ARS | NATIONAL
PC = {"pk": "precandidature"}
PROGRAMMATION = {"campagne": "campagne", "region": "region_candidature"}
CMSI = {"ars_valideur", "superuser"}

# Keyword arguments of the matrix's ``Rule`` (read there; no import cycle).
REGLES = {
    # --- API (API.md "Calls for applications and programmation") ---
    "api:campagnes": {"allowed": AUTH, "anon": 401},
    "api:precandidatures": {"allowed": AUTH, "anon": 401},  # a list filtered by scope
    "api:precandidature": {"allowed": LECTURE, "anon": 401, "kwargs": PC, "visible": LECTURE},
    # ``transmettre`` of the 2019 AMI, closed today: the gestionnaire's 409 (the dates).
    "api:precandidature-transition": {
        "allowed": {"es_gestionnaire", "superuser"},
        "anon": 401,
        "method": "post",
        "ok": 409,
        "kwargs": {"pk": "precandidature", "name": "transition_candidature"},
        "visible": LECTURE,
    },
    # A région's programmation: its ARS and the national level (anyone else: 404).
    "api:programmation": {
        "allowed": ARS | NATIONAL,
        "anon": 401,
        "kwargs": PROGRAMMATION,
        "visible": ARS | NATIONAL,
    },
    # No pre-selected line: nothing over the envelope, the CMSI records a version (201).
    "api:programmation-transmettre": {
        "allowed": CMSI,
        "anon": 401,
        "method": "post",
        "ok": 201,
        "kwargs": PROGRAMMATION,
        "visible": ARS | NATIONAL,
    },
    # --- web pages (candidatures/urls.py) ---
    "candidatures:accueil": {"allowed": AUTH},  # the campaigns, and a list filtered by scope
    # An empty form: the gestionnaire is sent back to the list with the message (302).
    "candidatures:creer": {"allowed": {"es_gestionnaire"}, "method": "post", "ok": 302},
    "candidatures:detail": {"allowed": LECTURE, "kwargs": PC, "visible": LECTURE},
    # The AMI is closed: the gestionnaire's page again with the refusal and its dates (200).
    "candidatures:transmettre": {
        "allowed": {"es_gestionnaire", "superuser"},
        "method": "post",
        "kwargs": PC,
        "visible": LECTURE,
    },
    # Not a GHT member's: its gestionnaire's page again with the refusal (200) [SPEC §10].
    "candidatures:valider_support": {
        "allowed": {"es_gestionnaire", "superuser"},
        "method": "post",
        "kwargs": PC,
        "visible": LECTURE,
    },
    # No decision chosen: the CMSI's page again with the message at the field (200).
    "candidatures:decider": {
        "allowed": CMSI,
        "method": "post",
        "kwargs": PC,
        "visible": LECTURE,
    },
}


def avec_precandidatures(monde: dict) -> dict:
    ami = Campagne.objects.get(programme__code="HOPEN", code="ami-2019")
    for tenant in ("own", "other"):
        etab = Etablissement.objects.select_related("region").get(finess=monde[tenant]["finess"])
        pc = Precandidature.objects.create(
            campagne=ami,
            etablissement=etab,
            region=etab.region,
            cree_par=monde["users"]["superuser"],
        )
        monde[tenant].update(
            precandidature=pc.pk,
            campagne=ami.pk,
            region_candidature=etab.region.code,
            transition_candidature="transmettre",
        )
    return monde
