"""The demo's audits (issue 13 point 8): last year drawn in région 84, an audit in every state,
the closure's repayment in the ledger, ``ars_auditeur``'s work in progress, idempotence."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from audits import regles
from audits.enums import Conclusion, Decision, EtatAudit
from audits.grille import indicateurs_audites
from audits.models import Audit, LigneGrille, Tirage
from dossiers.enums import Etat, MotifCloture
from dossiers.models import Dossier
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.comptes.models import User
from hn.dates import aujourd_hui
from hn.journal.models import Evenement
from hn.referentiel.demo import ES_FIXES

# The package's demo (tests/demo/conftest.py), loaded by one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

API = "/api/v1/audits/"


def _audits():
    return {
        (a.etat, a.conclusion, a.decision): a
        for a in Audit.objects.select_related("dossier", "tirage__programme")
    }


def test_last_year_is_drawn_in_region_84_for_both_programmes(demo):
    annee = aujourd_hui().year - 1
    tirages = Tirage.objects.select_related("programme", "region")
    assert {(t.programme.code, t.region.code, t.annee) for t in tirages} == {
        ("HN", "84", annee),
        ("HOPEN", "84", annee),
    }
    for tirage in tirages:
        # Rechecked from the recorded seed and population, as anyone can [SPEC §8].
        assert regles.echantillon(tirage.population, tirage.graine) == tirage.tires
        assert len(tirage.tires) == regles.taille(len(tirage.population)) >= 2
        assert tirage.tire_par.username == "ars_valideur"
        # The population: the programme's dossiers of the région accepted last year.
        dossiers = Dossier.objects.filter(numero__in=tirage.population)
        assert {d.decide_le.year for d in dossiers} == {annee}
        assert {d.region.code for d in dossiers} == {"84"}
        assert all(d.numero.startswith(f"84-{annee}") for d in dossiers)
        assert all(d.cree_le < d.depose_le for d in dossiers)
    assert "5 audits créés" in demo


def test_an_audit_in_every_state(demo):
    audits = _audits()
    assert set(audits) == {
        (EtatAudit.A_PLANIFIER, "", ""),
        (EtatAudit.EN_COURS, "", ""),
        (EtatAudit.TERMINE, Conclusion.CONFORME, ""),
        (EtatAudit.CONTRADICTOIRE, Conclusion.NON_CONFORME, ""),
        (EtatAudit.TERMINE, Conclusion.NON_CONFORME, Decision.CLOTURER),
    }
    assert not audits[(EtatAudit.A_PLANIFIER, "", "")].designations.exists()
    contradictoire = audits[(EtatAudit.CONTRADICTOIRE, Conclusion.NON_CONFORME, "")]
    assert contradictoire.reponse_es == ""  # the ES's answer is awaited
    assert contradictoire.echeance_reponse > aujourd_hui()
    for audit in audits.values():
        assert audit.dossier.etablissement.finess not in {f for f, *_ in ES_FIXES}


def test_the_closed_dossier_owes_its_paid_amorcage_in_the_ledger(demo):
    audit = _audits()[(EtatAudit.TERMINE, Conclusion.NON_CONFORME, Decision.CLOTURER)]
    dossier = audit.dossier
    assert (dossier.etat, dossier.motif_cloture) == (
        Etat.CLOS,
        MotifCloture.DECLARATIONS_ERRONEES,
    )
    assert audit.reponse_es  # the ES answered before the CMSI decided

    def somme(nature):
        lignes = MouvementEnveloppe.objects.filter(dossier=dossier, nature=nature)
        return lignes.aggregate(s=Sum("montant"))["s"] or Decimal(0)

    verse = somme(Nature.AMORCAGE_VERSE)
    assert verse > 0
    assert somme(Nature.REMBOURSEMENT_AMORCAGE_DU) == verse
    assert Evenement.objects.filter(action="audit_cloture", objet_id=str(audit.pk)).exists()
    # Every other drawn dossier stays accepted.
    autres = Audit.objects.exclude(pk=audit.pk)
    assert set(autres.values_list("dossier__etat", flat=True)) == {Etat.ACCEPTE}


def test_ars_auditeur_sees_its_audits_and_its_work_in_progress(demo, client):
    client.force_login(User.objects.get(username="ars_auditeur"))
    donnees = client.get(API).json()
    audits = donnees["results"] if isinstance(donnees, dict) else donnees
    # Designated on every audit but the one still to plan.
    assert sorted(a["etat"] for a in audits) == sorted(
        ["en_cours", "termine", "contradictoire", "termine"]
    )
    assert all(a["auditeurs"] == ["ars_auditeur"] for a in audits)
    (en_cours,) = (a for a in audits if a["etat"] == "en_cours")
    grille = client.get(f"{API}{en_cours['id']}/grille/")
    assert grille.status_code == 200
    lignes = grille.json()["lignes"]
    remplies = [ligne for ligne in lignes if ligne["resultat"]]
    assert 0 < len(remplies) < len(lignes)  # half filled: terminer would list the rest
    audit = Audit.objects.get(pk=en_cours["id"])
    assert len(lignes) == len(indicateurs_audites(audit.dossier))
    assert LigneGrille.objects.filter(audit=audit).count() == len(remplies)


def test_the_cmsi_sees_every_audit_of_the_region(demo, client):
    client.force_login(User.objects.get(username="ars_valideur"))
    donnees = client.get(API).json()
    audits = donnees["results"] if isinstance(donnees, dict) else donnees
    assert len(audits) == 5
    tirages = client.get(f"{API}tirages/").json()
    tirages = tirages["results"] if isinstance(tirages, dict) else tirages
    assert {t["programme"] for t in tirages} == {"HN", "HOPEN"}


def test_running_the_demo_again_adds_no_audit(demo):
    def compter():
        return (
            Dossier.objects.count(),
            Tirage.objects.count(),
            Audit.objects.count(),
            LigneGrille.objects.count(),
            MouvementEnveloppe.objects.count(),
            Evenement.objects.count(),
        )

    avant = compter()
    out = StringIO()
    call_command("demo", "--force", stdout=out)
    assert compter() == avant
    assert "0 audits créés" in out.getvalue()
