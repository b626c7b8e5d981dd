"""The ledger in the database: append-only (model, queryset, PostgreSQL trigger), its
constraints, and figures by SQL aggregation equal to the pure functions on the same lines."""

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.models import (
    DecisionDerogation,
    Enveloppe,
    LigneImmuable,
    MouvementEnveloppe,
)
from hn.referentiel.enums import Statut
from tests import dossiers_factories as d
from tests import factories as f
from tests.enveloppes.scenarios import evenements_aleatoires, jouer
from tests.queries import count_queries

JOUR = dt.date(2020, 3, 2)


def hopen(code="84") -> Enveloppe:
    return Enveloppe.objects.select_related("programme", "region").get(
        programme__code="HOPEN", region__code=code, region__decoupage="2016"
    )


@pytest.fixture
def ligne(db):
    return MouvementEnveloppe.objects.create(
        enveloppe=hopen(),
        nature=Nature.REDEPLOIEMENT_ENTRANT,
        montant=D("1000.00"),
        date=JOUR,
        motif="ligne d'origine",
    )


@pytest.fixture
def decision(db):
    return DecisionDerogation.objects.create(
        enveloppe=hopen(),
        taux=D("0.40"),
        motif="Trop peu d'établissements ont atteint les prérequis.",
        decide_le=JOUR,
        acteur=f.pilote_national(),
    )


# --- append-only ---------------------------------------------------------------------------------


def test_a_line_cannot_be_saved_again_or_deleted(ligne):
    ligne.motif = "réécrit"
    with pytest.raises(LigneImmuable, match="ne peut pas être modifié"):
        ligne.save()
    with pytest.raises(LigneImmuable, match="ne peut pas être supprimé"):
        ligne.delete()
    assert MouvementEnveloppe.objects.get(pk=ligne.pk).motif == "ligne d'origine"


def test_the_queryset_refuses_update_delete_and_bulk_update(ligne):
    qs = MouvementEnveloppe.objects.filter(pk=ligne.pk)
    with pytest.raises(LigneImmuable):
        qs.update(montant=1)
    with pytest.raises(LigneImmuable):
        qs.delete()
    ligne.montant = D(1)
    # bulk_update runs in its own atomic block (without savepoint): give it one.
    with pytest.raises(LigneImmuable), transaction.atomic():
        MouvementEnveloppe.objects.bulk_update([ligne], ["montant"])
    assert MouvementEnveloppe.objects.get(pk=ligne.pk).montant == D("1000.00")


def test_new_lines_can_still_be_appended(ligne):
    MouvementEnveloppe.objects.create(
        enveloppe=ligne.enveloppe, nature=Nature.REDEPLOIEMENT_ENTRANT, montant=1, date=JOUR
    )
    assert MouvementEnveloppe.objects.filter(enveloppe=ligne.enveloppe).count() == 2


def test_an_envelope_with_lines_cannot_be_deleted(ligne):
    with pytest.raises(ProtectedError):
        ligne.enveloppe.delete()


def test_derogation_decisions_are_append_only(decision):
    decision.taux = D("0.50")
    with pytest.raises(LigneImmuable):
        decision.save()
    with pytest.raises(LigneImmuable):
        decision.delete()
    with pytest.raises(LigneImmuable):
        DecisionDerogation.objects.filter(pk=decision.pk).update(taux=D("0.50"))
    with pytest.raises(LigneImmuable):
        DecisionDerogation.objects.filter(pk=decision.pk).delete()
    assert DecisionDerogation.objects.get(pk=decision.pk).taux == D("0.40")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE enveloppes_mouvementenveloppe SET montant = 1 WHERE id = %s",
        "DELETE FROM enveloppes_mouvementenveloppe WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_are_refused_by_the_trigger(ligne, sql):
    with (
        pytest.raises(
            Exception, match="Le grand livre des enveloppes ne peut être ni modifié ni supprimé"
        ),
        transaction.atomic(),
    ):
        connection.cursor().execute(sql, [ligne.pk])
    assert MouvementEnveloppe.objects.get(pk=ligne.pk).montant == D("1000.00")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE enveloppes_decisionderogation SET taux = 0.5 WHERE id = %s",
        "DELETE FROM enveloppes_decisionderogation WHERE id = %s",
    ],
)
def test_raw_sql_on_derogation_decisions_is_refused_by_the_trigger(decision, sql):
    with (
        pytest.raises(Exception, match="Une décision de dérogation ne peut être ni modifiée"),
        transaction.atomic(),
    ):
        connection.cursor().execute(sql, [decision.pk])
    assert DecisionDerogation.objects.get(pk=decision.pk).taux == D("0.40")


