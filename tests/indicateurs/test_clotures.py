"""Closures [SPEC §3, §5; 000 A4 §2; 003 A4]: partial (one domaine) or total, by the ARS with
a motif and a comment, or requested by the ES; the engagement is released, paid amorçage (after
false declarations on HOP'EN: paid usage too) becomes a repayment due, tracked until received;
the national level is told."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from dossiers import actions
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.enums import Etat
from enveloppes.enums import Nature
from indicateurs import clotures, suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a
from tests.indicateurs.aides import D2, D3

pytestmark = pytest.mark.django_db

ACCEPTE_LE = (2022, 3, 1)
CLOS_LE = (2022, 10, 3)


@pytest.fixture
def dossier():
    """D2 and D3 selected; 50 000 € amorçage decided on D2 and paid."""
    dossier = a.accepte_le(ACCEPTE_LE, amorcage={"D2": 50_000})
    with a.le(2022, 3, 15):
        suivi.verser(
            dossier=dossier, domaine="D2", volet="amorcage", acting_user=d.valideur_de(dossier)
        )
    return dossier


@pytest.fixture
def monde(dossier):
    """Everyone who might be told of a closure."""
    etab = dossier.etablissement
    return {
        "valideur": d.valideur_de(dossier),
        "gestionnaire": a.gestionnaire_de(dossier),
        "es_lecteur": f.es_lecteur(etab, username="es-lecteur"),
        "ars_lecteur": f.ars_lecteur(etab.region.code, username="ars-lecteur"),
        "autre_cmsi": f.ars_valideur("11", username="cmsi-ile-de-france"),
        "pilote": f.pilote_national(username="pilote"),
        "lecteur_national": f.lecteur_national(username="lecteur-national"),
    }


def clore(
    dossier,
    code,
    motif="cibles_inatteignables",
    commentaire="Éditeur défaillant.",
    jour=CLOS_LE,
    user=None,
):
    with a.le(*jour):
        return clotures.clore_domaine(
            dossier=dossier,
            domaine=code,
            motif=motif,
            commentaire=commentaire,
            acting_user=user or d.valideur_de(dossier),
        )


def nouvelles(dossier, depuis: int) -> list[tuple]:
    """The dossier's ledger lines from the ``depuis``-th on: (nature, domaine, montant)."""
    return [(n, c, m) for n, c, m, _ in a.lignes(dossier)[depuis:]]


# --- partial closure --------------------------------------------------------------------------


