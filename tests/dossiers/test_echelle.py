"""Scale (issue 6): the lists' query counts do not grow with rows, the ARS scope reads the
dossier's own région, pending requests are capped on the list, deep pages fetch ids first."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.urls import reverse

from dossiers import tableau
from dossiers.models import DemandeInitialisation, Dossier
from dossiers.pagination import PaginatorParIds
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _dossiers(n, valideur, region="84"):
    for _ in range(n):
        d.en_saisie(f.EtablissementFactory(region=f.region(region)), valideur=valideur)


def _demandes(n, region="84", *, en_retard=0):
    jour = aujourd_hui()
    for i in range(n):
        d.DemandeInitialisationFactory(
            etablissement=f.EtablissementFactory(region=f.region(region)),
            echeance=jour - timedelta(days=i + 1) if i < en_retard else jour + timedelta(days=i),
        )


def _froid_et_chaud(client, user, params) -> tuple[int, int]:
    """The list's query counts with the dashboard computed (cold) and read from the cache."""
    cache.delete(tableau._cle(acces(user)))
    froid, response = count_queries(client.get, reverse("dossiers:liste"), params)
    assert response.status_code == 200
    chaud, _ = count_queries(client.get, reverse("dossiers:liste"), params)
    return froid, chaud


def test_ars_list_query_count_is_the_same_for_1_and_50_dossiers(client):
    valideur = f.ars_valideur("84")
    client.force_login(valideur)
    _dossiers(1, valideur)
    _demandes(1)
    filtre = {"etat": "en_saisie"}  # a filtered list counts its rows: one query more
    peu = _froid_et_chaud(client, valideur, {"page": 1})
    peu_filtre = _froid_et_chaud(client, valideur, filtre)
    _dossiers(49, valideur)
    _demandes(14)
    for params in ({"page": 2}, {"tri": "echeance"}):
        assert _froid_et_chaud(client, valideur, params) == peu, params
    assert _froid_et_chaud(client, valideur, filtre) == peu_filtre
    response = client.get(reverse("dossiers:liste"))
    html = response.content.decode()
    assert len(re.findall(r'href="/dossiers/84-\d{8}-\d{3}/"', html)) == 25


def test_national_list_and_api_query_counts_are_the_same_for_1_and_50_dossiers(client):
    valideur, pilote = f.ars_valideur("84"), f.pilote_national()
    client.force_login(pilote)
    _dossiers(1, valideur)
    page_peu = _froid_et_chaud(client, pilote, {})
    api_peu, response = count_queries(client.get, "/api/v1/dossiers/")
    assert response.json()["count"] == 1
    _dossiers(49, valideur)
    page_beaucoup = _froid_et_chaud(client, pilote, {})
    api_beaucoup, response = count_queries(client.get, "/api/v1/dossiers/")
    assert response.json()["count"] == 50 and len(response.json()["results"]) == 50
    assert (page_peu, api_peu) == (page_beaucoup, api_beaucoup)


def test_region_is_set_at_initialisation_and_scopes_the_ars():
    valideur_84, valideur_11 = f.ars_valideur("84"), f.ars_valideur("11")
    dossier = d.en_saisie(valideur=valideur_84)
    assert dossier.region == f.region("84") == dossier.etablissement.region
    assert Dossier.objects.get(pk=dossier.pk).region_id == f.region("84").pk
    assert list(Dossier.objects.visibles_par(valideur_84)) == [dossier]
    assert not Dossier.objects.visibles_par(valideur_11).exists()
    # The scope reads the dossier's own région, not the établissement's (no join).
    Dossier.objects.filter(pk=dossier.pk).update(region=f.region("11"))
    assert not Dossier.objects.visibles_par(valideur_84).exists()
    assert list(Dossier.objects.visibles_par(valideur_11)) == [dossier]
    sql = str(Dossier.objects.visibles_par(valideur_84).query)
    assert "referentiel_etablissement" not in sql
    # The établissement's own users still see it.
    assert list(Dossier.objects.visibles_par(f.es_lecteur(dossier.etablissement))) == [dossier]


def test_an_etablissement_changing_region_takes_its_dossiers_along():
    valideur_84, valideur_11 = f.ars_valideur("84"), f.ars_valideur("11")
    dossier = d.en_saisie(valideur=valideur_84)
    etab = dossier.etablissement
    etab.region = f.region("11")
    etab.save()
    assert Dossier.objects.get(pk=dossier.pk).region == f.region("11")
    assert list(Dossier.objects.visibles_par(valideur_11)) == [dossier]
    assert not Dossier.objects.visibles_par(valideur_84).exists()


def test_list_region_filter_uses_the_dossiers_region(client):
    valideur = f.ars_valideur("84")
    _dossiers(2, valideur)
    _dossiers(1, f.ars_valideur("11"), region="11")
    client.force_login(f.pilote_national())
    response = client.get(reverse("dossiers:liste"), {"region": "11"})
    assert response.context["page_obj"].paginator.count == 1
    assert client.get("/api/v1/dossiers/", {"region": "84"}).json()["count"] == 2


def test_list_shows_the_ten_most_urgent_pending_requests_and_the_counts(client):
    client.force_login(f.ars_valideur("84"))
    _demandes(13, en_retard=3)
    _demandes(2, region="11")  # another ARS's
    response = client.get(reverse("dossiers:liste"))
    html = response.content.decode()
    section = html[html.index('id="demandes"') :]
    section = section[: section.index("</section>")]
    assert "13 demandes en attente, dont <strong>3 en retard</strong>" in section
    assert section.count("<tr><td>") == 10
    assert section.count("en retard</span>") == 3
    urgentes = (
        DemandeInitialisation.objects.filter(etablissement__region__code="84")
        .order_by("echeance", "pk")
        .select_related("etablissement")[:10]
    )
    positions = [section.index(dm.etablissement.finess) for dm in urgentes]
    assert positions == sorted(positions)
    derniere = DemandeInitialisation.objects.filter(etablissement__region__code="84").latest(
        "echeance"
    )
    assert derniere.etablissement.finess not in section


@pytest.mark.parametrize("numero", [1, 2, 3, "last"])
def test_paginator_by_ids_gives_the_same_pages(numero):
    valideur = f.ars_valideur("84")
    _dossiers(7, valideur)
    qs = Dossier.objects.select_related("etablissement").order_by("nom", "-pk")
    attendu = Paginator(qs, 3, orphans=1).get_page(numero)
    page = PaginatorParIds(qs, 3, orphans=1).get_page(numero)
    assert list(page) == list(attendu) and page.number == attendu.number
    nb, _ = count_queries(lambda: [o.etablissement.finess for o in page])
    assert nb == 0  # select_related kept