# --- database constraints ----------------------------------------------------------------------


@pytest.fixture
def domaine(db):
    dossier = d.en_saisie()
    return dossier.domaines.select_related("dossier").first() or d.DomaineDossierFactory(
        dossier=dossier
    )


@pytest.mark.parametrize(
    ("champs", "contrainte"),
    [
        ({"nature": Nature.ENGAGEMENT, "montant": 0}, "mouvement_montant_positif"),
        ({"nature": Nature.ENGAGEMENT, "montant": -5}, "mouvement_montant_positif"),
        ({"nature": Nature.ENGAGEMENT, "sans_domaine": True}, "mouvement_domaine_ou"),
        ({"nature": Nature.REDEPLOIEMENT_ENTRANT}, "mouvement_domaine_ou_redeploiement"),
        ({"nature": Nature.USAGE_VERSE, "derogation": True}, "mouvement_derogation_amorcage"),
    ],
)
def test_database_constraints(domaine, champs, contrainte):
    champs = dict(champs)
    sans_domaine = champs.pop("sans_domaine", False)
    valeurs = {
        "enveloppe": hopen(),
        "montant": D(10),
        "date": JOUR,
        "dossier": domaine.dossier,
        "domaine": None if sans_domaine else domaine,
        **champs,
    }
    with pytest.raises(IntegrityError, match=contrainte), transaction.atomic():
        MouvementEnveloppe.objects.create(**valeurs)


def test_only_a_redeployment_in_has_a_counterpart(ligne):
    with pytest.raises(IntegrityError, match="contrepartie"), transaction.atomic():
        MouvementEnveloppe.objects.create(
            enveloppe=hopen("11"),
            nature=Nature.REDEPLOIEMENT_SORTANT,
            montant=1,
            date=JOUR,
            contrepartie=ligne,
        )


# --- SQL aggregation equals the pure functions --------------------------------------------------


def univers():
    """Four établissements of distinct statut and activités, one or two domaines each."""
    profils = [
        (Statut.PUBLIC, {"mco": True}, ("D1", "D2")),
        (Statut.PRIVE_LUCRATIF, {"mco": False, "ssr": True, "psy": True}, ("D2",)),
        (Statut.CLCC, {"mco": True, "had": True}, ("D3", "D5")),
        (Statut.PRIVE_NON_LUCRATIF, {"mco": False, "psy": True}, ("D4",)),
    ]
    result = {}
    for statut, activites, codes in profils:
        etab = f.EtablissementFactory(statut=statut, **activites)
        dossier = d.en_saisie(etab)
        for code in codes:
            dd = d.DomaineDossierFactory(
                dossier=dossier, domaine=dossier.programme.domaines.get(code=code)
            )
            result[dd.pk] = (dossier.pk, etab.pk, statut.value, tuple(etab.activites), code)
    return result


