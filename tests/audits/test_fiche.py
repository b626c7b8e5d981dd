"""The fiche de synthèse (SPEC §8, API.md "Audits"): a real PDF with the dossier, the ES, the
auditors, the grid, the observations, the conclusion and, once decided, the decision; sent to
the ES when the auditor concludes (in-app and e-mail, with the link), readable by the ARS and
the national level, by the ES only once sent."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from audits.models import Audit
from hn.notifications.models import Notification
from tests import factories as f
from tests.audits import aides as au
from tests.audits.aides import contradictoire, en_cours, recharger, tout_remplir, transition
from tests.indicateurs import aides as a

pytestmark = pytest.mark.django_db

CONFORME = {"conclusion": "conforme", "observations": "Déclarations étayées par les PV."}


def api_fiche(monde):
    return f"{monde['url']}fiche/"


def page_fiche(audit):
    return f"/audits/{audit.pk}/fiche/"


def texte(reponse) -> str:
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    lecteur = PdfReader(io.BytesIO(b"".join(reponse) if reponse.streaming else reponse.content))
    return " ".join(" ".join(p.extract_text().split()) for p in lecteur.pages)


def conclure(client, monde, body=CONFORME, capture=None):
    en_cours(client, monde)
    tout_remplir(client, monde)
    with a.le(2023, 1, 31):
        if capture is None:
            return transition(client, monde, "terminer", body, monde["auditrice"])
        with capture(execute=True):
            return transition(client, monde, "terminer", body, monde["auditrice"])


def test_the_fiche_is_sent_to_the_es_when_the_auditor_concludes(
    client, monde, django_capture_on_commit_callbacks
):
    assert recharger(monde["audit"]).fiche_envoyee_le is None
    r = conclure(client, monde, capture=django_capture_on_commit_callbacks)
    assert r.status_code == 200
    audit = recharger(monde["audit"])
    assert audit.fiche_envoyee_le is not None
    assert r.json()["fiche_envoyee_le"] is not None
    avis = Notification.objects.get(
        destinataire=monde["gestionnaire"], titre__endswith="fiche de synthèse"
    )
    assert avis.lien == page_fiche(audit)
    courriels = [m for m in mail.outbox if "fiche de synthèse" in m.subject]
    assert [m.to for m in courriels] == [[monde["gestionnaire"].email]]
    # The link of the notification opens the PDF for the ES.
    client.force_login(monde["gestionnaire"])
    assert client.get(avis.lien)["Content-Type"] == "application/pdf"


def test_the_es_cannot_read_the_fiche_before_it_is_sent(client, monde):
    en_cours(client, monde)
    audit = monde["audit"]
    for url in (api_fiche(monde), page_fiche(audit)):
        assert au.lire(client, url, monde["gestionnaire"]).status_code == 404
        assert au.lire(client, url, monde["valideur"]).status_code == 200
        assert au.lire(client, url, f.pilote_national()).status_code == 200
        assert au.lire(client, url, f.ars_valideur("11")).status_code == 404
    assert conclure_sans_designer(client, monde).status_code == 200
    for url in (api_fiche(monde), page_fiche(audit)):
        assert au.lire(client, url, monde["gestionnaire"]).status_code == 200


def conclure_sans_designer(client, monde):
    tout_remplir(client, monde)
    with a.le(2023, 1, 31):
        return transition(client, monde, "terminer", CONFORME, monde["auditrice"])


def test_the_pdf_holds_the_dossier_the_auditors_the_grid_and_the_conclusion(client, monde):
    conclure(client, monde)
    audit = Audit.objects.select_related("dossier__etablissement").get(pk=monde["audit"].pk)
    contenu = texte(au.lire(client, api_fiche(monde), monde["valideur"]))
    dossier = audit.dossier
    for attendu in (
        "Fiche de synthèse de l’audit 2022",
        dossier.numero,
        dossier.etablissement.raison_sociale,
        dossier.etablissement.finess,
        monde["auditrice"].get_full_name() or "auditrice",
        "Conclusion : Conforme",
        "Déclarations étayées par les PV.",
        "31/01/2023",
    ):
        assert attendu in contenu, attendu
    for ligne in au.grille_lignes(audit):
        assert ligne.code in contenu
    assert "Décision" not in contenu


def test_the_fiche_shows_the_decision_once_taken(client, monde):
    contradictoire(client, monde)
    r = transition(
        client,
        monde,
        "decider",
        {"decision": "classer", "commentaire": "Réponse convaincante."},
        monde["valideur"],
    )
    assert r.status_code == 200
    contenu = texte(au.lire(client, api_fiche(monde), monde["gestionnaire"]))
    assert "Conclusion : Non conforme" in contenu
    assert "DPI absent en pédiatrie." in contenu
    assert "Décision" in contenu and "Réponse convaincante." in contenu
