"""The cached 'tableau de bord SI' (dossiers.tableau): the database triggers bump the version of
a région on every change its dashboard shows, whatever the code path, so a cached dashboard is
never read after a change; the day is part of the key; the page's queries do not grow."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dossiers import tableau as t
from dossiers.enums import Etat, SuiviDomaine
from dossiers.models import DemandeInitialisation, DomaineDossier, Dossier, VersionPerimetre
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.referentiel.models import Etablissement
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def version(code):
    return (
        VersionPerimetre.objects.filter(region=f.region(code))
        .values_list("version", flat=True)
        .first()
    )


def sql(requete, *params):
    with connection.cursor() as curseur:
        curseur.execute(requete, params)


# --- the triggers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changement",
    [
        lambda dossier: Dossier.objects.filter(pk=dossier.pk).update(etat=Etat.REPORTE),
        lambda dossier: Dossier.objects.filter(pk=dossier.pk).update(nom="Autre nom"),
        lambda dossier: Dossier.objects.filter(pk=dossier.pk).update(
            echeance_decision=aujourd_hui()
        ),
        lambda dossier: Dossier.objects.filter(pk=dossier.pk).update(
            prochain_rapport_le=aujourd_hui()
        ),
        lambda dossier: DomaineDossier.objects.filter(dossier=dossier).update(
            suivi=SuiviDomaine.CIBLES_ATTEINTES
        ),
        lambda dossier: DomaineDossier.objects.filter(dossier=dossier).delete(),
        lambda dossier: Etablissement.objects.filter(pk=dossier.etablissement_id).update(
            raison_sociale="Nouveau nom"
        ),
        lambda dossier: d.DemandeInitialisationFactory(etablissement=dossier.etablissement),
        lambda dossier: sql(
            "UPDATE dossiers_dossier SET etat = 'reporte' WHERE id = %s", dossier.pk
        ),
    ],
    ids=[
        "etat",
        "nom",
        "echeance",
        "rapport",
        "suivi",
        "domaine supprime",
        "etablissement",
        "demande",
        "sql brut",
    ],
)
def test_every_change_the_dashboard_shows_bumps_its_region_version(changement):
    dossier = d.en_saisie(f.EtablissementFactory(region=f.region("84")))
    DomaineDossier.objects.filter(dossier=dossier).exists() or d.DomaineDossierFactory(
        dossier=dossier
    )
    avant, autre = version("84"), version("11")
    changement(dossier)
    assert version("84") != avant
    assert version("11") == autre


def test_changes_the_dashboard_does_not_show_leave_the_version_alone():
    dossier = d.en_saisie(f.EtablissementFactory(region=f.region("84")))
    avant = version("84")
    # Saving the same values, or a column the dashboard does not read.
    dossier.save()
    Dossier.objects.filter(pk=dossier.pk).update(cloture_demandee_motif="texte")
    Etablissement.objects.filter(pk=dossier.etablissement_id).update(mco=True)
    assert version("84") == avant


def test_a_change_of_region_bumps_both_regions():
    dossier = d.en_saisie(f.EtablissementFactory(region=f.region("84")))
    avant_84, avant_11 = version("84"), version("11")
    etab = dossier.etablissement
    etab.region = f.region("11")
    etab.save()
    assert version("84") != avant_84 and version("11") != avant_11


def test_a_request_is_versioned_on_its_etablissement_region():
    demande = d.DemandeInitialisationFactory(
        etablissement=f.EtablissementFactory(region=f.region("84"))
    )
    avant = version("84")
    DemandeInitialisation.objects.filter(pk=demande.pk).update(annulee_le=timezone.now())
    assert version("84") == avant + 1


# --- the cached dashboard ----------------------------------------------------------------------


def test_the_second_read_comes_from_the_cache_and_a_change_is_seen_at_once():
    valideur = f.ars_valideur("84")
    dossier = d.depose(f.EtablissementFactory(region=f.region("84")))
    froid, premier = count_queries(t.tableau_de_bord, valideur)
    chaud, second = count_queries(t.tableau_de_bord, valideur)
    assert chaud == 1 < froid  # the versions only
    assert second == premier
    assert {e: n for e, _, n in second["etats"]}[Etat.DEPOSE] == 1
    # A change through no application code at all: seen by the next read.
    sql("UPDATE dossiers_dossier SET etat = 'reporte' WHERE id = %s", dossier.pk)
    apres = t.tableau_de_bord(valideur)
    compte = {e: n for e, _, n in apres["etats"]}
    assert compte[Etat.DEPOSE] == 0 and compte[Etat.REPORTE] == 1
    assert apres["a_decider"] == []


def test_another_regions_change_keeps_the_cache():
    valideur = f.ars_valideur("84")
    d.depose(f.EtablissementFactory(region=f.region("84")))
    t.tableau_de_bord(valideur)
    d.en_saisie(f.EtablissementFactory(region=f.region("11")), valideur=f.ars_valideur("11"))
    chaud, _ = count_queries(t.tableau_de_bord, valideur)
    assert chaud == 1


def test_the_national_dashboard_sees_every_regions_change():
    pilote = f.pilote_national()
    t.tableau_de_bord(pilote)
    d.en_saisie(f.EtablissementFactory(region=f.region("11")), valideur=f.ars_valideur("11"))
    assert t.tableau_de_bord(pilote)["total"] == 1


def test_overdue_requests_follow_the_day_without_any_write():
    valideur = f.ars_valideur("84")
    jour = aujourd_hui()
    d.DemandeInitialisationFactory(
        etablissement=f.EtablissementFactory(region=f.region("84")),
        echeance=jour,
    )
    assert t.tableau_de_bord(valideur)["demandes_en_retard"] == 0
    with time_machine.travel(timedelta(days=1)):
        assert t.tableau_de_bord(valideur)["demandes_en_retard"] == 1


def test_establishment_staff_have_no_dashboard(client):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    assert t.tableau_de_bord(gestionnaire) is None
    client.force_login(gestionnaire)
    assert client.get(reverse("dossiers:tableau")).status_code == 403


# --- the pages ---------------------------------------------------------------------------------


def _dossiers(n, region="84"):
    for _ in range(n):
        d.depose(f.EtablissementFactory(region=f.region(region)))


def test_dashboard_page_shows_the_figures_and_the_national_breakdown(client):
    _dossiers(2, "84")
    _dossiers(1, "11")
    client.force_login(f.pilote_national())
    html = client.get(reverse("dossiers:tableau")).content.decode()
    assert 'id="tableau-de-bord"' in html and 'id="tableau-regions"' in html
    assert '<a href="/dossiers/?etat=depose">3</a>' in html
    regions = html[html.index('id="tableau-regions"') :]
    assert f.region("84").nom in regions and f.region("11").nom in regions
    client.force_login(f.ars_valideur("84"))
    html = client.get(reverse("dossiers:tableau")).content.decode()
    assert '<a href="/dossiers/?etat=depose">2</a>' in html
    assert 'id="tableau-regions"' not in html  # one région: no breakdown


@pytest.mark.parametrize(
    "lecteur", [f.pilote_national, f.lecteur_national, f.ars_lecteur, f.ars_valideur]
)
def test_every_link_of_the_dashboard_opens_for_whoever_sees_it(client, lecteur):
    """Issue 19: the 'décisions les plus proches' links went to the instruction page, a 403
    for every reader but the CMSI: they open the dossier for the others."""
    import re

    _dossiers(2, "84")
    client.force_login(lecteur())
    html = client.get(reverse("dossiers:tableau")).content.decode()
    section = html[html.index('id="tableau-de-bord"') :]
    liens = set(re.findall(r'href="(/dossiers/[^"?]+)"', section))
    assert len(liens) >= 2
    vers_instruction = [lien for lien in liens if lien.endswith("/instruction/")]
    assert len(vers_instruction) == (2 if lecteur is f.ars_valideur else 0)
    for lien in liens:
        assert client.get(lien, follow=True).status_code == 200, lien


def test_the_cmsi_and_a_reader_of_the_same_region_get_their_own_links(client, settings):
    """The rendered fragment is cached per perimeter: the reader's must not be the CMSI's."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _dossiers(1, "84")
    for lecteur, attendu in ((f.ars_valideur, 1), (f.ars_lecteur, 0), (f.ars_valideur, 1)):
        client.force_login(lecteur("84"))
        html = client.get(reverse("dossiers:tableau")).content.decode()
        assert html.count("/instruction/") == attendu, lecteur