def test_partial_closure_releases_that_domaine_only_and_paid_amorcage_is_due_back(dossier, monde):
    avant = len(a.lignes(dossier))
    dd = clore(dossier, "D2", commentaire="  Éditeur défaillant.  ")
    assert dd.suivi == "clos"
    dd = a.domaine(dossier, "D2")
    assert (dd.motif_cloture, dd.commentaire_cloture, dd.clos_le) == (
        "cibles_inatteignables",
        "Éditeur défaillant.",
        dt.date(2022, 10, 3),
    )
    assert a.suivis(dossier) == {"D2": "clos", "D3": "selectionne"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert nouvelles(dossier, avant) == [
        (Nature.LIBERATION, "D2", D2 - 50_000),
        (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(50_000)),
    ]
    figures = a.par_domaine(dossier)
    # What was paid stays engaged until it is repaid; D3 is untouched.
    assert (figures["D2"].engage, figures["D2"].du_amorcage) == (D(50_000), D(50_000))
    assert (figures["D3"].engage, figures["D3"].du_amorcage) == (D3, 0)
    s = a.situation(dossier)
    assert (s.engage, s.remboursement_du, s.consomme_amorcage) == (
        D3 + 50_000,
        D(50_000),
        D(50_000),
    )
    [trace] = a.traces(dossier, "domaine_clos")
    assert (trace.acteur, trace.apres, trace.commentaire) == (
        monde["valideur"],
        {"domaine": "D2", "motif": "cibles_inatteignables"},
        "Éditeur défaillant.",
    )
    # The ES and the national level are told; not the ARS readers nor another région.
    assert a.destinataires(trace) == {
        monde["gestionnaire"].username,
        "es-lecteur",
        "pilote",
        "lecteur-national",
    }
    notification = a.notifications(f"evenement:{trace.pk}")[0]
    assert notification.titre == f"Dossier {dossier.numero} : domaine D2 clos"
    assert notification.message == (
        f"Le domaine D2 du dossier « {dossier.nom} » de {dossier.etablissement.raison_sociale} "
        "est clos : Éditeur défaillant. L'engagement est libéré ; l'amorçage versé est à "
        "rembourser."
    )
    liberation = a.traces(dossier, "enveloppe_liberation")
    assert [t.commentaire for t in liberation] == ["Éditeur défaillant."]


def test_unpaid_amorcage_is_cancelled_not_due():
    dossier = a.accepte_le(ACCEPTE_LE, amorcage={"D3": 30_000})
    avant = len(a.lignes(dossier))
    clore(dossier, "D3")
    assert nouvelles(dossier, avant) == [
        (Nature.AMORCAGE_ANNULE, "D3", D(30_000)),
        (Nature.LIBERATION, "D3", D3),
    ]
    assert a.par_domaine(dossier)["D3"].engage == 0
    assert a.situation(dossier).remboursement_du == 0


@pytest.mark.parametrize(
    ("motif", "commentaire", "erreurs"),
    [
        ("", "Éditeur défaillant.", {"motif"}),
        ("inconnu", "Éditeur défaillant.", {"motif"}),
        ("fin_programme", "Éditeur défaillant.", {"motif"}),  # the system's motif only
        ("cibles_inatteignables", "   ", {"commentaire"}),
        ("cibles_inatteignables", None, {"commentaire"}),
        ("", "", {"motif", "commentaire"}),
    ],
)
def test_a_closure_needs_a_motif_and_a_comment(dossier, motif, commentaire, erreurs):
    avant = a.compte()
    with pytest.raises(DossierError) as exc:
        clore(dossier, "D2", motif=motif, commentaire=commentaire)
    assert exc.value.message == "La clôture doit être motivée."
    assert set(exc.value.errors) == erreurs
    if "motif" in erreurs:
        assert exc.value.errors["motif"] == [
            "Choisissez le motif de la clôture : cibles_inatteignables, declarations_erronees "
            "ou demande_etablissement."
        ]
    if "commentaire" in erreurs:
        assert exc.value.errors["commentaire"] == ["Le commentaire est obligatoire pour clore."]
    assert a.compte() == avant
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}


@pytest.mark.parametrize(
    "persona",
    [
        lambda dossier: a.gestionnaire_de(dossier),
        lambda dossier: f.ars_lecteur("84"),
        lambda dossier: f.ars_valideur("11"),
        lambda dossier: f.pilote_national(),
    ],
    ids=["gestionnaire ES", "lecteur ARS", "CMSI d'une autre région", "pilote"],
)
def test_only_the_regions_cmsi_closes(dossier, persona):
    user = persona(dossier)
    avant = a.compte()
    with pytest.raises(PermissionDenied):
        clore(dossier, "D2", user=user)
    with pytest.raises(PermissionDenied), a.le(*CLOS_LE):
        actions.clore(
            dossier=dossier, motif="demande_etablissement", commentaire="x", acting_user=user
        )
    assert a.compte() == avant


def test_a_closed_or_unfollowed_domaine_cannot_be_closed(dossier):
    clore(dossier, "D3")
    with pytest.raises(TransitionRefusee) as exc:
        clore(dossier, "D3")
    assert exc.value.message == (
        "Le domaine D3 est « Clos » : il ne peut pas être clos (un domaine financé ne l'est "
        "qu'après des déclarations erronées)."
    )
    with pytest.raises(DossierError) as exc:
        clore(dossier, "D5")
    assert exc.value.message == "Le domaine D5 n'est pas suivi dans ce dossier."


