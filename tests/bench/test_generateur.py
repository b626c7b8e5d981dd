"""The benchmark's data-set generator (bench/generer.py), at a few dozen rows: counts as asked,
every database constraint and the application's own invariants hold on what it writes."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.db import connection

from bench.generer import (
    MIX_ETATS,
    Tailles,
    generer_jeu,
    lire_marqueur,
    marquer_dus,
    repartir,
    restaurer_dus,
    tailles_du_jeu,
)
from dossiers.contenu import contenu, empreinte
from dossiers.enums import ETATS_REFUSES, Etat
from dossiers.models import (
    Contact,
    DecisionPrerequisDossier,
    DemandeInitialisation,
    Depot,
    DomaineDossier,
    Dossier,
    ValeurIndicateur,
)
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.dates import aujourd_hui, date_paris, echeance_decision
from hn.journal.models import Evenement
from hn.referentiel.finess import erreur_finess
from hn.referentiel.models import GHT, ActiviteEtablissement, Etablissement, Region

pytestmark = pytest.mark.django_db

TAILLES = Tailles(etablissements=40, dossiers=60, demandes_en_attente=6, graine=7)


@pytest.fixture
def jeu():
    return generer_jeu(TAILLES, sortie=StringIO())


def test_repartir_keeps_the_total():
    assert sum(repartir(61, MIX_ETATS["HOPEN"]).values()) == 61
    assert repartir(10, {"a": 1, "b": 1}) == {"a": 5, "b": 5}


def test_counts_are_as_asked(jeu):
    assert Etablissement.objects.count() == 40
    assert ActiviteEtablissement.objects.count() == 80  # one per programme
    assert Dossier.objects.count() == 60
    assert DemandeInitialisation.objects.en_attente().count() == 6
    assert jeu["lignes"]["dossiers"] == 60
    assert lire_marqueur()["tailles"]["dossiers"] == 60
    tailles = tailles_du_jeu()
    assert tailles["dossiers_dossier"] == 60
    assert tailles["dossiers_valeurindicateur"] == ValeurIndicateur.objects.count() > 0


def test_every_state_of_both_programmes(jeu):
    par_programme = Counter(Dossier.objects.values_list("programme__code", "etat"))
    for code in ("HN", "HOPEN"):
        assert {e for (p, e) in par_programme if p == code} == set(Etat.values)


def test_database_constraints_hold(jeu):
    """Check and unique constraints hold at insertion; the foreign keys, deferred to the
    commit, are checked now by the database itself."""
    connection.check_constraints()


@pytest.mark.postgres
def test_foreign_keys_are_back_after_the_bulk_load():
    """The generator drops the foreign keys of the tables it loads and adds them back."""

    def cles():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
            )
            return cursor.fetchall()

    avant = cles()
    generer_jeu(TAILLES, sortie=StringIO())
    assert cles() == avant


def test_finess_numbers_and_dossier_numbers(jeu):
    for finess in Etablissement.objects.values_list("finess", flat=True):
        assert erreur_finess(finess) is None, finess
    format_ = re.compile(r"^\d[\dAB]-\d{8}-\d{3}$")
    for d in Dossier.objects.select_related("etablissement__region"):
        assert format_.match(d.numero), d.numero
        region, jour, _rang = d.numero.split("-")
        assert region == d.etablissement.region.code
        assert jour == f"{date_paris(d.cree_le):%Y%m%d}"
    # Ranks of a région's day are 001, 002, ... without a gap (what dossiers.actions expects).
    prefixes = Counter(
        n.rsplit("-", 1)[0] for n in Dossier.objects.values_list("numero", flat=True)
    )
    for prefixe, n in prefixes.items():
        rangs = sorted(
            int(x.rsplit("-", 1)[1])
            for x in Dossier.objects.filter(numero__startswith=prefixe + "-").values_list(
                "numero", flat=True
            )
        )
        assert rangs == list(range(1, n + 1))


def test_etablissements_over_current_regions_with_their_former_one(jeu):
    for etab in Etablissement.objects.select_related("region", "region_historique"):
        assert etab.region.est_actuelle
        etab.clean()  # the former région is covered by the current one
        if etab.region_historique is None:
            assert etab.region.code == "06"  # Mayotte
    assert Region.objects.actuelles().filter(etablissements__isnull=False).distinct().count() > 5
    for ght in GHT.objects.select_related("support"):
        assert ght.support.ght_id == ght.pk


def test_one_open_dossier_per_programme_and_etablissement(jeu):
    ouverts = Counter(
        Dossier.objects.exclude(etat__in=ETATS_REFUSES).values_list("programme", "etablissement")
    )
    assert max(ouverts.values()) == 1
    pending = Counter(
        DemandeInitialisation.objects.en_attente().values_list("programme", "etablissement")
    )
    assert max(pending.values()) == 1
    for programme, etab in pending:
        assert (programme, etab) not in ouverts


def test_state_fields_are_consistent(jeu):
    aujourd = aujourd_hui()
    for d in Dossier.objects.all():
        deposes = d.depots.count()
        if d.etat == Etat.EN_SAISIE:
            assert deposes == 0 and d.depose_le is None
            continue
        assert deposes >= 1
        assert d.depose_le == d.depots.order_by("-rang").first().depose_le
        if d.etat == Etat.DEPOSE:
            assert d.echeance_decision == echeance_decision(date_paris(d.depose_le))
            assert d.echeance_decision >= aujourd  # nothing due by default
        if d.etat == Etat.REPORTE:
            assert d.echeance_decision is None
        if d.etat in (Etat.ACCEPTE, Etat.CLOS):
            assert d.acceptable(), d.raisons_non_acceptable()
            assert d.decide_le is not None
        if d.etat == Etat.REFUSE_IMPLICITE:
            assert d.decide_le == d.echeance_decision < aujourd
        if d.etat == Etat.CLOS:
            assert d.motif_cloture and d.clos_le >= d.decide_le


def test_deposited_snapshot_is_the_content_the_application_computes(jeu):
    """A dépôt holds exactly what dossiers.contenu returns for the dossier's rows, and its
    SHA-256."""
    deposes = Dossier.objects.exclude(etat=Etat.EN_SAISIE).prefetch_related(
        "contacts", "valeurs", "domaines__domaine"
    )
    assert deposes
    for d in deposes:
        depot = d.depots.order_by("-rang").first()
        assert depot.contenu == contenu(d)
        assert depot.empreinte == empreinte(depot.contenu)


def test_child_rows(jeu):
    hn = Dossier.objects.filter(programme__code="HN").first()
    assert DomaineDossier.objects.filter(dossier=hn).count() == 5
    complets = Dossier.objects.exclude(etat=Etat.EN_SAISIE)
    for d in complets:
        assert Contact.objects.filter(dossier=d).count() == 4
        assert ValeurIndicateur.objects.filter(dossier=d).count() == (
            d.programme.indicateurs.count()
        )
    acceptes = Dossier.objects.filter(etat__in=[Etat.ACCEPTE, Etat.CLOS])
    for d in acceptes:
        assert DecisionPrerequisDossier.objects.filter(dossier=d).count() == (
            d.programme.prerequis.count()
        )


def test_accounts_have_rights_on_their_data(jeu):
    d = Dossier.objects.select_related("etablissement__region", "cree_par").first()
    gestionnaire = d.etablissement.attributions.get().user
    assert peut_saisir(gestionnaire, d.etablissement)
    assert peut_instruire(d.cree_par, d.etablissement.region)


def test_journal_rows_follow_the_dossiers(jeu):
    for d in Dossier.objects.exclude(etat=Etat.EN_SAISIE)[:10]:
        actions = list(
            Evenement.objects.filter(objet_type="dossiers.dossier", objet_id=str(d.pk))
            .order_by("horodatage", "pk")
            .values_list("action", flat=True)
        )
        assert actions[0] == "dossier_initialise"
        assert actions.count("dossier_depose") == d.depots.count()


def test_due_dossiers_are_marked_then_restored(jeu):
    deposes = Dossier.objects.filter(etat=Etat.DEPOSE).count()
    originaux = marquer_dus(0.5)
    assert len(originaux) == round(deposes * 0.5)
    assert Dossier.objects.filter(
        etat=Etat.DEPOSE, echeance_decision__lt=aujourd_hui()
    ).count() == len(originaux)
    restaurer_dus(originaux)
    assert not Dossier.objects.filter(echeance_decision__lt=aujourd_hui(), etat="depose").exists()


def test_existing_rows_are_kept_and_ids_continue(jeu):
    """Sequences are moved past the generated ids: the ORM can create rows afterwards."""
    d = Dossier.objects.first()
    contact = Contact.objects.create(dossier=Dossier.objects.exclude(pk=d.pk).first(), type="x")
    assert contact.pk > max(Contact.objects.exclude(pk=contact.pk).values_list("pk", flat=True))
    assert Depot.objects.count() >= Dossier.objects.exclude(etat=Etat.EN_SAISIE).count()