@pytest.mark.django_db
@pytest.mark.parametrize("graine", [1, 2, 3])
def test_sql_figures_equal_the_pure_functions_on_the_same_lines(graine):
    enveloppe = hopen()
    parametres = enveloppe.parametres()
    depart = regles.EtatEnveloppe(
        publie=enveloppe.montant_publie,
        parametres=parametres,
        taux_derogation=enveloppe.taux_derogation(parametres),
    )
    sequence = evenements_aleatoires(random.Random(graine), 250, debut=dt.date(2019, 7, 1))
    etat, journal, refus = jouer(depart, sequence, univers=univers())
    natures = {m.nature for m in journal}
    assert len(journal) > 60 and refus > 10
    assert {Nature.AMORCAGE_VERSE, Nature.USAGE_VERSE, Nature.LIBERATION} <= natures
    assert natures & {Nature.REMBOURSEMENT_AMORCAGE_RECU, Nature.REMBOURSEMENT_USAGE_RECU}
    for m in journal:
        MouvementEnveloppe.objects.create(
            enveloppe=enveloppe,
            dossier_id=m.dossier,
            domaine_id=m.domaine,
            nature=m.nature,
            montant=m.montant,
            derogation=m.derogation,
            date=m.date,
        )
    qs = MouvementEnveloppe.objects.filter(enveloppe=enveloppe)
    assert qs.compteurs() == regles.releve(journal) == etat.compteurs
    assert qs.par_domaine() == regles.par_domaine(journal)
    assert qs.par_dossier() == regles.par_dossier(journal)
    assert qs.par_etablissement() == regles.par_etablissement(journal)
    assert qs.par_statut() == regles.par_statut(journal)
    assert qs.par_activite() == regles.par_activite(journal)
    assert qs.selection_par_annee() == regles.selection_par_annee(journal)
    assert qs.en_mouvements() == sorted(journal, key=lambda m: m.date)
    assert enveloppe.etat() == etat
    assert enveloppe.situation() == etat.situation()
    assert Enveloppe.objects.filter(pk=enveloppe.pk).situations() == {
        enveloppe.pk: etat.situation()
    }
    s = enveloppe.situation()
    assert s.disponible == s.total - s.engage
    assert sum(c.engage for c in qs.par_statut().values()) == s.engage


def test_an_envelope_without_lines_shows_its_published_amount(db):
    s = hopen().situation()
    assert (s.publie, s.total, s.disponible, s.plafond_amorcage) == (
        D(49_777_000),
        D(49_777_000),
        D(49_777_000),
        D(9_955_400),
    )
    assert (s.engage, s.consomme, s.remboursement_du) == (0, 0, 0)


# --- query discipline ---------------------------------------------------------------------------


def test_situations_of_every_envelope_in_two_queries(db):
    MouvementEnveloppe.objects.create(
        enveloppe=hopen("11"), nature=Nature.REDEPLOIEMENT_ENTRANT, montant=5, date=JOUR
    )
    une, _ = count_queries(Enveloppe.objects.filter(region__code="84").situations)
    toutes, situations = count_queries(Enveloppe.objects.all().situations)
    assert une == toutes == 2
    assert len(situations) == 26 + 18
    assert situations[hopen("11").pk].total == D(73_878_005)


def test_state_of_an_envelope_in_a_fixed_number_of_queries(ligne):
    enveloppe = hopen()
    n, etat = count_queries(enveloppe.etat)
    # calendar (derogation deadline), derogation share, figures, domaines, selections
    assert n == 5
    assert etat.allouee == D(49_778_000)
    assert etat.parametres.derogation_echeance == dt.date(2021, 1, 1)


def test_figures_per_key_of_a_filter_matching_nothing_by_construction_are_empty():
    """``par()`` reads its rows through the cursor: an ``__in=[]`` filter (no SQL at all) gives
    no group instead of an error (the HOP'EN derogation read its dossiers that way)."""
    from enveloppes.models import MouvementEnveloppe

    assert MouvementEnveloppe.objects.filter(dossier__in=[]).par_domaine() == {}
    assert MouvementEnveloppe.objects.none().par_etablissement() == {}
