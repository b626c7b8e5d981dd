"""Concurrency of the calls on PostgreSQL [SPEC §7]: two CMSI editing and transmitting one
programmation at the same instant run one after the other on its row (both edits kept,
versions 1 and 2, never a duplicate rank); two creations of one établissement's
pré-candidature at the same instant make one, the other gets the 409."""

import pytest
import time_machine

from candidatures import actions
from candidatures.models import Ajustement, Precandidature, Version
from dossiers.actions import TransitionRefusee
from hn.comptes.models import User
from hn.journal.models import Evenement
from hn.referentiel.models import Etablissement, Region
from tests import factories as f
from tests.candidatures import aides as a
from tests.concurrence import en_parallele
from tests.indicateurs.aides import paris

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _programmee():
    """Two pre-selected établissements of région 84 (one line each, D2) and two CMSI."""
    pcs = [a.preselectionnee(a.etablissement()) for _ in range(2)]
    cmsi = [a.valideur("84").pk, f.ars_valideur("84").pk]
    return pcs, cmsi


@pytest.mark.parametrize("essai", range(3))
def test_two_cmsi_edit_and_transmit_one_programmation_at_once(referentiel, essai):
    pcs, cmsi = _programmee()
    montants = [60_000, 70_000]

    def cmsi_travaille(i):
        def preparer():
            campagne = a.ami_2019()
            region = Region.objects.actuelles().get(code="84")
            user = User.objects.get(pk=cmsi[i])
            finess = Etablissement.objects.get(pk=pcs[i].etablissement_id).finess

            def agir():
                actions.ajuster(
                    campagne=campagne,
                    region=region,
                    lignes=[{"finess": finess, "domaine": "D2", "amorcage": montants[i]}],
                    acting_user=user,
                )
                return actions.transmettre_programmation(
                    campagne=campagne, region=region, acting_user=user
                ).rang

            return agir

        return preparer

    with time_machine.travel(paris(2019, 8, 20), tick=False):
        rangs, erreurs = en_parallele([cmsi_travaille(0), cmsi_travaille(1)])
    assert erreurs == [None, None]
    assert sorted(rangs) == [1, 2]
    assert sorted(Version.objects.values_list("rang", flat=True)) == [1, 2]
    # Both edits kept: each CMSI changed its own line.
    assert sorted(Ajustement.objects.values_list("amorcage", flat=True)) == montants
    derniere = Version.objects.get(rang=2)
    assert derniere.total_amorcage == sum(montants)
    assert sorted(lg["amorcage"] for lg in derniere.lignes) == montants


def test_concurrent_transmissions_never_share_a_rank(referentiel):
    _, cmsi = _programmee()
    cmsi.append(f.ars_valideur("84").pk)

    def transmettre(pk):
        def preparer():
            campagne = a.ami_2019()
            region = Region.objects.actuelles().get(code="84")
            user = User.objects.get(pk=pk)
            return lambda: (
                actions.transmettre_programmation(
                    campagne=campagne, region=region, acting_user=user
                ).rang
            )

        return preparer

    with time_machine.travel(paris(2019, 8, 20), tick=False):
        rangs, erreurs = en_parallele([transmettre(pk) for pk in cmsi])
    assert erreurs == [None] * 3
    assert sorted(rangs) == [1, 2, 3]


@pytest.mark.parametrize("essai", range(3))
def test_two_creations_of_one_pre_candidature_make_one(referentiel, essai):
    etab = a.etablissement()
    gestionnaires = [f.es_gestionnaire(etab).pk, f.es_gestionnaire(etab).pk]

    def creer(pk):
        def preparer():
            campagne = a.ami_2019()
            etablissement = Etablissement.objects.get(pk=etab.pk)
            user = User.objects.get(pk=pk)
            return lambda: (
                actions.creer(campagne=campagne, etablissement=etablissement, acting_user=user).pk
            )

        return preparer

    with time_machine.travel(paris(*a.PENDANT_AMI), tick=False):
        crees, erreurs = en_parallele([creer(pk) for pk in gestionnaires])
    assert sum(pk is not None for pk in crees) == 1
    [erreur] = [e for e in erreurs if e is not None]
    assert isinstance(erreur, TransitionRefusee)
    assert erreur.etat == "brouillon"
    assert erreur.message == (
        "L'établissement a déjà une pré-candidature dans l'appel « Appel à manifestation "
        "d’intérêt HOP’EN 2019 » (état : Brouillon)."
    )
    assert Precandidature.objects.filter(etablissement=etab).count() == 1


def test_two_cmsi_setting_one_line_at_once_leave_one_of_their_values(referentiel):
    (pc, _), cmsi = _programmee()
    finess = pc.etablissement.finess

    def ajuster(i, montant):
        def preparer():
            campagne = a.ami_2019()
            region = Region.objects.actuelles().get(code="84")
            user = User.objects.get(pk=cmsi[i])
            lignes = [{"finess": finess, "domaine": "D2", "amorcage": montant}]
            return lambda: (
                actions.ajuster(
                    campagne=campagne, region=region, lignes=lignes, acting_user=user
                ).pk
            )

        return preparer

    _, erreurs = en_parallele([ajuster(0, 40_000), ajuster(1, 45_000)])
    assert erreurs == [None, None]
    (ajustement,) = Ajustement.objects.all()
    assert ajustement.amorcage in (40_000, 45_000)
    assert ajustement.modifie_par_id == cmsi[[40_000, 45_000].index(ajustement.amorcage)]
    # One after the other: the second edit's "before" is the first's "after", and the line
    # holds the value of the last one traced (the journal tells what happened).
    premier, second = Evenement.objects.filter(action="programmation_ajustee").order_by("pk")
    cle = f"{finess} D2"
    assert premier.avant == {cle: 53_871}
    assert second.avant == premier.apres
    assert second.apres == {cle: ajustement.amorcage}
