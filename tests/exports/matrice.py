"""The background exports' part of the access matrix (tests/test_access_matrix.py, issue 16):
one ready export per account of the matrix (its requester opens it), and another account's;
anyone but the requester gets a 404 (``scoped``: every role)."""

from django.core.files.base import ContentFile

from hn.taches import exports
from hn.taches.models import Export, StatutExport
from tests import factories as f

AUTH = {
    "es_gestionnaire",
    "es_lecteur",
    "es_admin",
    "ars_valideur",
    "ars_lecteur",
    "ars_auditeur",
    "ars_admin",
    "pilote",
    "lecteur_national",
    "superuser",
}
EXPORT = {"pk": "export"}

# Keyword arguments of the matrix's ``Rule``.
REGLES = {
    "exports:liste": {"allowed": AUTH},
    # Empty form: back to "Mes exports" with a message.
    "exports:demander": {"allowed": AUTH, "method": "post", "ok": 302},
    "exports:detail": {"allowed": AUTH, "kwargs": EXPORT, "scoped": AUTH},
    "exports:etat": {"allowed": AUTH, "kwargs": EXPORT, "scoped": AUTH},
    "exports:fichier": {"allowed": AUTH, "kwargs": EXPORT, "scoped": AUTH},
}


def _pret(user) -> str:
    export = Export(
        demandeur=user,
        producteur="dossiers",
        parametres={"format": ["csv"]},
        signature=exports.signature(user),
        statut=StatutExport.PRET,
        nom_fichier="dossiers.csv",
        total=1,
        faites=1,
    )
    export.fichier.save("dossiers.csv", ContentFile(b"\xef\xbb\xbfNum\xc3\xa9ro\r\n"), save=True)
    return str(export.pk)


def avec_exports(monde: dict) -> dict:
    propres = {role: _pret(user) for role, user in monde["users"].items() if user is not None}
    propres["anonyme"] = propres["pilote"]
    autre = _pret(f.pilote_national())  # another account's, even a national one
    monde["own"]["export"] = propres
    monde["other"]["export"] = dict.fromkeys(propres, autre)
    return monde
