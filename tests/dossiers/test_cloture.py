import pytest
from django.core.exceptions import PermissionDenied

from dossiers import actions
from dossiers.enums import Etat, Phase
from dossiers.models import Dossier
from hn.journal.models import Evenement
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_accepted_dossier_is_closed_with_reason_and_traced():
    dossier = d.accepte()
    valideur = d.valideur_de(dossier)
    dossier = actions.clore(
        dossier=dossier,
        motif="cibles_inatteignables",
        commentaire="Éditeur défaillant.",
        acting_user=valideur,
    )
    assert dossier.etat == Etat.CLOS
    assert dossier.phase == Phase.SUIVI
    assert dossier.clos_le is not None
    evenement = Evenement.objects.get(action="dossier_clos", objet_id=str(dossier.pk))
    assert evenement.avant == {"etat": "accepte"}
    assert evenement.apres == {"etat": "clos", "motif": "cibles_inatteignables"}


@pytest.mark.parametrize(
    ("motif", "commentaire", "champ"),
    [
        ("", "ok", "motif"),
        ("inconnu", "ok", "motif"),
        ("demande_etablissement", " ", "commentaire"),
    ],
)
def test_closure_needs_a_known_reason_and_a_comment(motif, commentaire, champ):
    dossier = d.accepte()
    with pytest.raises(actions.DossierError) as exc:
        actions.clore(
            dossier=dossier,
            motif=motif,
            commentaire=commentaire,
            acting_user=d.valideur_de(dossier),
        )
    assert champ in exc.value.errors
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.ACCEPTE


def test_only_accepted_dossiers_close_and_only_by_the_valideur():
    depose = d.depose()
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.clore(
            dossier=depose,
            motif="demande_etablissement",
            commentaire="x",
            acting_user=d.valideur_de(depose),
        )
    assert exc.value.message == "Impossible de clore le dossier : le dossier est « Déposé »."
    accepte = d.accepte()
    for user in (
        f.ars_lecteur("84"),
        f.es_gestionnaire(accepte.etablissement),
        f.ars_valideur("11"),
        f.pilote_national(),
    ):
        with pytest.raises(PermissionDenied):
            actions.clore(
                dossier=accepte, motif="demande_etablissement", commentaire="x", acting_user=user
            )


def test_closure_through_the_api_and_the_instruction_page(client):
    dossier = d.accepte()
    valideur = d.valideur_de(dossier)
    client.force_login(valideur)
    url = f"/api/v1/dossiers/{dossier.numero}/transitions/clore/"
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"motif", "commentaire"}
    autre = d.accepte()
    response = client.post(
        f"/dossiers/{autre.numero}/instruction/",
        {
            "etape": "clore",
            "motif_cloture": "declarations_erronees",
            "commentaire_cloture": "Audit : déclarations inexactes.",
            "confirme": "1",
        },
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=autre.pk).etat == Etat.CLOS
    response = client.post(
        url,
        {"motif": "demande_etablissement", "commentaire": "Demande."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["etat"] == "clos"
    response = client.post(
        url,
        {"motif": "demande_etablissement", "commentaire": "Demande."},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["etat"] == "clos"