def test_a_funded_domaine_is_closed_only_after_false_declarations(dossier, monde):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    with a.le(2022, 9, 1):
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=monde["valideur"])
        suivi.verser(dossier=dossier, domaine="D2", volet="usage", acting_user=monde["valideur"])
    for motif in ("cibles_inatteignables", "demande_etablissement"):
        avant = a.compte()
        with pytest.raises(TransitionRefusee) as exc:
            clore(dossier, "D2", motif=motif)
        assert exc.value.message == (
            "Le domaine D2 est « Financement notifié » : il ne peut pas être clos (un domaine "
            "financé ne l'est qu'après des déclarations erronées)."
        )
        assert a.compte() == avant
    avant = len(a.lignes(dossier))
    clore(dossier, "D2", motif="declarations_erronees", commentaire="Audit : DPI non déployé.")
    assert a.suivis(dossier) == {"D2": "clos", "D3": "selectionne"}
    # HOP'EN after false declarations: the paid amorçage and the paid usage are due back.
    assert nouvelles(dossier, avant) == [
        (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(50_000)),
        (Nature.REMBOURSEMENT_USAGE_DU, "D2", D2 - 50_000),
    ]
    assert a.situation(dossier).remboursement_du == D2
    assert a.recharger(dossier).etat == Etat.ACCEPTE


def test_closing_the_last_open_domaine_closes_the_dossier(dossier, monde):
    clore(dossier, "D3", jour=(2022, 10, 3))
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert a.traces(dossier, "dossier_clos") == []
    clore(dossier, "D2", motif="demande_etablissement", commentaire="Fusion.", jour=(2022, 11, 4))
    dossier = a.recharger(dossier)
    assert (dossier.etat, dossier.motif_cloture, dossier.clos_le) == (
        Etat.CLOS,
        "demande_etablissement",
        dt.date(2022, 11, 4),
    )
    assert dossier.commentaire_ars_decision == "Fusion."
    [trace] = a.traces(dossier, "dossier_clos")
    assert (trace.acteur, trace.avant, trace.apres) == (
        monde["valideur"],
        {"etat": "accepte"},
        {"etat": "clos", "motif": "demande_etablissement"},
    )
    assert "pilote" in a.destinataires(trace)
    assert a.situation(dossier).engage == D(50_000)  # the paid amorçage, until repaid


def test_a_funded_domaine_keeps_the_dossier_open(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    with a.le(2022, 9, 1):
        suivi.notifier_financement(
            dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
        )
    clore(dossier, "D3")
    assert a.suivis(dossier) == {"D2": "finance", "D3": "clos"}
    assert a.recharger(dossier).etat == Etat.ACCEPTE


def test_closure_only_during_the_follow_up():
    with a.le(*ACCEPTE_LE):
        depose = d.depose(a.etablissement())
    with pytest.raises(TransitionRefusee) as exc:
        clore(depose, "D2")
    assert exc.value.message == (
        "Impossible de clore un domaine : le dossier est « Déposé » ; le suivi concerne les "
        "dossiers acceptés."
    )


# --- total closure -------------------------------------------------------------------------------


def test_total_closure_closes_every_open_domaine_and_releases_the_money(dossier, monde):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))  # D2 at target
    avant = len(a.lignes(dossier))
    with a.le(*CLOS_LE):
        actions.clore(
            dossier=dossier,
            motif="cibles_inatteignables",
            commentaire="Projet arrêté.",
            acting_user=monde["valideur"],
        )
    dossier = a.recharger(dossier)
    assert (dossier.etat, dossier.motif_cloture, dossier.clos_le) == (
        Etat.CLOS,
        "cibles_inatteignables",
        dt.date(2022, 10, 3),
    )
    assert a.suivis(dossier) == {"D2": "clos", "D3": "clos"}
    for code in ("D2", "D3"):
        dd = a.domaine(dossier, code)
        assert (dd.motif_cloture, dd.commentaire_cloture, dd.clos_le) == (
            "cibles_inatteignables",
            "Projet arrêté.",
            dt.date(2022, 10, 3),
        )
    assert sorted(nouvelles(dossier, avant)) == sorted(
        [
            (Nature.LIBERATION, "D2", D2 - 50_000),
            (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(50_000)),
            (Nature.LIBERATION, "D3", D3),
        ]
    )
    s = a.situation(dossier)
    assert (s.engage, s.remboursement_du) == (D(50_000), D(50_000))
    [trace] = a.traces(dossier, "dossier_clos")
    assert a.destinataires(trace) >= {monde["gestionnaire"].username, "pilote", "lecteur-national"}


