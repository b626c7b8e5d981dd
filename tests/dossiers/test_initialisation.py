"""Initialisation of dossiers (SPEC §4 "Initialisation", "Numéro", "Recandidature"; §9): the
ES's request and its deadline, the ARS's creation, numbering, one open dossier per candidature,
the recandidature delay, and the PostgreSQL concurrency guarantees."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from dossiers import actions
from dossiers.models import DemandeInitialisation, Depot, DomaineDossier, Dossier
from hn.comptes.models import User
from hn.journal.models import Evenement
from hn.referentiel.models import Etablissement
from tests import dossiers_factories as d
from tests import factories as f
from tests.concurrence import en_parallele

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def demander(etab, code="HOPEN", user=None):
    d.preselectionne(etab, code)
    return actions.demander_initialisation(
        programme=d.programme(code),
        etablissement=etab,
        acting_user=user or f.es_gestionnaire(etab),
    )


def initialiser(etab, code="HOPEN", user=None, **kw):
    return actions.initialiser_dossier(
        programme=d.programme(code),
        etablissement=etab,
        nom=kw.pop("nom", ""),
        acting_user=user or f.ars_valideur(etab.region.code),
        **kw,
    )


# --- the ES's request -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "echeance"),
    [
        (paris(2026, 11, 23, 9, 0), date(2027, 1, 7)),
        (paris(2026, 1, 31, 9, 0), date(2026, 3, 15)),
        (paris(2024, 1, 31, 9, 0), date(2024, 3, 15)),
        (paris(2026, 12, 31, 9, 0), date(2027, 2, 15)),
        # 31 December 23:30 UTC: the request is dated 1 January in Paris.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 2, 16)),
    ],
)
def test_request_deadline_is_one_month_and_fifteen_days(moment, echeance):
    etab = f.EtablissementFactory()
    gestionnaire = f.es_gestionnaire(etab)
    with time_machine.travel(moment, tick=False):
        demande = demander(etab, user=gestionnaire)
    demande.refresh_from_db()
    assert demande.echeance == echeance
    assert demande.demandee_le == moment
    assert (demande.initialisee_le, demande.annulee_le) == (None, None)
    assert demande.demandeur == gestionnaire
    row = Evenement.objects.get(action="dossier_demande", objet_id=str(demande.pk))
    assert row.objet_type == "dossiers.demandeinitialisation"
    assert row.acteur == gestionnaire
    assert row.apres == {"programme": "HOPEN", "echeance": echeance.isoformat()}


@pytest.mark.django_db
def test_second_pending_request_is_refused():
    etab = f.EtablissementFactory()
    gestionnaire = f.es_gestionnaire(etab)
    demander(etab, user=gestionnaire)
    with pytest.raises(actions.DossierError) as exc:
        demander(etab, user=gestionnaire)
    assert exc.value.message == "Une demande est déjà en attente d'initialisation par l'ARS."
    assert DemandeInitialisation.objects.filter(etablissement=etab).count() == 1
    # The other programme is another candidature.
    demander(etab, code="HN", user=gestionnaire)
    assert DemandeInitialisation.objects.filter(etablissement=etab).count() == 2


@pytest.mark.django_db
def test_request_refused_while_a_dossier_is_open():
    dossier = d.depose()
    with pytest.raises(actions.DossierError) as exc:
        demander(dossier.etablissement)
    assert exc.value.message == "L'établissement a déjà un dossier HOPEN en cours."
    assert not DemandeInitialisation.objects.filter(etablissement=dossier.etablissement).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        "es_lecteur",
        "es_gestionnaire_autre",
        "ars_valideur",
        "ars_lecteur",
        "pilote_national",
        "lecteur_national",
    ],
)
def test_only_the_es_gestionnaire_may_request(role):
    etab = f.EtablissementFactory()
    user = {
        "es_lecteur": lambda: f.es_lecteur(etab),
        "es_gestionnaire_autre": lambda: f.es_gestionnaire(f.EtablissementFactory()),
        "ars_valideur": lambda: f.ars_valideur("84"),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "pilote_national": f.pilote_national,
        "lecteur_national": f.lecteur_national,
    }[role]()
    with pytest.raises(PermissionDenied) as exc:
        demander(etab, user=user)
    assert str(exc.value) == "Seul le gestionnaire de l'établissement peut demander un dossier."
    assert not DemandeInitialisation.objects.filter(etablissement=etab).exists()


@pytest.mark.django_db
def test_request_is_late_the_day_after_its_deadline_not_on_it():
    etab = f.EtablissementFactory()
    with time_machine.travel(paris(2026, 1, 31, 9, 0), tick=False):
        demande = demander(etab)
    assert demande.echeance == date(2026, 3, 15)
    for moment, en_retard in [
        (paris(2026, 3, 14, 12, 0), False),
        (paris(2026, 3, 15, 0, 0), False),
        (paris(2026, 3, 15, 23, 59), False),
        (paris(2026, 3, 16, 0, 0), True),
        (datetime(2026, 3, 15, 23, 30, tzinfo=UTC), True),  # 16 March 00:30 in Paris
        (paris(2026, 6, 1, 12, 0), True),
    ]:
        with time_machine.travel(moment, tick=False):
            assert DemandeInitialisation.objects.get(pk=demande.pk).en_retard is en_retard, moment


@pytest.mark.django_db
def test_request_linked_to_a_dossier_is_initialised_and_no_longer_pending():
    etab = f.EtablissementFactory()
    with time_machine.travel(paris(2026, 1, 31, 9, 0), tick=False):
        demande = demander(etab)
    assert list(DemandeInitialisation.objects.en_attente()) == [demande]
    with time_machine.travel(paris(2026, 2, 20, 14, 0), tick=False):
        dossier = initialiser(etab, demande=demande)
    demande.refresh_from_db()
    assert demande.initialisee_le == paris(2026, 2, 20, 14, 0)
    assert not DemandeInitialisation.objects.en_attente().exists()
    assert dossier.demande == demande
    assert demande.dossier == dossier
    with time_machine.travel(paris(2026, 6, 1, 12, 0), tick=False):
        assert DemandeInitialisation.objects.get(pk=demande.pk).en_retard is False
    # The same request cannot be used twice.
    with pytest.raises(actions.DossierError) as exc:
        initialiser(etab, demande=demande)
    assert exc.value.message == "Cette demande a déjà été initialisée."


@pytest.mark.django_db
def test_request_of_another_etablissement_or_programme_cannot_be_linked():
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory()
    demande = demander(autre)
    with pytest.raises(actions.DossierError) as exc:
        initialiser(etab, demande=demande)
    assert exc.value.message == "Cette demande concerne un autre établissement ou programme."
    with pytest.raises(actions.DossierError) as exc:
        initialiser(autre, code="HN", demande=demande)
    assert exc.value.message == "Cette demande concerne un autre établissement ou programme."
    assert not Dossier.objects.filter(etablissement__in=[etab, autre]).exists()
    assert DemandeInitialisation.objects.get(pk=demande.pk).initialisee_le is None


@pytest.mark.django_db
def test_cancelled_request_is_neither_pending_nor_late():
    etab = f.EtablissementFactory()
    with time_machine.travel(paris(2026, 1, 31, 9, 0), tick=False):
        demande = demander(etab)
    DemandeInitialisation.objects.filter(pk=demande.pk).update(annulee_le=paris(2026, 2, 1, 9, 0))
    with time_machine.travel(paris(2026, 6, 1, 12, 0), tick=False):
        assert DemandeInitialisation.objects.get(pk=demande.pk).en_retard is False
    assert not DemandeInitialisation.objects.en_attente().exists()
    demander(etab)  # a new request is possible
    assert DemandeInitialisation.objects.en_attente().count() == 1


# --- creation by the ARS ------------------------------------------------------------------------


@pytest.mark.django_db
def test_ars_valideur_creates_the_dossier():
    etab = f.EtablissementFactory(raison_sociale="Centre hospitalier de Vienne")
    valideur = f.ars_valideur("84")
    dossier = initialiser(etab, user=valideur)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.nom == "Centre hospitalier de Vienne"
    assert dossier.type == "Système d'information"
    assert (dossier.etat, dossier.phase) == ("en_saisie", "instruction")
    assert dossier.cree_par == valideur
    assert dossier.programme.code == "HOPEN"
    assert (dossier.depose_le, dossier.echeance_decision, dossier.decide_le) == (None, None, None)
    assert list(
        DomaineDossier.objects.filter(dossier=dossier).values_list(
            "domaine__code", "demande", "decision"
        )
    ) == [(f"D{i}", False, "") for i in range(1, 8)]
    row = Evenement.objects.get(action="dossier_initialise", objet_id=str(dossier.pk))
    assert row.acteur == valideur
    assert row.apres == {
        "numero": dossier.numero,
        "etat": "en_saisie",
        "nom": "Centre hospitalier de Vienne",
    }
    hn = initialiser(etab, code="HN", user=valideur, nom="  CH Vienne (HN)  ")
    assert hn.nom == "CH Vienne (HN)"
    assert hn.domaines.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role",
    [
        "es_gestionnaire",
        "es_lecteur",
        "ars_valideur_autre_region",
        "ars_lecteur",
        "ars_auditeur",
        "pilote_national",
        "lecteur_national",
    ],
)
def test_only_the_valideur_of_the_region_initialises(role):
    etab = f.EtablissementFactory()
    user = {
        "es_gestionnaire": lambda: f.es_gestionnaire(etab),
        "es_lecteur": lambda: f.es_lecteur(etab),
        "ars_valideur_autre_region": lambda: f.ars_valideur("11"),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "ars_auditeur": lambda: f.ars_auditeur("84"),
        "pilote_national": f.pilote_national,
        "lecteur_national": f.lecteur_national,
    }[role]()
    with pytest.raises(PermissionDenied) as exc:
        initialiser(etab, user=user)
    assert str(exc.value) == "Seul le valideur (CMSI) de l'ARS peut initialiser un dossier."
    assert not Dossier.objects.filter(etablissement=etab).exists()
    assert not Evenement.objects.filter(action="dossier_initialise").exists()


# --- numbering ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_numero_region_date_and_daily_increment():
    valideur_84, valideur_11 = f.ars_valideur("84"), f.ars_valideur("11")
    e1, e2, e3, e4 = (f.EtablissementFactory() for _ in range(4))
    idf = f.EtablissementFactory(ile_de_france=True)
    with time_machine.travel(paris(2026, 11, 23, 9, 0), tick=False):
        assert initialiser(e1, user=valideur_84).numero == "84-20261123-001"
        assert initialiser(e2, user=valideur_84).numero == "84-20261123-002"
        # Another région the same day has its own increment.
        assert initialiser(idf, user=valideur_11).numero == "11-20261123-001"
        # The increment is the région's, whatever the programme.
        assert initialiser(e1, code="HN", user=valideur_84).numero == "84-20261123-003"
    with time_machine.travel(paris(2026, 11, 24, 9, 0), tick=False):
        assert initialiser(e3, user=valideur_84).numero == "84-20261124-001"
    # 24 November 23:30 UTC is 25 November in Paris.
    with time_machine.travel(datetime(2026, 11, 24, 23, 30, tzinfo=UTC), tick=False):
        assert initialiser(e4, user=valideur_84).numero == "84-20261125-001"


@pytest.mark.django_db
def test_numero_is_unique_in_the_database():
    dossier = d.en_saisie()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(
            numero=dossier.numero,
            programme=d.programme("HN"),
            etablissement=f.EtablissementFactory(),
            nom="Doublon",
            cree_par=dossier.cree_par,
        )


# --- one open dossier per (programme, établissement) ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("etat", ["en_saisie", "depose", "reporte", "accepte"])
def test_second_open_dossier_is_refused(etat):
    dossier = {
        "en_saisie": d.en_saisie,
        "depose": d.depose,
        "reporte": d.reporte,
        "accepte": d.accepte,
    }[etat]()
    etab = dossier.etablissement
    valideur = d.valideur_de(dossier)
    nb_evenements = Evenement.objects.count()
    with pytest.raises(actions.DossierError) as exc:
        initialiser(etab, nom="Second dossier", user=valideur)
    assert exc.value.message == "L'établissement a déjà un dossier HOPEN en cours."
    assert list(Dossier.objects.filter(etablissement=etab)) == [dossier]
    assert Evenement.objects.count() == nb_evenements
    # Another programme is another candidature.
    assert initialiser(etab, code="HN").programme.code == "HN"


@pytest.mark.django_db
def test_database_constraint_one_open_dossier_per_candidature():
    dossier = d.en_saisie()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(
            numero="84-20000101-999",
            programme=dossier.programme,
            etablissement=dossier.etablissement,
            nom="Doublon",
            cree_par=dossier.cree_par,
        )
    assert Dossier.objects.filter(etablissement=dossier.etablissement).count() == 1


# --- recandidature --------------------------------------------------------------------------------


def _refuser_le(moment, motif):
    """A dossier deposited a month before ``moment`` and refused at ``moment``."""
    with time_machine.travel(paris(2026, 1, 5, 10, 0), tick=False):
        dossier = d.depose()
    with time_machine.travel(moment, tick=False):
        actions.refuser(
            dossier=dossier,
            motif=motif,
            commentaire="Non retenu.",
            acting_user=d.valideur_de(dossier),
        )
    return Dossier.objects.get(pk=dossier.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("motif", ["autre", "prerequis"])
def test_recandidature_six_months_after_the_refusal(motif):
    refuse = _refuser_le(paris(2026, 3, 15, 11, 0), motif)
    assert refuse.decide_le == date(2026, 3, 15)
    etab = refuse.etablissement
    message = (
        f"Nouvelle candidature possible à partir du 15/09/2026 : le dossier {refuse.numero} a "
        "été refusé le 15/03/2026 (délai de six mois après la date de refus)."
    )
    with time_machine.travel(paris(2026, 9, 14, 23, 50), tick=False):
        with pytest.raises(actions.DossierError) as refus_dossier:
            initialiser(etab)
        with pytest.raises(actions.DossierError) as refus_demande:
            demander(etab)
    assert refus_dossier.value.message == message
    assert refus_demande.value.message == message
    assert Dossier.objects.filter(etablissement=etab).count() == 1
    assert not DemandeInitialisation.objects.filter(etablissement=etab).exists()
    with time_machine.travel(paris(2026, 9, 15, 0, 5), tick=False):
        nouveau = initialiser(etab)
    assert nouveau.etat == "en_saisie"
    assert nouveau.numero == "84-20260915-001"


@pytest.mark.django_db
def test_recandidature_after_a_financial_refusal_from_1_january():
    refuse = _refuser_le(paris(2026, 12, 31, 10, 0), "enveloppe")
    assert refuse.decide_le == date(2026, 12, 31)
    etab = refuse.etablissement
    with (
        time_machine.travel(paris(2026, 12, 31, 23, 50), tick=False),
        pytest.raises(actions.DossierError) as exc,
    ):
        initialiser(etab)
    assert exc.value.message == (
        f"Nouvelle candidature possible à partir du 01/01/2027 : le dossier {refuse.numero} a "
        "été refusé le 31/12/2026 (refus pour maîtrise de l'enveloppe : nouvelle candidature "
        "à partir du 1er janvier de l'année suivante)."
    )
    assert Dossier.objects.filter(etablissement=etab).count() == 1
    # 31 December 23:30 UTC is already 1 January 2027 in Paris.
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        nouveau = initialiser(etab)
    assert nouveau.numero == "84-20270101-001"


@pytest.mark.django_db
def test_financial_refusal_on_1_january_waits_a_whole_year():
    refuse = _refuser_le(paris(2027, 1, 1, 10, 0), "enveloppe")
    etab = refuse.etablissement
    with (
        time_machine.travel(paris(2027, 12, 31, 12, 0), tick=False),
        pytest.raises(actions.DossierError) as exc,
    ):
        initialiser(etab)
    assert "Nouvelle candidature possible à partir du 01/01/2028" in exc.value.message
    with time_machine.travel(paris(2028, 1, 1, 12, 0), tick=False):
        assert initialiser(etab).etat == "en_saisie"


@pytest.mark.django_db
def test_recandidature_after_an_implicit_refusal_counts_from_the_expiry_date():
    with time_machine.travel(paris(2026, 1, 12, 10, 0), tick=False):
        dossier = d.depose()
    with time_machine.travel(paris(2026, 6, 30, 10, 0), tick=False):
        actions.refuser_implicitement(dossier=dossier)
    refuse = Dossier.objects.get(pk=dossier.pk)
    assert (refuse.etat, refuse.decide_le) == ("refuse_implicite", date(2026, 5, 12))
    with (
        time_machine.travel(paris(2026, 11, 11, 12, 0), tick=False),
        pytest.raises(actions.DossierError) as exc,
    ):
        initialiser(refuse.etablissement)
    assert exc.value.message.startswith(
        "Nouvelle candidature possible à partir du 12/11/2026 : "
        f"le dossier {refuse.numero} a été refusé le 12/05/2026"
    )
    with time_machine.travel(paris(2026, 11, 12, 12, 0), tick=False):
        assert initialiser(refuse.etablissement).etat == "en_saisie"


# --- PostgreSQL concurrency ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_initialisations_in_one_region_get_consecutive_numbers(referentiel):
    valideur_pk = f.ars_valideur("84").pk
    etab_pks = [f.EtablissementFactory().pk for _ in range(8)]

    def initialiser_pour(pk):
        def preparer():
            programme = d.programme()
            etab = Etablissement.objects.get(pk=pk)
            valideur = User.objects.get(pk=valideur_pk)
            return lambda: (
                actions.initialiser_dossier(
                    programme=programme, etablissement=etab, nom="", acting_user=valideur
                ).numero
            )

        return preparer

    with time_machine.travel(paris(2026, 11, 23, 10, 0), tick=False):
        numeros, erreurs = en_parallele([initialiser_pour(pk) for pk in etab_pks])
    assert erreurs == [None] * 8
    assert sorted(numeros) == [f"84-20261123-{i:03d}" for i in range(1, 9)]
    assert Dossier.objects.count() == 8
    assert set(Dossier.objects.values_list("etablissement_id", flat=True)) == set(etab_pks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_initialisations_of_one_etablissement_create_one_dossier(referentiel):
    etab_pk = f.EtablissementFactory().pk
    valideurs = [f.ars_valideur("84").pk, f.ars_valideur("84").pk]

    def fn(user_pk):
        def preparer():
            programme = d.programme()
            etab = Etablissement.objects.get(pk=etab_pk)
            valideur = User.objects.get(pk=user_pk)
            return lambda: (
                actions.initialiser_dossier(
                    programme=programme, etablissement=etab, nom="", acting_user=valideur
                ).numero
            )

        return preparer

    numeros, erreurs = en_parallele([fn(pk) for pk in valideurs])
    assert sum(n is not None for n in numeros) == 1
    [erreur] = [e for e in erreurs if e is not None]
    assert isinstance(erreur, actions.DossierError)
    assert erreur.message == "L'établissement a déjà un dossier HOPEN en cours."
    assert Dossier.objects.filter(etablissement_id=etab_pk).count() == 1


def _pret_a_decider():
    dossier = d.prerequis_acceptes(d.depose())
    actions.valider_domaines(
        dossier=dossier, decisions={"D2": ("selectionne", "")}, acting_user=d.valideur_de(dossier)
    )
    return dossier


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("essai", range(3))
def test_concurrent_accept_and_refuse_one_wins(referentiel, essai):
    dossier = _pret_a_decider()
    pk = dossier.pk
    valideurs = [d.valideur_de(dossier).pk, f.ars_valideur("84").pk]

    def accepter():
        dossier, user = Dossier.objects.get(pk=pk), User.objects.get(pk=valideurs[0])
        return lambda: actions.accepter(dossier=dossier, acting_user=user).etat

    def refuser():
        dossier, user = Dossier.objects.get(pk=pk), User.objects.get(pk=valideurs[1])
        return lambda: (
            actions.refuser(
                dossier=dossier, motif="autre", commentaire="Refus concurrent.", acting_user=user
            ).etat
        )

    etats, erreurs = en_parallele([accepter, refuser])
    gagnants = [e for e in etats if e is not None]
    perdants = [e for e in erreurs if e is not None]
    assert len(gagnants) == 1 and len(perdants) == 1, (etats, erreurs)
    [final] = gagnants
    [perdant] = perdants
    # 409 semantics: the loser sees the state the winner produced.
    assert isinstance(perdant, actions.TransitionRefusee)
    assert perdant.etat == final
    dossier = Dossier.objects.get(pk=pk)
    assert dossier.etat == final
    assert dossier.decide_le is not None
    if final == "accepte":
        assert dossier.motif_refus == ""
    else:
        assert final == "refuse"
        assert dossier.motif_refus == "autre"
    decisions = Evenement.objects.filter(
        objet_type="dossiers.dossier",
        objet_id=str(pk),
        action__in=["dossier_accepte", "dossier_refuse"],
    )
    assert decisions.count() == 1
    assert decisions.get().apres["etat"] == final


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_depots_freeze_one_snapshot(referentiel):
    dossier, gestionnaire = d.complet()
    pk, user_pk = dossier.pk, gestionnaire.pk

    def deposer():
        dossier, user = Dossier.objects.get(pk=pk), User.objects.get(pk=user_pk)
        return lambda: actions.deposer(dossier=dossier, acting_user=user).etat

    etats, erreurs = en_parallele([deposer, deposer])
    assert sorted(map(str, etats)) == ["None", "depose"]
    [perdant] = [e for e in erreurs if e is not None]
    assert isinstance(perdant, actions.TransitionRefusee)
    assert perdant.etat == "depose"
    assert list(Depot.objects.filter(dossier_id=pk).values_list("rang", flat=True)) == [1]
    assert (
        Evenement.objects.filter(
            objet_type="dossiers.dossier", objet_id=str(pk), action="dossier_depose"
        ).count()
        == 1
    )
