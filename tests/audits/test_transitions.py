"""Conclusion, contradictory phase and the CMSI's decision (SPEC §8, API.md "Audits"): a
non-conforme conclusion gives the ES one calendar month to answer; ``cloturer`` closes the
dossier for false declaration through the dossier's own closure, the paid amounts become
repayable in the ledger (HN: amorçage; HOP'EN: amorçage and usage) and the national level is
alerted."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.enums import EtatAudit
from audits.models import Audit, PieceReponse
from dossiers import actions as dossiers_actions
from dossiers.enums import Etat
from dossiers.models import PieceJointe
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from indicateurs import suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.audits import aides as au
from tests.audits.aides import contradictoire, en_cours, recharger, tout_remplir, transition
from tests.indicateurs import aides as a
from tests.indicateurs.aides import D2

pytestmark = pytest.mark.django_db

NON_CONFORME = {"conclusion": "non_conforme", "observations": "DPI absent en pédiatrie."}


def repondre(client, monde, user=None, reponse="Le DPI est déployé depuis mai, voir PV."):
    return transition(
        client, monde, "repondre", {"reponse": reponse}, user or monde["gestionnaire"]
    )


def decider(client, monde, decision="classer", user=None, commentaire="Réponse convaincante."):
    return transition(
        client,
        monde,
        "decider",
        {"decision": decision, "commentaire": commentaire},
        user or monde["valideur"],
    )


# --- terminer ------------------------------------------------------------------------------------


def test_terminer_lists_the_lines_without_a_result(client, monde):
    auditrice = en_cours(client, monde)
    codes = [ligne.code for ligne in au.grille_lignes(monde["audit"])]
    au.patcher(
        client,
        f"{monde['url']}grille/",
        {"lignes": [{"code": c, "resultat": "conforme"} for c in codes[1:]]},
        auditrice,
    )
    r = transition(client, monde, "terminer", NON_CONFORME, auditrice)
    assert r.status_code == 409
    assert r.json()["manquants"] == [codes[0]]
    assert codes[0] in r.json()["detail"]
    assert recharger(monde["audit"]).etat == EtatAudit.EN_COURS


@pytest.mark.parametrize(
    ("body", "champs"),
    [
        ({}, {"conclusion", "observations"}),
        ({"conclusion": "bof", "observations": "x"}, {"conclusion"}),
        ({"conclusion": "conforme", "observations": "  "}, {"observations"}),
    ],
)
def test_terminer_needs_a_conclusion_and_observations(client, monde, body, champs):
    en_cours(client, monde)
    tout_remplir(client, monde)
    r = transition(client, monde, "terminer", body, monde["auditrice"])
    assert r.status_code == 400
    assert set(r.json()["errors"]) == champs
    assert recharger(monde["audit"]).etat == EtatAudit.EN_COURS


def test_only_a_designated_auditor_concludes_while_en_cours(client, monde):
    r = transition(client, monde, "terminer", NON_CONFORME, monde["valideur"])
    assert r.status_code == 403
    en_cours(client, monde)
    tout_remplir(client, monde)
    assert transition(client, monde, "terminer", NON_CONFORME, monde["valideur"]).status_code == 403
    body = {"conclusion": "conforme", "observations": "Preuves vérifiées."}
    r = transition(client, monde, "terminer", body, monde["auditrice"])
    assert r.status_code == 200
    r = transition(client, monde, "terminer", body, monde["auditrice"])
    assert (r.status_code, r.json()["etat"]) == (409, "termine")


def test_conforme_ends_the_audit_and_tells_the_es(client, monde):
    en_cours(client, monde)
    tout_remplir(client, monde)
    body = {"conclusion": "conforme", "observations": "Preuves vérifiées."}
    r = transition(client, monde, "terminer", body, monde["auditrice"])
    assert (r.json()["etat"], r.json()["conclusion"], r.json()["observations"]) == (
        "termine",
        "conforme",
        "Preuves vérifiées.",
    )
    assert Notification.objects.filter(
        destinataire=monde["gestionnaire"], titre__endswith=": conforme"
    ).exists()
    grille = au.patcher(
        client, f"{monde['url']}grille/", {"lignes": [{"code": "P1.1", "resultat": "conforme"}]}
    )
    assert grille.status_code == 409


@pytest.mark.parametrize(
    ("jour", "echeance"),
    [
        ((2023, 1, 31), dt.date(2023, 2, 28)),
        ((2024, 1, 31), dt.date(2024, 2, 29)),
        ((2023, 3, 15), dt.date(2023, 4, 15)),
    ],
)
def test_non_conforme_opens_a_one_month_contradictory_phase(client, monde, jour, echeance):
    r = contradictoire(client, monde, jour)
    assert (r.json()["etat"], r.json()["conclusion"]) == ("contradictoire", "non_conforme")
    audit = recharger(monde["audit"])
    assert (audit.echeance_reponse, audit.conclu_le) == (echeance, dt.date(*jour))
    message = Notification.objects.get(
        destinataire=monde["gestionnaire"], titre__contains="non conforme"
    )
    assert f"{echeance:%d/%m/%Y}" in message.titre
    trace = Evenement.objects.get(action="audit_contradictoire")
    assert (trace.acteur, trace.avant, trace.apres["etat"]) == (
        monde["auditrice"],
        {"etat": "en_cours"},
        "contradictoire",
    )


# --- repondre ----------------------------------------------------------------------------------


def test_answering_outside_the_contradictory_phase_is_409(client, monde):
    r = repondre(client, monde)
    assert (r.status_code, r.json()["etat"]) == (409, "a_planifier")
    assert "pas en phase contradictoire" in r.json()["detail"]
    assert recharger(monde["audit"]).reponse_es == ""


def test_the_es_gestionnaire_answers(client, monde):
    contradictoire(client, monde)
    assert repondre(client, monde, f.es_lecteur(monde["dossier"].etablissement)).status_code == 403
    assert repondre(client, monde, monde["valideur"]).status_code == 403
    assert repondre(client, monde, reponse=" ").status_code == 400
    r = repondre(client, monde)
    assert r.status_code == 200
    assert (r.json()["reponse_es"], r.json()["etat"]) == (
        "Le DPI est déployé depuis mai, voir PV.",
        "contradictoire",
    )
    assert Notification.objects.filter(
        destinataire=monde["valideur"], titre__contains="réponse de l'établissement"
    ).exists()


# --- decider --------------------------------------------------------------------------------------


def test_the_cmsi_classes_the_audit_and_deciding_twice_is_409(client, monde):
    contradictoire(client, monde)
    repondre(client, monde)
    assert decider(client, monde, user=monde["auditrice"]).status_code == 403
    assert decider(client, monde, user=monde["gestionnaire"]).status_code == 403
    assert decider(client, monde, decision="punir").status_code == 400
    assert decider(client, monde, commentaire="").status_code == 400
    r = decider(client, monde)
    assert (r.status_code, r.json()["etat"], r.json()["decision"]) == (200, "termine", "classer")
    r = decider(client, monde, decision="cloturer")
    assert (r.status_code, r.json()["etat"]) == (409, "termine")
    assert a.recharger(monde["dossier"]).etat == Etat.ACCEPTE
    assert not MouvementEnveloppe.objects.filter(
        nature__in=(Nature.REMBOURSEMENT_AMORCAGE_DU, Nature.REMBOURSEMENT_USAGE_DU)
    ).exists()


def test_deciding_before_the_contradictory_phase_is_409(client, monde):
    en_cours(client, monde)
    r = decider(client, monde, decision="cloturer")
    assert (r.status_code, r.json()["etat"]) == (409, "en_cours")
    assert a.recharger(monde["dossier"]).etat == Etat.ACCEPTE


def _du(dossier):
    return sorted(
        (m.nature, m.domaine.domaine.code, m.montant)
        for m in MouvementEnveloppe.objects.filter(
            dossier=dossier,
            nature__in=(Nature.REMBOURSEMENT_AMORCAGE_DU, Nature.REMBOURSEMENT_USAGE_DU),
        ).select_related("domaine__domaine")
    )


def test_hopen_cloturer_closes_the_dossier_and_makes_amorcage_and_usage_repayable(client, monde):
    dossier, valideur = monde["dossier"], monde["valideur"]
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    with a.le(2022, 9, 1):
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
        suivi.verser(dossier=dossier, domaine="D2", volet="usage", acting_user=valideur)
    contradictoire(client, monde)
    pilote = f.pilote_national(username="pilote")
    r = decider(client, monde, decision="cloturer", commentaire="Déclarations fausses.")
    assert (r.status_code, r.json()["decision"], r.json()["etat"]) == (200, "cloturer", "termine")
    dossier = a.recharger(dossier)
    assert (dossier.etat, dossier.motif_cloture) == (Etat.CLOS, "declarations_erronees")
    assert _du(dossier) == [
        (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(50_000)),
        (Nature.REMBOURSEMENT_USAGE_DU, "D2", D2 - 50_000),
    ]
    alerte = Notification.objects.get(destinataire=pilote, titre__startswith="Fausse déclaration")
    assert f"{int(D2):,}".replace(",", "\u00a0") in alerte.message
    assert Evenement.objects.filter(action="audit_cloture").exists()
    assert Evenement.objects.filter(action="dossier_clos", objet_id=str(dossier.pk)).exists()


def test_hn_cloturer_makes_only_the_paid_amorcage_repayable(client):
    dossier = a.accepte_le(
        (2016, 3, 1),
        a.etablissement_hn(),
        code="HN",
        selectionnes=("D4",),
        domaines=("D4",),
        amorcage={"D4": 20_000},
    )
    valideur = d.valideur_de(dossier)
    with a.le(2016, 3, 15):
        suivi.verser(dossier=dossier, domaine="D4", volet="amorcage", acting_user=valideur)
    audit = au.audit_de(dossier, annee=2016, code="HN", user=valideur)
    monde = {
        "url": f"{au.API}{audit.pk}/",
        "audit": audit,
        "valideur": valideur,
        "auditrice": f.ars_auditeur("84", username="auditrice"),
        "gestionnaire": a.gestionnaire_de(dossier),
    }
    contradictoire(client, monde)
    assert decider(client, monde, decision="cloturer").status_code == 200
    assert _du(dossier) == [(Nature.REMBOURSEMENT_AMORCAGE_DU, "D4", D(20_000))]
    assert a.recharger(dossier).etat == Etat.CLOS
    assert Audit.objects.get(pk=audit.pk).decision == "cloturer"


# --- the answer's attachments ----------------------------------------------------------------


def repondre_avec(client, monde, fichiers, reponse="Voir les pièces jointes."):
    client.force_login(monde["gestionnaire"])
    return client.post(
        f"{monde['url']}transitions/repondre/",
        {"reponse": reponse, "pieces": fichiers},
    )


def test_the_es_answers_with_attachments_read_by_the_cmsi(client, monde):
    contradictoire(client, monde)
    r = repondre_avec(
        client,
        monde,
        [SimpleUploadedFile("pv.pdf", d.PDF_MINIMAL), SimpleUploadedFile("b.pdf", d.PDF_MINIMAL)],
    )
    assert r.status_code == 200, r.json()
    assert r.json()["reponse_es"] == "Voir les pièces jointes."
    liste = au.lire(client, f"{monde['url']}pieces/", monde["valideur"]).json()
    assert [p["nom"] for p in liste] == ["pv.pdf", "b.pdf"]
    fichier = client.get(f"{monde['url']}pieces/{liste[0]['id']}/fichier/")
    assert (fichier.status_code, fichier.content) == (200, d.PDF_MINIMAL)
    trace = Evenement.objects.get(action="audit_reponse_es")
    assert trace.apres == {"pieces": ["pv.pdf", "b.pdf"]}
    # Another établissement's user, another région's CMSI: 404.
    for user in (f.es_gestionnaire(), f.ars_valideur("11")):
        assert au.lire(client, f"{monde['url']}pieces/", user).status_code == 404
    # A piece not attached to this answer is not served through the audit.
    autre = d.piece_de(d.en_saisie())
    url = f"{monde['url']}pieces/{autre.pk}/fichier/"
    assert au.lire(client, url, f.superuser()).status_code == 404


def test_a_refused_attachment_refuses_the_whole_answer(client, monde):
    contradictoire(client, monde)
    avant = PieceJointe.objects.count()
    r = repondre_avec(
        client,
        monde,
        [SimpleUploadedFile("pv.pdf", d.PDF_MINIMAL), SimpleUploadedFile("x.txt", b"texte")],
    )
    assert r.status_code == 400
    assert "x.txt" in r.json()["errors"]["pieces"][0]
    assert recharger(monde["audit"]).reponse_es == ""
    assert (PieceJointe.objects.count(), PieceReponse.objects.count()) == (avant, 0)
    trop = [SimpleUploadedFile(f"{n}.pdf", d.PDF_MINIMAL) for n in range(6)]
    assert repondre_avec(client, monde, trop).status_code == 400
    assert PieceReponse.objects.count() == 0


def test_cloturer_a_dossier_already_closed_is_409_and_classer_remains(client, monde):
    contradictoire(client, monde)
    with a.le(2023, 2, 10):
        dossiers_actions.clore(
            dossier=monde["dossier"],
            motif="demande_etablissement",
            commentaire="Projet abandonné.",
            acting_user=monde["valideur"],
        )
    r = decider(client, monde, decision="cloturer")
    assert (r.status_code, r.json()["etat"]) == (409, "contradictoire")
    assert "seul un dossier accepté peut être clos pour fausse déclaration" in r.json()["detail"]
    assert decider(client, monde).status_code == 200
