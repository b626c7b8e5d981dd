"""The benchmark's data-set generator (bench/generer.py), at a few dozen rows: counts as asked,
every database constraint and the application's own invariants hold on what it writes."""

import re
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.db import connection, models

from bench.generer import (
    Tailles,
    generer_jeu,
    lire_marqueur,
    marquer_dus,
    restaurer_dus,
    tailles_du_jeu,
)
from dossiers.bench import MIX_ETATS
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
from enveloppes.models import enveloppe_de
from hn.bulk import repartir
from hn.comptes.models import User
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


def _lignes(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.postgres
def test_foreign_keys_are_back_after_the_bulk_load():
    """The generator drops the foreign keys of the tables it loads and adds them back."""
    cles = (
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
    )
    avant = _lignes(cles)
    generer_jeu(TAILLES, sortie=StringIO())
    assert _lignes(cles) == avant


@pytest.mark.postgres
def test_version_triggers_are_back_and_every_region_bumped_after_the_bulk_load():
    """The dashboards' version triggers are off for the load, then on, every région bumped."""
    from dossiers.models import VersionPerimetre
    from hn.referentiel.models import Region

    declencheurs = (
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE '%_version_%' ORDER BY 1"
    )
    avant = dict(VersionPerimetre.objects.values_list("region_id", "version"))
    etat = _lignes(declencheurs)
    assert len(etat) == 8 and {actif for _, actif in etat} == {"O"}
    generer_jeu(TAILLES, sortie=StringIO())
    assert _lignes(declencheurs) == etat
    apres = dict(VersionPerimetre.objects.values_list("region_id", "version"))
    assert set(apres) == set(Region.objects.values_list("pk", flat=True))
    assert all(apres[r] != v for r, v in avant.items())


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


# --- money and follow-up (ledger, domaines in follow-up, semester reports) -----------------------


def test_ledger_figures_are_consistent_and_amorcage_within_20_percent(jeu):
    from enveloppes import regles
    from enveloppes.enums import Nature
    from enveloppes.models import Enveloppe, MouvementEnveloppe

    assert MouvementEnveloppe.objects.filter(nature=Nature.ENGAGEMENT).exists()
    assert MouvementEnveloppe.objects.filter(nature=Nature.AMORCAGE_VERSE).exists()
    for enveloppe in Enveloppe.objects.select_related("programme"):
        lignes = MouvementEnveloppe.objects.filter(enveloppe=enveloppe)
        compteurs = lignes.compteurs()
        # The SQL aggregation and the pure rules agree on the generated lines.
        assert compteurs == regles.releve(lignes.en_mouvements())
        assert all(getattr(compteurs, c) >= 0 for c in regles.COMPTEURS), enveloppe
        assert compteurs.engage_amorcage <= enveloppe.montant_publie * Decimal("0.20")
        for cle, par_domaine in lignes.par_domaine().items():
            assert par_domaine.engage >= par_domaine.consomme_amorcage + par_domaine.consomme_usage
            assert par_domaine.engage_amorcage <= par_domaine.engage_selection, cle
            assert all(getattr(par_domaine, c) >= 0 for c in regles.COMPTEURS), cle
    # Every line of a dossier is on its envelope (HN: the former région).
    for m in MouvementEnveloppe.objects.select_related("dossier__etablissement", "domaine"):
        assert m.domaine.dossier_id == m.dossier_id
        assert m.enveloppe_id == enveloppe_de(m.dossier).pk


def test_follow_up_states_match_the_dossiers_and_the_ledger(jeu):
    from enveloppes.enums import Nature
    from enveloppes.models import MouvementEnveloppe

    natures = {}
    for domaine_id, nature in MouvementEnveloppe.objects.values_list("domaine", "nature"):
        natures.setdefault(domaine_id, set()).add(nature)
    vus = Counter()
    for dd in DomaineDossier.objects.select_related("dossier"):
        dossier = dd.dossier
        vus[dd.suivi] += 1
        if dossier.etat not in (Etat.ACCEPTE, Etat.CLOS) or dd.decision != "selectionne":
            assert dd.suivi == "" and dd.pk not in natures
            continue
        assert Nature.ENGAGEMENT in natures[dd.pk]
        if dossier.etat == Etat.CLOS:
            assert dd.suivi == "clos" and dd.clos_le == dossier.clos_le
        if dd.suivi == "finance":
            assert dd.cibles_atteintes_le <= dd.finance_le
            assert Nature.USAGE_NOTIFIE in natures[dd.pk]
        if dd.suivi == "cibles_atteintes":
            assert dd.cibles_atteintes_le and Nature.USAGE_NOTIFIE not in natures[dd.pk]
        if dd.suivi == "clos":
            assert dd.clos_le and dd.motif_cloture
            assert Nature.LIBERATION in natures[dd.pk] or Nature.USAGE_VERSE in natures[dd.pk]
    assert vus["selectionne"] and vus["finance"] and vus["clos"]


def test_semester_reports_follow_the_decision(jeu):
    from indicateurs.models import AvancementSuivi, RapportSuivi, ValeurSuivi

    jour = aujourd_hui()
    retenus = Dossier.objects.filter(etat__in=[Etat.ACCEPTE, Etat.CLOS])
    assert RapportSuivi.objects.exists() and ValeurSuivi.objects.exists()
    for dossier in retenus.prefetch_related("rapports"):
        rapports = sorted(dossier.rapports.all(), key=lambda r: r.rang)
        assert [r.rang for r in rapports] == list(range(1, len(rapports) + 1))
        assert len(rapports) <= 10
        assert all(dossier.decide_le < r.attendu_le for r in rapports)
        assert all(date_paris(r.depose_le) <= jour for r in rapports)
        if dossier.etat == Etat.ACCEPTE:
            assert dossier.prochain_rapport_le > (
                rapports[-1].attendu_le if rapports else jour.replace(year=2000)
            )
        else:
            assert all(r.attendu_le <= dossier.clos_le for r in rapports)
    assert not RapportSuivi.objects.exclude(dossier__in=retenus).exists()
    # Each report holds every prérequis indicator of its programme; progress per domaine of
    # its own dossier, selected.
    for rapport in RapportSuivi.objects.select_related("dossier__programme")[:20]:
        prerequis = set(
            rapport.dossier.programme.indicateurs.filter(prerequis__isnull=False).values_list(
                "pk", flat=True
            )
        )
        assert prerequis <= set(rapport.valeurs.values_list("indicateur", flat=True))
    assert not AvancementSuivi.objects.exclude(
        domaine_dossier__dossier=models.F("rapport__dossier")
    ).exists()
    assert not AvancementSuivi.objects.exclude(domaine_dossier__decision="selectionne").exists()


# Enough établissements for GHT of a dozen public ones (the 40 of TAILLES make none).
TAILLES_GHT = Tailles(etablissements=1_200, dossiers=500, demandes_en_attente=6, graine=7)


def test_ght_dossiers_with_their_members_and_member_values():
    """About one GHT in five applies to HOP'EN (issue 15): its support files the dossier for 2
    to 12 of its établissements, none with an open HOP'EN dossier of its own; the domaine
    indicators of the requested domaines carry one value per member; the engaged forfait is
    the members' sum."""
    from dossiers.models import MembreDossier
    from dossiers.services import activite_et_forfaits
    from enveloppes.models import MouvementEnveloppe

    jeu = generer_jeu(TAILLES_GHT, sortie=StringIO())
    ghts = Dossier.objects.filter(ght__isnull=False).prefetch_related("membres__etablissement")
    assert ghts.exists()
    vitrine = ghts.get(numero=jeu["vitrines"]["ght"])
    assert vitrine.etat == Etat.ACCEPTE and vitrine.membres.count() == 12
    # The single-dossier showcases stay single établissements' (a GHT there made "PDF du
    # dossier complet" a 12-member print: +76 %, not comparable with the runs before).
    for cle in ("pdf", "instruction"):
        assert Dossier.objects.get(numero=jeu["vitrines"][cle]).ght_id is None, cle
    ouverts = Dossier.objects.exclude(etat__in=ETATS_REFUSES)
    for d in ghts:
        membres = [m.etablissement for m in d.membres.all()]
        assert 2 <= len(membres) <= 12
        assert d.programme.code == "HOPEN" and d.etablissement == d.ght.support
        assert all(e.ght_id == d.ght_id for e in membres)
        autres = ouverts.filter(programme=d.programme).exclude(pk=d.pk)
        assert not autres.filter(etablissement__in=membres).exists()
        assert not MembreDossier.objects.filter(
            dossier__in=autres, etablissement__in=membres
        ).exists()
        demandes = set(d.domaines.filter(demande=True).values_list("domaine__code", flat=True))
        par_membre = d.valeurs.filter(etablissement__isnull=False)
        assert set(par_membre.values_list("indicateur__domaine__code", flat=True)) <= demandes
        if d.etat != Etat.EN_SAISIE and demandes:
            assert set(par_membre.values_list("etablissement", flat=True)) == {
                e.pk for e in membres
            }
        assert not d.valeurs.filter(etablissement__isnull=True, indicateur__domaine__isnull=False)
        if d.etat == Etat.ACCEPTE:
            _activite, forfaits = activite_et_forfaits(d)
            for ligne in MouvementEnveloppe.objects.filter(dossier=d, nature="engagement"):
                assert ligne.montant == forfaits[ligne.domaine.domaine.code][0]
    # The bench's GHT measures read that showcase (bench.mesures_ght).
    _mesures_ght(jeu["vitrines"]["ght"], vitrine)


class _BancGHT:
    """What ``bench.mesures_ght`` uses of ``bench.mesurer.Banc``; pages are only noted."""

    def __init__(self):
        self.clients, self.pages = {}, []

    def log(self, message=""):
        pass

    def page(self, nom, username, url, budget, categorie, **kw):
        self.pages.append((nom, username, url, budget))


def _mesures_ght(numero, vitrine):
    from django.urls import reverse

    from bench import mesures_ght

    banc = _BancGHT()
    mesures_ght.scenarios(banc, {"ght": numero})
    pages = {(username, url): budget for _nom, username, url, budget in banc.pages}
    support = next(u for u, url in pages if url.endswith("/pages/engagements/"))
    assert User.objects.get(username=support).attributions.get().etablissement == (
        vitrine.etablissement
    )
    assert sum(url == f"/dossiers/{numero}/pages/engagements/" for _u, url in pages) == 2
    assert set(pages.values()) <= {150, 100, 1500}
    forfaits = reverse("api:dossier-forfaits", kwargs={"numero": numero})
    assert pages[(next(u for u, url in pages if url == forfaits), forfaits)] == 100
    assert 1500 in {budget for (_u, url), budget in pages.items() if url.endswith("/pdf/")}
