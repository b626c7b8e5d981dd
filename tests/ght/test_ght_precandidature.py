"""A GHT member's pré-candidature is validated by its GHT's support before it is transmitted
[SPEC §7, §10]: the support reads its members' drafts, validates them (page and API), the
member's transmission is refused without it (409), a later change voids it."""

import pytest

from candidatures import actions
from candidatures.models import Precandidature
from dossiers.actions import TransitionRefusee
from tests import factories as f
from tests.candidatures import aides as ca
from tests.ght import aides
from tests.indicateurs.aides import le

pytestmark = pytest.mark.django_db


def _monde():
    """(member's draft, complete; member's gestionnaire; support's gestionnaire)."""
    _, support, (membre, _autre) = aides.ght()
    f.ActiviteEtablissementFactory(etablissement=membre, journees_mco=10_000)
    pc = ca.brouillon(membre, donnees=ca.COMPLETE)
    return pc, pc.cree_par, f.es_gestionnaire(support)


def _transition(client, user, pc, nom):
    with le(*ca.PENDANT_AMI):
        return ca.appel(client, user, "post", ca.url("precandidatures", pc.pk, "transitions", nom))


def test_the_member_cannot_transmit_before_the_support_validates_then_can(client):
    pc, membre, support = _monde()
    refus = _transition(client, membre, pc, "transmettre")
    assert refus.status_code == 409
    message = refus.json()["detail"]
    assert "validée par son établissement support" in message
    assert pc.support_ght.raison_sociale in message
    assert Precandidature.objects.get(pk=pc.pk).etat == "brouillon"
    # The support reads its member's draft (read-only) and validates it.
    lu = ca.appel(client, support, "get", ca.url("precandidatures", pc.pk))
    assert lu.status_code == 200
    assert lu.json()["support_ght"] == pc.support_ght.finess
    assert lu.json()["validee_par_support_le"] is None
    assert (
        ca.appel(client, support, "patch", ca.url("precandidatures", pc.pk), {}).status_code == 403
    )
    ok = _transition(client, support, pc, "valider_support")
    assert ok.status_code == 200, ok.content
    assert ok.json()["validee_par_support_le"] is not None
    assert Precandidature.objects.get(pk=pc.pk).validee_par_support_par == support
    # Twice: refused, nothing changes.
    assert _transition(client, support, pc, "valider_support").status_code == 409
    assert _transition(client, membre, pc, "transmettre").status_code == 200
    assert Precandidature.objects.get(pk=pc.pk).etat == "transmise"
    # Once transmitted, there is nothing left to validate.
    assert _transition(client, support, pc, "valider_support").status_code == 409


def test_only_the_supports_gestionnaire_validates(client):
    pc, membre, _ = _monde()
    assert _transition(client, membre, pc, "valider_support").status_code == 403
    lecteur = f.es_lecteur(pc.support_ght)
    assert _transition(client, lecteur, pc, "valider_support").status_code == 403
    ailleurs = f.es_gestionnaire(f.EtablissementFactory())
    assert _transition(client, ailleurs, pc, "valider_support").status_code == 404
    assert Precandidature.objects.get(pk=pc.pk).validee_par_support_le is None


def test_the_support_and_single_etablissements_transmit_without_validation(client):
    _, support, _ = aides.ght()
    f.ActiviteEtablissementFactory(etablissement=support, journees_mco=10_000)
    assert ca.transmise(support).etat == "transmise"  # the support itself
    seul = ca.brouillon(donnees=ca.COMPLETE)
    assert seul.support_ght is None
    refus = _transition(client, seul.cree_par, seul, "valider_support")
    assert refus.status_code == 409  # nothing to validate
    assert ca.transmise(ca.etablissement()).etat == "transmise"


def test_a_change_after_the_validation_voids_it():
    pc, membre, support = _monde()
    with le(*ca.PENDANT_AMI):
        actions.valider_support(precandidature=pc, acting_user=support)
        actions.modifier(
            precandidature=pc, donnees={"commentaire": "Nouveau projet."}, acting_user=membre
        )
        pc.refresh_from_db()
        assert pc.validee_par_support_le is None
        with pytest.raises(TransitionRefusee):
            actions.transmettre(precandidature=pc, acting_user=membre)


def test_the_support_sees_the_button_and_validates_on_the_page(client):
    pc, membre, support = _monde()
    client.force_login(support)
    page = client.get(f"/candidatures/{pc.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="valider-support"' in html and 'id="transmettre"' not in html
    with le(*ca.PENDANT_AMI):
        reponse = client.post(f"/candidatures/{pc.pk}/valider-support/")
    assert reponse.status_code == 302
    assert Precandidature.objects.get(pk=pc.pk).validee_par_support_le is not None
    client.force_login(membre)
    html = client.get(f"/candidatures/{pc.pk}/").content.decode()
    assert "Validée par l’établissement support" in html and 'id="valider-support"' not in html
    # The member's transmission from the page now goes to its confirmation.
    with le(*ca.PENDANT_AMI):
        assert client.post(f"/candidatures/{pc.pk}/transmettre/").status_code == 200


def test_the_members_page_says_the_validation_is_awaited_and_refuses_without_confirmation(
    client,
):
    pc, membre, _ = _monde()
    client.force_login(membre)
    html = client.get(f"/candidatures/{pc.pk}/").content.decode()
    assert "À valider par l’établissement support" in html
    with le(*ca.PENDANT_AMI):
        reponse = client.post(f"/candidatures/{pc.pk}/transmettre/")
    assert reponse.status_code == 200
    assert "validée par son établissement support" in reponse.content.decode()
    assert Precandidature.objects.get(pk=pc.pk).etat == "brouillon"
