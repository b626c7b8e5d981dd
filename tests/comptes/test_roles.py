import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from hn.comptes import actions
from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import Attribution
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.journal.models import Evenement
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_second_functional_role_in_same_scope_is_refused_with_french_message():
    etab = f.EtablissementFactory()
    user = f.es_gestionnaire(etab)
    with pytest.raises(actions.RoleError) as exc:
        actions.attribuer_role(
            user=user, role=Role.ES_LECTEUR, etablissement=etab, acting_user=f.superuser()
        )
    assert "un seul rôle par périmètre" in exc.value.message
    assert Attribution.objects.filter(user=user).count() == 1


def test_database_constraint_makes_conflicting_roles_impossible():
    etab = f.EtablissementFactory()
    user = f.es_gestionnaire(etab)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attribution.objects.create(
            user=user, perimetre=Perimetre.ETABLISSEMENT, role=Role.ES_LECTEUR, etablissement=etab
        )


def test_role_must_belong_to_its_scope_at_database_level():
    user = f.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attribution.objects.create(
            user=user, perimetre=Perimetre.NATIONAL, role=Role.ES_GESTIONNAIRE
        )


def test_same_role_in_two_etablissements_is_allowed():
    user = f.es_gestionnaire(f.EtablissementFactory())
    f.es_gestionnaire(f.EtablissementFactory(), user=user)
    assert Attribution.objects.filter(user=user).count() == 2


def test_administrateur_adds_to_a_functional_role():
    etab = f.EtablissementFactory()
    user = f.es_gestionnaire(etab)
    f.avec_role(Role.ADMINISTRATEUR, etablissement=etab, user=user)
    assert Attribution.objects.filter(user=user, etablissement=etab).count() == 2


def test_guardian_rights_follow_the_role_and_its_removal():
    etab = f.EtablissementFactory()
    autre = f.EtablissementFactory()
    user = f.es_gestionnaire(etab)
    assert peut_saisir(user, etab)
    assert not peut_saisir(user, autre)
    attribution = Attribution.objects.get(user=user)
    actions.retirer_role(attribution=attribution, acting_user=f.superuser())
    user = type(user).objects.get(pk=user.pk)  # fresh permission caches
    assert not peut_saisir(user, etab)


def test_valideur_instructs_only_its_region():
    user = f.ars_valideur("84")
    assert peut_instruire(user, f.region("84"))
    assert not peut_instruire(user, f.region("11"))
    assert not peut_instruire(f.ars_lecteur("84"), f.region("84"))


def test_es_admin_cannot_grant_roles_elsewhere():
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory()
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab)
    cible = f.UserFactory()
    actions.attribuer_role(user=cible, role=Role.ES_LECTEUR, etablissement=etab, acting_user=admin)
    with pytest.raises(PermissionDenied):
        actions.attribuer_role(
            user=cible, role=Role.ES_LECTEUR, etablissement=autre, acting_user=admin
        )
    with pytest.raises(PermissionDenied):
        actions.attribuer_role(
            user=cible, role=Role.ARS_LECTEUR, region=f.region("84"), acting_user=admin
        )


def test_ars_admin_manages_its_region_and_its_etablissements_only():
    admin = f.avec_role(Role.ADMINISTRATEUR, region=f.region("84"))
    cible = f.UserFactory()
    actions.attribuer_role(
        user=cible, role=Role.ARS_LECTEUR, region=f.region("84"), acting_user=admin
    )
    actions.attribuer_role(
        user=cible, role=Role.ES_LECTEUR, etablissement=f.EtablissementFactory(), acting_user=admin
    )
    with pytest.raises(PermissionDenied):
        actions.attribuer_role(
            user=cible, role=Role.ARS_LECTEUR, region=f.region("11"), acting_user=admin
        )
    with pytest.raises(PermissionDenied):
        actions.attribuer_role(
            user=cible,
            role=Role.ES_LECTEUR,
            etablissement=f.EtablissementFactory(ile_de_france=True),
            acting_user=admin,
        )


def test_role_changes_are_traced_with_before_and_after():
    etab = f.EtablissementFactory()
    user = f.es_lecteur(etab)
    attribution = Attribution.objects.get(user=user)
    actions.retirer_role(attribution=attribution, acting_user=f.superuser())
    actions_tracees = list(
        Evenement.objects.filter(objet_id=str(user.pk)).values_list("action", "avant", "apres")
    )
    assert (
        "role_retire",
        {"role": "es_lecteur", "perimetre": "etablissement", "portee": str(etab)},
        None,
    ) in actions_tracees
    assert any(
        a == "role_attribue" and apres["role"] == "es_lecteur" for a, _, apres in actions_tracees
    )


def test_role_of_wrong_scope_is_refused_and_nothing_written():
    user = f.UserFactory()
    with pytest.raises(actions.RoleError) as exc:
        actions.attribuer_role(
            user=user,
            role=Role.ARS_VALIDEUR,
            etablissement=f.EtablissementFactory(),
            acting_user=f.superuser(),
        )
    assert "n'existe pas pour le périmètre" in exc.value.message
    assert not Attribution.objects.filter(user=user).exists()
    assert not Evenement.objects.filter(objet_id=str(user.pk), action="role_attribue").exists()


def test_conflicting_role_through_the_form_shows_french_error_and_writes_nothing(client):
    etab = f.EtablissementFactory()
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab)
    cible = f.es_gestionnaire(etab)
    client.force_login(admin)
    evenements = Evenement.objects.count()
    response = client.post(
        f"/comptes/{cible.username}/roles/",
        {"perimetre": "etablissement", "finess": etab.finess, "role": Role.ES_LECTEUR},
    )
    assert response.status_code == 200
    assert "un seul rôle par périmètre" in response.content.decode()
    assert list(Attribution.objects.filter(user=cible).values_list("role", flat=True)) == [
        Role.ES_GESTIONNAIRE
    ]
    assert Evenement.objects.count() == evenements
