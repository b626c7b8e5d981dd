"""Issue 19 point 5: the national pilot's redeployment, a page confirmed before it acts. A POST
without ``confirme=1`` writes nothing and tells the amounts (each envelope's figures before
and after), that no one is notified and that it cannot be undone; ``confirme=1`` acts; a
refused input keeps what was typed, with the message at its field."""

import html

import pytest

from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from tests import factories as f

pytestmark = pytest.mark.django_db
MAYOTTE = "06"  # HOP'EN: 718 000 € published [003 A2]
NBSP = "\u00a0"
CONFIRMATION = '<div data-confirmation id="confirmation">'
URL = f"/enveloppes/HOPEN/{MAYOTTE}/redeployer/"


def _texte(response) -> str:
    return html.unescape(response.content.decode())


def test_the_pilot_confirms_a_redeployment_after_reading_its_figures(client):
    client.force_login(f.pilote_national())
    detail = _texte(client.get(f"/enveloppes/HOPEN/{MAYOTTE}/"))
    assert 'id="lien-redeployer"' in detail
    saisie = {"destination": "03", "montant": "100 000", "motif": "Sous-consommation."}
    response = client.post(URL, saisie)
    assert response.status_code == 200
    assert not MouvementEnveloppe.objects.exists()
    texte = _texte(response)
    assert CONFIRMATION in texte
    assert f"cède 100{NBSP}000{NBSP}€ : son disponible passe de 718{NBSP}000{NBSP}€ à " in texte
    assert f"618{NBSP}000{NBSP}€" in texte
    assert "Personne n’est notifié automatiquement." in texte
    assert "Un redéploiement ne peut pas être annulé" in texte

    response = client.post(URL, {**saisie, "confirme": "1"})
    assert response.status_code == 302
    assert sorted(MouvementEnveloppe.objects.values_list("nature", flat=True)) == sorted(
        [Nature.REDEPLOIEMENT_ENTRANT, Nature.REDEPLOIEMENT_SORTANT]
    )
    source = Enveloppe.objects.get(programme__code="HOPEN", region__code=MAYOTTE)
    assert source.situation().total == 618_000


def test_a_refused_redeployment_keeps_the_typed_values_at_their_fields(client):
    client.force_login(f.pilote_national())
    response = client.post(URL, {"destination": "03", "montant": "10 000 000", "motif": "Trop."})
    assert response.status_code == 200
    texte = _texte(response)
    assert CONFIRMATION not in texte
    assert 'aria-describedby="montant-erreur"' in texte
    assert 'value="10 000 000"' in texte
    assert '<option value="03" selected>' in texte
    assert ">Trop.</textarea>" in texte
    response = client.post(URL, {"destination": "03", "montant": "5"})
    assert 'id="motif-erreur">Un redéploiement doit être motivé.' in _texte(response)
    assert not MouvementEnveloppe.objects.exists()


def test_only_the_national_pilot_redeploys(client):
    client.force_login(f.lecteur_national())
    assert client.post(URL, {"confirme": "1"}).status_code == 403
    assert 'id="lien-redeployer"' not in _texte(client.get(f"/enveloppes/HOPEN/{MAYOTTE}/"))
    client.force_login(f.ars_valideur(MAYOTTE))
    assert client.get(URL).status_code == 403
    assert not MouvementEnveloppe.objects.exists()
