"""The trace (SPEC §1): logins traced, append-only at model and database level, scoped reading."""

import pytest
from django.db import connection, transaction

from hn.journal.models import SYSTEME, Evenement, ImmutableError
from hn.journal.services import tracer
from tests import factories as f

pytestmark = pytest.mark.django_db


# --- logins ---------------------------------------------------------------------------------


def test_client_login_writes_a_connexion_row(client):
    user = f.es_lecteur(username="alice")
    avant = Evenement.objects.filter(action="connexion").count()
    assert client.login(username="alice", password=f.PASSWORD)
    rows = Evenement.objects.filter(action="connexion")
    assert rows.count() == avant + 1
    row = rows.first()
    assert row.acteur == user
    assert row.acteur_nom == "alice"
    assert row.objet_type == "comptes.user"
    assert row.objet_id == str(user.pk)


def test_login_form_post_writes_a_connexion_row(client):
    user = f.es_lecteur(username="bruno")
    response = client.post("/connexion/", {"username": "bruno", "password": f.PASSWORD})
    assert response.status_code == 302
    row = Evenement.objects.get(action="connexion")
    assert row.acteur == user
    assert row.acteur_nom == "bruno"


def test_failed_login_writes_a_connexion_echouee_row(client):
    f.es_lecteur(username="carla")
    assert not client.login(username="carla", password="mauvais")
    row = Evenement.objects.get(action="connexion_echouee")
    assert row.acteur is None
    assert row.acteur_nom == SYSTEME
    assert row.commentaire == "identifiant : carla"
    assert not Evenement.objects.filter(action="connexion").exists()


