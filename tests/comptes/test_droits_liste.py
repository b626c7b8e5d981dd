import pytest
from django.urls import reverse

from hn.comptes.perms import (
    DROIT_CONSULTATION,
    DROIT_INSTRUCTION,
    DROIT_SAISIE,
    droits_sur_etablissements,
)
from hn.referentiel.models import Etablissement
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_rights_per_row_follow_the_role():
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory()
    gestionnaire = f.es_gestionnaire(etab)
    f.es_lecteur(autre, user=gestionnaire)
    qs = Etablissement.objects.filter(pk__in=[etab.pk, autre.pk]).select_related("region")
    assert droits_sur_etablissements(gestionnaire, qs) == {
        etab.pk: DROIT_SAISIE,
        autre.pk: DROIT_CONSULTATION,
    }
    valideur = f.ars_valideur("84")
    assert set(droits_sur_etablissements(valideur, qs).values()) == {DROIT_INSTRUCTION}
    assert set(droits_sur_etablissements(f.ars_lecteur("84"), qs).values()) == {DROIT_CONSULTATION}
    assert droits_sur_etablissements(f.ars_lecteur("11"), qs) == {}
    assert set(droits_sur_etablissements(f.lecteur_national(), qs).values()) == {DROIT_CONSULTATION}


def test_rights_column_has_a_fixed_query_count(client):
    valideur = f.ars_valideur("84")
    client.force_login(valideur)
    url = reverse("referentiel:etablissements") + "?q=Centre hospitalier de test"
    f.EtablissementFactory()
    peu, response = count_queries(client.get, url)
    assert DROIT_INSTRUCTION in response.content.decode()
    f.EtablissementFactory.create_batch(40)
    beaucoup, response = count_queries(client.get, url)
    assert response.content.decode().count(DROIT_INSTRUCTION) == 41
    assert peu == beaucoup