def test_total_closure_leaves_a_funded_domaine_unless_declarations_were_false(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    valideur = d.valideur_de(dossier)
    with a.le(2022, 9, 1):
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
    avant = len(a.lignes(dossier))
    with a.le(*CLOS_LE):
        actions.clore(
            dossier=dossier,
            motif="demande_etablissement",
            commentaire="Fusion avec le CHU.",
            acting_user=valideur,
        )
    assert a.suivis(dossier) == {"D2": "finance", "D3": "clos"}
    assert nouvelles(dossier, avant) == [(Nature.LIBERATION, "D3", D3)]
    assert a.par_domaine(dossier)["D2"].usage_notifie == D2 - 50_000


def test_total_closure_after_false_declarations_closes_the_funded_domaine_too(dossier):
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    valideur = d.valideur_de(dossier)
    with a.le(2022, 9, 1):
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
    avant = len(a.lignes(dossier))
    with a.le(*CLOS_LE):
        actions.clore(
            dossier=dossier,
            motif="declarations_erronees",
            commentaire="Audit : indicateurs faux.",
            acting_user=valideur,
        )
    assert a.suivis(dossier) == {"D2": "clos", "D3": "clos"}
    assert sorted(nouvelles(dossier, avant)) == sorted(
        [
            (Nature.USAGE_ANNULE, "D2", D2 - 50_000),
            (Nature.LIBERATION, "D2", D2 - 50_000),
            (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(50_000)),
            (Nature.LIBERATION, "D3", D3),
        ]
    )
    assert a.situation(dossier).engage == D(50_000)


def test_total_closure_refused_with_the_system_motif(dossier):
    avant = a.compte()
    with pytest.raises(DossierError) as exc, a.le(*CLOS_LE):
        actions.clore(
            dossier=dossier,
            motif="fin_programme",
            commentaire="Fin.",
            acting_user=d.valideur_de(dossier),
        )
    assert set(exc.value.errors) == {"motif"}
    assert a.compte() == avant


# --- repayments ----------------------------------------------------------------------------------


def rembourser(dossier, montant, volet="amorcage", code="D2", user=None):
    with a.le(2023, 1, 16):
        return suivi.constater_remboursement(
            dossier=dossier,
            domaine=code,
            volet=volet,
            montant=montant,
            acting_user=user or d.valideur_de(dossier),
        )


def test_a_repayment_due_is_tracked_until_received(dossier):
    clore(dossier, "D2")
    total = a.situation(dossier).total
    mouvements = rembourser(dossier, "20000")
    # HOP'EN: the amount recovered is taken back from the regional envelope [003 A2 §2, A4].
    assert [(m.nature, m.montant) for m in mouvements] == [
        (Nature.REMBOURSEMENT_AMORCAGE_RECU, D(20_000)),
        (Nature.REPRISE, D(20_000)),
    ]
    s = a.situation(dossier)
    assert (s.remboursement_du, s.rembourse, s.repris) == (D(30_000), D(20_000), D(20_000))
    assert (s.total, s.engage, s.consomme_amorcage) == (total - 20_000, D3 + 30_000, D(30_000))
    with pytest.raises(DossierError) as exc:
        rembourser(dossier, "30000.01")
    assert exc.value.message == a.nbsp(
        "Le remboursement dû pour le domaine D2 est de 30_000,00_€ ; reçu 30_000,01_€ : le "
        "montant reçu ne peut dépasser le montant dû."
    )
    rembourser(dossier, 30_000)
    s = a.situation(dossier)
    assert (s.remboursement_du, s.rembourse, s.engage) == (0, D(50_000), D3)
    assert a.par_domaine(dossier)["D2"].du_amorcage == 0


def test_repayment_refusals(dossier):
    gestionnaire = a.gestionnaire_de(dossier)
    with pytest.raises(DossierError, match="Le remboursement dû pour le domaine D2 est de 0,00"):
        rembourser(dossier, 1)  # nothing due before the closure
    clore(dossier, "D2")
    avant = a.compte()
    with pytest.raises(PermissionDenied):
        rembourser(dossier, 1, user=gestionnaire)
    with pytest.raises(DossierError, match="Choisissez le volet remboursé"):
        rembourser(dossier, 1, volet="autre")
    with pytest.raises(DossierError, match="strictement positif"):
        rembourser(dossier, 0)
    assert a.compte() == avant


def test_hn_repayment_is_given_back_to_the_region():
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
    clore(dossier, "D4", jour=(2016, 10, 3))
    assert a.recharger(dossier).etat == Etat.CLOS
    total = a.situation(dossier).total
    mouvements = rembourser(dossier, 20_000, code="D4")
    assert [m.nature for m in mouvements] == [Nature.REMBOURSEMENT_AMORCAGE_RECU]
    s = a.situation(dossier)
    assert (s.total, s.engage, s.remboursement_du) == (total, 0, 0)


# --- the ES's request ----------------------------------------------------------------------------


def demander(dossier, commentaire="Le projet est abandonné.", domaine="", user=None):
    with a.le(2022, 9, 20):
        return clotures.demander_cloture(
            dossier=dossier,
            commentaire=commentaire,
            domaine=domaine,
            acting_user=user or a.gestionnaire_de(dossier),
        )


def test_the_es_asks_for_a_closure_and_the_ars_valideurs_are_told(dossier, monde):
    avant_lignes = a.lignes(dossier)
    demander(dossier, commentaire="  Éditeur en faillite.  ", domaine="d3")
    dossier = a.recharger(dossier)
    assert dossier.cloture_demandee_le is not None
    assert dossier.cloture_demandee_motif == "D3 : Éditeur en faillite."
    # No state changes: the ARS decides.
    assert dossier.etat == Etat.ACCEPTE
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    assert a.lignes(dossier) == avant_lignes
    [trace] = a.traces(dossier, "cloture_demandee")
    assert (trace.acteur, trace.apres, trace.commentaire) == (
        monde["gestionnaire"],
        {"domaine": "D3"},
        "Éditeur en faillite.",
    )
    assert a.destinataires(trace) == {monde["valideur"].username}
    [notification] = a.notifications(f"evenement:{trace.pk}")
    assert notification.titre == f"Dossier {dossier.numero} : l'établissement demande une clôture"
    assert notification.message == (
        f"{dossier.etablissement.raison_sociale} demande la clôture (D3) du dossier "
        f"« {dossier.nom} » : Éditeur en faillite."
    )


def test_a_request_for_the_whole_dossier(dossier):
    demander(dossier)
    dossier = a.recharger(dossier)
    assert dossier.cloture_demandee_motif == "Le projet est abandonné."
    [trace] = a.traces(dossier, "cloture_demandee")
    assert trace.apres == {"domaine": "tous"}


def test_closure_request_refusals(dossier):
    lecteur = f.es_lecteur(dossier.etablissement)
    valideur = d.valideur_de(dossier)
    avant = a.compte()
    with pytest.raises(DossierError) as exc:
        demander(dossier, commentaire="  ")
    assert (exc.value.message, exc.value.errors) == (
        "Expliquez la demande de clôture.",
        {"commentaire": ["Le commentaire est obligatoire."]},
    )
    with pytest.raises(DossierError, match="Le domaine D5 n'est pas suivi"):
        demander(dossier, domaine="D5")
    for user in (lecteur, valideur):
        with pytest.raises(PermissionDenied, match="Seul le gestionnaire"):
            demander(dossier, user=user)
    assert a.compte() == avant
    assert a.recharger(dossier).cloture_demandee_le is None
