"""One candidature per établissement and programme under concurrency (SPEC §10, PostgreSQL):
the support's GHT request and a member's own request, filed at the same instant, cannot both
name the member — the région's row lock serialises them and the second sees the first."""

import pytest

from dossiers import actions
from dossiers.models import DemandeInitialisation
from hn.comptes.models import User
from hn.referentiel.models import Etablissement, Programme
from tests import factories as f
from tests.concurrence import en_parallele
from tests.ght.aides import CODE, monde_ght


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_naming_one_member_at_once_one_succeeds(referentiel):
    monde = monde_ght(2)
    m1, m2 = monde.membres
    support_pk, m1_pk, m2_pk = monde.support.pk, m1.pk, m2.pk
    gestionnaires = {support_pk: monde.gestionnaire.pk, m1_pk: f.es_gestionnaire(m1).pk}

    def demande(etab_pk, membres):
        def preparer():
            programme = Programme.objects.get(code=CODE)
            etab = Etablissement.objects.get(pk=etab_pk)
            user = User.objects.get(pk=gestionnaires[etab_pk])
            finess = (
                list(Etablissement.objects.filter(pk__in=membres).values_list("finess", flat=True))
                if membres
                else None
            )
            return lambda: (
                actions.demander_initialisation(
                    programme=programme, etablissement=etab, acting_user=user, membres=finess
                ).pk
            )

        return preparer

    resultats, erreurs = en_parallele([demande(support_pk, [m1_pk, m2_pk]), demande(m1_pk, None)])
    assert sum(r is not None for r in resultats) == 1, erreurs
    [erreur] = [e for e in erreurs if e is not None]
    assert isinstance(erreur, actions.DossierError)
    assert "un seul dossier par programme" in erreur.message
    assert DemandeInitialisation.objects.count() == 1
    demande_faite = DemandeInitialisation.objects.get()
    candidats = (
        set(demande_faite.membres.values_list("pk", flat=True))
        if demande_faite.ght_id
        else {demande_faite.etablissement_id}
    )
    assert m1_pk in candidats