def test_failed_login_form_post_shows_french_error_and_is_traced(client):
    f.es_lecteur(username="denis")
    response = client.post("/connexion/", {"username": "denis", "password": "mauvais"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Saisissez un nom d" in response.content.decode()
    row = Evenement.objects.get(action="connexion_echouee")
    assert row.commentaire == "identifiant : denis"


def test_logout_is_traced(client):
    user = f.es_lecteur(username="emma")
    client.force_login(user)
    client.post("/deconnexion/")
    row = Evenement.objects.get(action="deconnexion")
    assert row.acteur == user


# --- append-only (model guards) ---------------------------------------------------------------


@pytest.fixture
def evenement():
    return tracer("essai", commentaire="ligne d'origine")


def test_saving_an_existing_row_is_refused(evenement):
    evenement.commentaire = "réécrit"
    with pytest.raises(ImmutableError, match=r"Le journal ne peut pas être modifié\."):
        evenement.save()
    assert Evenement.objects.get(pk=evenement.pk).commentaire == "ligne d'origine"


def test_deleting_a_row_is_refused(evenement):
    with pytest.raises(ImmutableError, match=r"Le journal ne peut pas être supprimé\."):
        evenement.delete()
    assert Evenement.objects.filter(pk=evenement.pk).exists()


def test_queryset_update_is_refused(evenement):
    with pytest.raises(ImmutableError, match=r"Le journal ne peut pas être modifié\."):
        Evenement.objects.filter(pk=evenement.pk).update(commentaire="réécrit")
    with pytest.raises(ImmutableError):
        Evenement.objects.update(action="autre")
    assert Evenement.objects.get(pk=evenement.pk).commentaire == "ligne d'origine"


def test_queryset_delete_is_refused(evenement):
    with pytest.raises(ImmutableError, match=r"Le journal ne peut pas être supprimé\."):
        Evenement.objects.filter(pk=evenement.pk).delete()
    with pytest.raises(ImmutableError):
        Evenement.objects.all().delete()
    assert Evenement.objects.filter(pk=evenement.pk).exists()


def test_bulk_update_is_refused(evenement):
    evenement.commentaire = "réécrit"
    with pytest.raises(ImmutableError), transaction.atomic():
        Evenement.objects.bulk_update([evenement], ["commentaire"])
    assert Evenement.objects.get(pk=evenement.pk).commentaire == "ligne d'origine"


def test_new_rows_can_still_be_appended(evenement):
    second = tracer("essai", commentaire="ligne suivante")
    assert second.pk != evenement.pk
    assert Evenement.objects.filter(action="essai").count() == 2


# --- append-only (PostgreSQL trigger) ---------------------------------------------------------


@pytest.mark.postgres
def test_raw_sql_update_is_refused_by_the_trigger(evenement):
    with (
        pytest.raises(Exception, match="Le journal ne peut être ni modifié ni supprimé"),
        transaction.atomic(),
    ):
        connection.cursor().execute(
            "UPDATE journal_evenement SET commentaire = 'réécrit' WHERE id = %s", [evenement.pk]
        )
    assert Evenement.objects.get(pk=evenement.pk).commentaire == "ligne d'origine"


@pytest.mark.postgres
def test_raw_sql_delete_is_refused_by_the_trigger(evenement):
    with (
        pytest.raises(Exception, match="Le journal ne peut être ni modifié ni supprimé"),
        transaction.atomic(),
    ):
        connection.cursor().execute("DELETE FROM journal_evenement WHERE id = %s", [evenement.pk])
    assert Evenement.objects.filter(pk=evenement.pk).exists()


def test_deleting_a_traced_account_keeps_its_trace():
    """The row is kept, untouched, when the account is deleted: no SET_NULL (on PostgreSQL that
    would be an UPDATE of the journal, refused by the append-only trigger, and every account
    that ever logged in would be undeletable). The name and the historical id stay."""
    user = f.es_lecteur(username="partant")
    ancien_id = user.pk
    tracer("essai", acteur=user)
    user.delete()
    assert not type(user).objects.filter(pk=ancien_id).exists()
    row = Evenement.objects.get(action="essai")
    assert row.acteur_nom == "partant"
    assert row.acteur_id == ancien_id


# --- visibility -------------------------------------------------------------------------------


@pytest.fixture
def traces():
    """One row per scope: two établissements of ARA, one of IDF, each ARS, and a national one."""
    es_a = f.EtablissementFactory()
    es_b = f.EtablissementFactory()
    es_idf = f.EtablissementFactory(ile_de_france=True)
    lignes = {
        "es_a": tracer("essai", etablissement=es_a, commentaire="trace-es-a"),
        "es_b": tracer("essai", etablissement=es_b, commentaire="trace-es-b"),
        "es_idf": tracer("essai", etablissement=es_idf, commentaire="trace-es-idf"),
        "ars_84": tracer("essai", region=f.region("84"), commentaire="trace-ars-84"),
        "ars_11": tracer("essai", region=f.region("11"), commentaire="trace-ars-11"),
        "national": tracer("essai", commentaire="trace-nationale"),
    }
    return {"es_a": es_a, "es_b": es_b, "es_idf": es_idf, "lignes": lignes}


def _visibles(user):
    return set(
        Evenement.objects.visibles_par(user)
        .filter(action="essai")
        .values_list("commentaire", flat=True)
    )


def _page(client, user):
    client.force_login(user)
    response = client.get("/journal/?action=essai")
    assert response.status_code == 200
    html = response.content.decode()
    return {c for c in TOUTES if c in html}


TOUTES = {
    "trace-es-a",
    "trace-es-b",
    "trace-es-idf",
    "trace-ars-84",
    "trace-ars-11",
    "trace-nationale",
}


def test_es_user_sees_its_etablissement_rows_only(client, traces):
    user = f.es_gestionnaire(traces["es_a"])
    attendu = {"trace-es-a"}
    assert _visibles(user) == attendu
    assert _page(client, user) == attendu


def test_es_user_of_another_etablissement_does_not_see_them(client, traces):
    user = f.es_lecteur(traces["es_b"])
    assert _visibles(user) == {"trace-es-b"}
    assert _page(client, user) == {"trace-es-b"}


def test_ars_user_sees_its_region_rows(client, traces):
    attendu = {"trace-es-a", "trace-es-b", "trace-ars-84"}
    for user in (f.ars_valideur("84"), f.ars_lecteur("84"), f.ars_auditeur("84")):
        assert _visibles(user) == attendu
    assert _page(client, user) == attendu
    idf = f.ars_valideur("11")
    assert _visibles(idf) == {"trace-es-idf", "trace-ars-11"}
    assert _page(client, idf) == {"trace-es-idf", "trace-ars-11"}


def test_ars_user_sees_rows_of_its_former_regions(traces):
    """SPEC §2: ARS 84 covers the former régions Auvergne (83) and Rhône-Alpes (82)."""
    from hn.referentiel.enums import Decoupage
    from hn.referentiel.models import Region

    rhone_alpes = Region.objects.get(code="82", decoupage=Decoupage.ANCIEN)
    tracer("essai", region=rhone_alpes, commentaire="trace-rhone-alpes")
    assert "trace-rhone-alpes" in _visibles(f.ars_valideur("84"))
    assert "trace-rhone-alpes" not in _visibles(f.ars_valideur("11"))


@pytest.mark.parametrize("qui", ["pilote", "lecteur", "superuser"])
def test_national_sees_all_rows(client, traces, qui):
    user = {"pilote": f.pilote_national, "lecteur": f.lecteur_national, "superuser": f.superuser}[
        qui
    ]()
    assert _visibles(user) == TOUTES
    assert _page(client, user) == TOUTES


def test_user_without_role_sees_nothing(client, traces):
    user = f.UserFactory()
    assert _visibles(user) == set()
    assert _page(client, user) == set()


def test_journal_page_is_in_french_and_requires_login(client):
    response = client.get("/journal/")
    assert response.status_code == 302
    assert response.url.startswith("/connexion/")
    client.force_login(f.pilote_national())
    response = client.get("/journal/")
    html = response.content.decode()
    assert "Journal des actions" in html
    assert "ne peut être ni modifié ni supprimé" in html
