"""The audit tests' world: a drawn HOP'EN dossier and the people around it."""

import pytest

from indicateurs import suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.audits import aides as au
from tests.indicateurs import aides as a


@pytest.fixture
def monde():
    """HOP'EN dossier of région 84 (D2 and D3 selected, 50 000 € of amorçage paid on D2),
    drawn for 2022; its CMSI, an ARS auditrice, and the others."""
    dossier = au.accepte((2022, 3, 1), amorcage={"D2": 50_000})
    valideur = d.valideur_de(dossier)
    with a.le(2022, 3, 15):
        suivi.verser(dossier=dossier, domaine="D2", volet="amorcage", acting_user=valideur)
    audit = au.audit_de(dossier, user=valideur)
    return {
        "dossier": dossier,
        "audit": audit,
        "url": f"{au.API}{audit.pk}/",
        "valideur": valideur,
        "auditrice": f.ars_auditeur("84", username="auditrice"),
        "gestionnaire": a.gestionnaire_de(dossier),
    }
