"""The demo's GHT (issue 15): the demo GHT whose support (``ght_support``) may request a GHT
dossier from the first start, and two GHT dossiers of région 84, one in instruction and one in
follow-up with its engagement on the envelope."""

import pytest

from dossiers import actions
from dossiers.models import Dossier
from dossiers.services import activite_et_forfaits
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.comptes.models import User
from hn.referentiel.models import GHT, Programme

# The package's demo (tests/demo/conftest.py), loaded by one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

ES_A, ES_B, ES_C = "690000013", "690000021", "750000036"


def _dossier_ght(nom):
    return Dossier.objects.select_related("ght", "etablissement", "programme").get(ght__nom=nom)


def test_the_support_may_request_a_ght_dossier_for_its_members(demo):
    ght = GHT.objects.get(nom="GHT Rhône Centre (démonstration)")
    user = User.objects.get(username="ght_support")
    membres = sorted(ght.membres.values_list("finess", flat=True))
    assert len(membres) >= 3
    demande = actions.demander_initialisation(
        programme=Programme.objects.get(code="HOPEN"),
        etablissement=ght.support,
        acting_user=user,
        membres=membres,
    )
    assert demande.ght == ght
    assert sorted(demande.membres.values_list("finess", flat=True)) == membres


def test_the_member_account_is_a_member_of_the_demo_ght_not_its_support(demo):
    membre = User.objects.get(username="ght_membre").attributions.get().etablissement
    assert membre.ght.nom == "GHT Rhône Centre (démonstration)"
    assert not membre.est_support_ght


def test_es_a_b_c_and_the_demo_ght_hold_no_open_hopen_dossier(demo):
    ouverts = Dossier.objects.ouverts().filter(programme__code="HOPEN")
    assert not ouverts.filter(etablissement__finess__in=[ES_A, ES_B, ES_C])
    assert not ouverts.filter(membres__etablissement__finess__in=[ES_A, ES_B, ES_C])
    assert not ouverts.filter(ght__nom="GHT Rhône Centre (démonstration)")


@pytest.mark.parametrize(
    ("nom", "etat"),
    [("GHT Loire Sud (démonstration)", "depose"), ("GHT Isère Nord (démonstration)", "accepte")],
)
def test_ght_dossiers_in_instruction_and_follow_up_with_member_values(demo, nom, etat):
    dossier = _dossier_ght(nom)
    assert dossier.etat == etat
    assert dossier.region.code == "84"
    assert dossier.etablissement == dossier.ght.support
    membres = {m.etablissement_id for m in dossier.membres.all()}
    assert 2 <= len(membres) <= 4
    assert membres == set(dossier.ght.membres.values_list("pk", flat=True))
    demandes = dossier.domaines.filter(demande=True)
    indicateurs = {i.pk for dd in demandes for i in dd.domaine.indicateurs.all()}
    assert indicateurs
    par_membre = dossier.valeurs.filter(etablissement__isnull=False)
    assert {(v.indicateur_id, v.etablissement_id) for v in par_membre} == {
        (i, e) for i in indicateurs for e in membres
    }
    assert dossier.depots.exists()


def test_the_accepted_ght_dossier_engages_its_members_summed_forfaits(demo):
    dossier = _dossier_ght("GHT Isère Nord (démonstration)")
    _activite, forfaits = activite_et_forfaits(dossier)
    engagements = MouvementEnveloppe.objects.filter(dossier=dossier, nature=Nature.ENGAGEMENT)
    selectionnes = [dd for dd in dossier.domaines.all() if dd.suivi]
    assert selectionnes
    assert {m.domaine_id: m.montant for m in engagements} == {
        dd.pk: forfaits[dd.domaine.code][0] for dd in selectionnes
    }
