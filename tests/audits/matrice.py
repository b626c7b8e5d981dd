"""The audits' part of the access matrix (tests/test_access_matrix.py): their API routes'
rules, and the audits added to the matrix's world — one per tenant, on each tenant's dossier,
``en_cours`` with the own tenant's ARS auditeur designated and the tenant's attachment linked to
its answer (an auditor of another région, or
not designated, does not see an audit)."""

from django.utils import timezone

from audits.models import Audit, Designation, PieceReponse, Tirage
from dossiers.models import Dossier

ES = {"es_gestionnaire", "es_lecteur"}
ARS = {"ars_valideur", "ars_lecteur", "ars_auditeur"}
NATIONAL = {"pilote", "lecteur_national", "superuser"}
AUTH = ES | ARS | NATIONAL | {"es_admin", "ars_admin"}
LECTURE = ES | ARS | NATIONAL
AUDIT = {"pk": "audit"}

# Keyword arguments of the matrix's ``Rule`` (read there; no import cycle).
REGLES = {
    "api:audits": {"allowed": AUTH, "anon": 401},
    "api:audit-tirages": {"allowed": AUTH, "anon": 401},  # a list filtered by scope
    "api:audit": {"allowed": LECTURE, "anon": 401, "kwargs": AUDIT, "visible": LECTURE},
    # No username: the CMSI's 400; anyone else who sees the audit, 403.
    "api:audit-auditeurs": {
        "allowed": {"ars_valideur", "superuser"},
        "anon": 401,
        "method": "post",
        "ok": 400,
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    # Read by the ARS and the national level, not by the établissement.
    "api:audit-grille": {
        "allowed": ARS | NATIONAL,
        "anon": 401,
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    # The attachments of the ES's answer (the world's piece, linked to each tenant's audit).
    "api:audit-pieces": {"allowed": LECTURE, "anon": 401, "kwargs": AUDIT, "visible": LECTURE},
    "api:audit-piece-fichier": {
        "allowed": LECTURE,
        "anon": 401,
        "kwargs": {"pk": "audit", "piece": "piece"},
        "visible": LECTURE,
    },
    # ``terminer`` without a conclusion: the designated auditor's 400; anyone else, 403.
    "api:audit-transition": {
        "allowed": {"ars_auditeur"},
        "anon": 401,
        "method": "post",
        "ok": 400,
        "kwargs": {"pk": "audit", "name": "transition_audit"},
        "visible": LECTURE,
    },
    # --- the audits' web pages (audits/urls.py) ---
    "audits:liste": {"allowed": AUTH},  # a list filtered by scope
    # The draws: the ARS (its région's: another région's draw is a 404) and the national level.
    "audits:tirages": {"allowed": ARS | NATIONAL},
    "audits:tirage": {"allowed": ARS | NATIONAL, "kwargs": {"pk": "tirage"}, "scoped": ARS},
    "audits:detail": {"allowed": LECTURE, "kwargs": AUDIT, "visible": LECTURE},
    # Empty forms: the page again with the French message at the field (200); 403 otherwise.
    "audits:designer": {
        "allowed": {"ars_valideur", "superuser"},
        "method": "post",
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    "audits:grille": {"allowed": ARS | NATIONAL, "kwargs": AUDIT, "visible": LECTURE},
    "audits:terminer": {
        "allowed": {"ars_auditeur"},
        "method": "post",
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    # The audit is en_cours: the gestionnaire's and the CMSI's forms say why they cannot act.
    "audits:repondre": {
        "allowed": {"es_gestionnaire", "superuser"},
        "method": "post",
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    "audits:decider": {
        "allowed": {"ars_valideur", "superuser"},
        "method": "post",
        "kwargs": AUDIT,
        "visible": LECTURE,
    },
    # --- fiche de synthèse and consolidated tables (a-fiche) ---
    # The world's audits are ``en_cours``: the fiche is not sent, the ES gets a 404.
    "api:audit-fiche": {
        "allowed": ARS | NATIONAL,
        "anon": 401,
        "kwargs": AUDIT,
        "visible": ARS | NATIONAL,
    },
    # The ARS its own région (no ``region``), the national level one row per région.
    "api:audit-synthese": {
        "allowed": ARS | NATIONAL,
        "anon": 401,
        "query": "?programme=HOPEN&annee=2022",
    },
}

# Web routes (audits.urls_synthese, ``audits`` namespace).
SYNTHESE = {"programme": "programme_audit", "annee": "annee_audit", "region": "region_audit"}
REGLES_WEB = {
    "audits:fiche": {"allowed": ARS | NATIONAL, "kwargs": AUDIT, "visible": ARS | NATIONAL},
    "audits:synthese": {"allowed": ARS | NATIONAL, "kwargs": SYNTHESE, "scoped": ARS},
    "audits:synthese_pdf": {"allowed": ARS | NATIONAL, "kwargs": SYNTHESE, "scoped": ARS},
    # Dated transmission by the CMSI (back to the table); another région's: 404.
    "audits:synthese_transmettre": {
        "allowed": {"ars_valideur", "superuser"},
        "method": "post",
        "ok": 302,
        "kwargs": SYNTHESE,
        "scoped": {"ars_valideur"},
    },
    "audits:synthese_nationale": {
        "allowed": NATIONAL,
        "kwargs": {"programme": "programme_audit", "annee": "annee_audit"},
    },
}
REGLES |= REGLES_WEB


def _audit(numero, tire_par, auditeur=None) -> Audit:
    dossier = Dossier.objects.get(numero=numero)
    tirage = Tirage.objects.create(
        programme=dossier.programme,
        region=dossier.region,
        annee=2022,
        graine=1,
        population=[numero],
        tires=[numero],
        tire_le=timezone.now(),
        tire_par=tire_par,
    )
    audit = Audit.objects.create(tirage=tirage, dossier=dossier, rang=1, etat="en_cours")
    if auditeur is not None:
        Designation.objects.create(audit=audit, auditeur=auditeur, designe_par=tire_par)
    return audit


def avec_audits(monde: dict) -> dict:
    users = monde["users"]
    audits = {
        "own": _audit(monde["own"]["numero"], users["ars_valideur"], users["ars_auditeur"]),
        "other": _audit(monde["other"]["numero"], users["superuser"]),
    }
    for tenant, audit in audits.items():
        monde[tenant]["audit"] = audit.pk
        monde[tenant]["tirage"] = audit.tirage_id
    for tenant in ("own", "other"):
        PieceReponse.objects.create(
            audit_id=monde[tenant]["audit"], piece_id=monde[tenant]["piece"]
        )
    monde["own"]["transition_audit"] = monde["other"]["transition_audit"] = "terminer"
    for tenant, region in (("own", "84"), ("other", "11")):
        monde[tenant].update(programme_audit="HOPEN", annee_audit=2022, region_audit=region)
    return monde