@pytest.mark.parametrize("utilisateur", ["ars", "national"])
def test_dashboard_and_list_query_counts_do_not_grow_cold_or_warm(client, utilisateur):
    user = f.ars_valideur("84") if utilisateur == "ars" else f.pilote_national()
    client.force_login(user)
    _dossiers(1)
    _dossiers(1, "11")
    mesures = []
    for _ in range(2):
        for url in (reverse("dossiers:tableau"), reverse("dossiers:liste")):
            t.cache.delete(t._cle(acces(user)))  # cold: this perimeter's entry only
            froid, reponse = count_queries(client.get, url)
            assert reponse.status_code == 200
            chaud, _ = count_queries(client.get, url)
            mesures.append((froid, chaud))
        if len(mesures) == 2:
            _dossiers(30)
            _dossiers(20, "11")
    assert mesures[:2] == mesures[2:]
    (tableau_froid, tableau_chaud), (liste_froid, liste_chaud) = mesures[:2]
    assert tableau_chaud < tableau_froid and liste_chaud < liste_froid


def test_the_list_counts_the_whole_perimeter_from_the_dashboard(client):
    _dossiers(3)
    client.force_login(f.ars_valideur("84"))
    reponse = client.get(reverse("dossiers:liste"))
    assert reponse.context["page_obj"].paginator.count == 3
    filtre = client.get(reverse("dossiers:liste"), {"etat": Etat.EN_SAISIE})
    assert filtre.context["page_obj"].paginator.count == 0


# --- the list's row helpers ----------------------------------------------------------------


@pytest.mark.parametrize("nom", ["dossiers:detail", "dossiers:pdf", "dossiers:suivi"])
@pytest.mark.parametrize("numero", ["84-20250101-001", "11-20261231-999", "a b é+&"])
def test_url_dossier_is_the_url_tag(nom, numero):
    from django.template import Context, Template

    rendu = Template(
        "{% load dossiers_tags %}{% url_dossier nom numero %}|{% url nom numero %}"
    ).render(Context({"nom": nom, "numero": numero}))
    rapide, general = rendu.split("|")
    assert rapide == general


@pytest.mark.parametrize(
    "valeur",
    [
        None,
        date(2024, 2, 29),
        date(2026, 1, 5),
        datetime(2026, 3, 31, 22, 30, tzinfo=UTC),  # 1 April in Paris
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),  # 1 January in Paris
        datetime(2026, 7, 14, 12, 0, tzinfo=UTC),
    ],
)
def test_jour_is_the_date_filter(valeur):
    from django.template import Context, Template

    rendu = Template('{% load dossiers_tags %}{{ v|jour }}|{{ v|date:"d/m/Y" }}').render(
        Context({"v": valeur})
    )
    rapide, general = rendu.split("|")
    assert rapide == general
