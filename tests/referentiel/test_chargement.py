"""Loading the référentiel from fixtures/referentiel/*.json (hn/referentiel/chargement.py).

The session's test database already holds both programmes (tests/conftest.py); every test runs
in a transaction rolled back at its end.
"""

import json
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from enveloppes.models import Enveloppe
from hn.journal.models import SYSTEME, Evenement
from hn.referentiel import regles as r
from hn.referentiel.chargement import charger_referentiel, dossier_fixtures
from hn.referentiel.enums import Decoupage, TypeIndicateur
from hn.referentiel.models import (
    Categorie,
    CoefficientActivite,
    Domaine,
    GrilleForfait,
    Indicateur,
    Prerequis,
    Programme,
    Region,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def _indicateur(programme, code):
    return Indicateur.objects.get(programme__code=programme, code=code)


def _traces(obj):
    return Evenement.objects.filter(
        action="referentiel_modifie",
        objet_type=obj._meta.label_lower,
        objet_id=str(obj.pk),
    )


# --- idempotence and admin edits -----------------------------------------------------------------


def test_charger_deux_fois_ne_cree_rien():
    compte = Indicateur.objects.count()
    assert charger_referentiel() == (0, 0)
    assert charger_referentiel() == (0, 0)
    assert Indicateur.objects.count() == compte
    assert not Evenement.objects.filter(action="referentiel_modifie").exists()


def test_rechargement_sans_mise_a_jour_garde_la_modification_de_l_administration():
    p11 = _indicateur("HN", "P1.1")
    p11.cible = Decimal(50)
    p11.save()
    assert charger_referentiel() == (0, 0)
    p11.refresh_from_db()
    assert p11.cible == Decimal(50)
    assert not _traces(p11).exists()


def test_mise_a_jour_restaure_la_valeur_de_la_fixture_et_la_trace():
    p11 = _indicateur("HN", "P1.1")
    p11.cible = Decimal(50)
    p11.save()

    crees, modifies = charger_referentiel(mettre_a_jour=True)

    assert crees == 0
    assert modifies >= 1
    p11.refresh_from_db()
    assert p11.cible == Decimal(70)
    trace = _traces(p11).get()
    assert trace.acteur_nom == SYSTEME == "systeme"
    assert trace.acteur is None
    assert trace.objet_libelle.startswith("P1.1 ")
    assert set(trace.avant) == set(trace.apres) == {"cible"}
    assert Decimal(trace.avant["cible"]) == 50
    assert Decimal(trace.apres["cible"]) == 70


def test_mise_a_jour_d_une_seule_modification_ne_modifie_et_ne_trace_qu_une_ligne():
    p11 = _indicateur("HN", "P1.1")
    p11.cible = Decimal(50)
    p11.save()
    assert charger_referentiel(mettre_a_jour=True) == (0, 1)
    assert Evenement.objects.filter(action="referentiel_modifie").count() == 1


def test_mise_a_jour_sur_un_referentiel_intact_ne_change_rien():
    """Running the loader with mettre_a_jour twice must change nothing more (SPEC §9)."""
    assert charger_referentiel(mettre_a_jour=True) == (0, 0)
    assert not Evenement.objects.filter(action="referentiel_modifie").exists()


def test_mise_a_jour_restaure_une_grille_et_les_regles_suivent():
    ligne = GrilleForfait.objects.get(
        domaine__programme__code="HN", domaine__code="D1", categorie="A", avance=False
    )
    ligne.montant_max = Decimal(214_000)
    ligne.save()
    hn = Programme.objects.get(code="HN")
    # Grids are data: the admin edit changes the forfait (37000 + 177000 × 1/2).
    assert r.forfait(hn.regles(), "D1", 3_500)[1] == 125_500

    charger_referentiel()
    assert r.forfait(hn.regles(), "D1", 3_500)[1] == 125_500

    charger_referentiel(mettre_a_jour=True)
    ligne.refresh_from_db()
    assert ligne.montant_max == Decimal(200_000)
    assert r.forfait(hn.regles(), "D1", 3_500)[1] == 118_500
    trace = _traces(ligne).get()
    assert set(trace.apres) == {"montant_max"}
    assert Decimal(trace.avant["montant_max"]) == 214_000
    assert Decimal(trace.apres["montant_max"]) == 200_000


def test_rechargement_recree_une_ligne_supprimee():
    Indicateur.objects.filter(programme__code="HOPEN", code="D7.3").delete()
    assert charger_referentiel() == (1, 0)
    assert _indicateur("HOPEN", "D7.3").domaine.code == "D7"


# --- what the fixtures give ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "n_prerequis", "ind_prerequis", "ind_domaines", "n_domaines", "n_env", "decoupage"),
    [
        ("HN", 3, 12, 21, 5, 26, Decoupage.ANCIEN),
        ("HOPEN", 4, 15, 26, 7, 18, Decoupage.ACTUEL),
    ],
)
def test_comptes_par_programme(
    code, n_prerequis, ind_prerequis, ind_domaines, n_domaines, n_env, decoupage
):
    programme = Programme.objects.get(code=code)
    assert programme.decoupage == decoupage
    assert Prerequis.objects.filter(programme=programme).count() == n_prerequis
    indicateurs = Indicateur.objects.filter(programme=programme)
    assert indicateurs.filter(prerequis__isnull=False).count() == ind_prerequis
    assert indicateurs.filter(domaine__isnull=False).count() == ind_domaines
    assert Domaine.objects.filter(programme=programme).count() == n_domaines
    enveloppes = Enveloppe.objects.filter(programme=programme)
    assert enveloppes.count() == n_env
    assert set(enveloppes.values_list("region__decoupage", flat=True)) == {decoupage}
    assert Categorie.objects.filter(programme=programme).count() == 4


def test_enveloppes_telles_que_publiees():
    hn = Programme.objects.get(code="HN")
    hopen = Programme.objects.get(code="HOPEN")
    # Regional lines as published add up to 1 k€ less than the published totals (SPEC §3).
    assert Enveloppe.objects.filter(programme=hn).total() == Decimal(399_999_000)
    assert hn.montant_total_publie == Decimal(400_000_000)
    assert Enveloppe.objects.filter(programme=hopen).total() == Decimal(419_999_000)
    assert hopen.montant_total_publie == Decimal(420_000_000)
    assert Enveloppe.objects.get(programme=hn, region__code="82").montant_publie == Decimal(
        37_642_000
    )  # Rhône-Alpes
    assert Enveloppe.objects.get(programme=hopen, region__code="84").montant_publie == Decimal(
        49_777_000
    )  # Auvergne-Rhône-Alpes


def test_coefficients_hopen_ajoutent_hdj_hors_chirurgie():
    def coefficients(code):
        return dict(
            CoefficientActivite.objects.filter(programme__code=code).values_list(
                "volume", "coefficient"
            )
        )

    hn = coefficients("HN")
    hopen = coefficients("HOPEN")
    assert "hdj_hors_chirurgie_ambulatoire" not in hn
    assert hopen.pop("hdj_hors_chirurgie_ambulatoire") == Decimal(1)
    assert hopen == hn
    assert hn["hdj_chirurgie_ambulatoire"] == Decimal("1.5")


def test_domaines_avances_hopen():
    avances = dict(
        Domaine.objects.filter(programme__code="HOPEN")
        .exclude(avance_indicateur="")
        .values_list("code", "avance_indicateur")
    )
    assert avances == {"D1": "D1.3", "D6": "D6.1"}
    assert GrilleForfait.objects.filter(domaine__programme__code="HOPEN", avance=True).count() == 8
    assert not GrilleForfait.objects.filter(domaine__programme__code="HN", avance=True).exists()


# --- Indicateur.est_atteint and constraints ------------------------------------------------------


def test_est_atteint_taux():
    p11 = _indicateur("HN", "P1.1")
    assert p11.cible == Decimal(70)
    assert p11.est_atteint(70) is True
    assert p11.est_atteint("70.00") is True
    assert p11.est_atteint(Decimal("69.99")) is False
    assert p11.est_atteint(None) is None
    assert _indicateur("HOPEN", "P1.1").est_atteint(70) is False  # HOP'EN raised it to 90


def test_est_atteint_existence_et_cible_a_confirmer():
    existence = _indicateur("HN", "P1.2")
    assert existence.type == TypeIndicateur.EXISTENCE
    assert existence.est_atteint(True) is True
    assert existence.est_atteint(False) is False
    a_confirmer = _indicateur("HN", "P3.5")
    assert a_confirmer.cible is None and a_confirmer.cible_a_confirmer
    assert a_confirmer.est_atteint(100) is None


def test_contrainte_indicateur_prerequis_ou_domaine():
    programme = Programme.objects.get(code="HN")
    prerequis = Prerequis.objects.get(programme=programme, code="P1")
    with pytest.raises(IntegrityError), transaction.atomic():
        f.IndicateurFactory(programme=programme, prerequis=prerequis)  # and a domaine


def test_contrainte_indicateur_cible_coherente():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.IndicateurFactory(cible=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.IndicateurFactory(type=TypeIndicateur.EXISTENCE, cible=80)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.IndicateurFactory(cible=None, cible_a_confirmer=False)
    f.IndicateurFactory(cible=None, cible_a_confirmer=True)  # allowed


def test_contrainte_categorie_bornes():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.CategorieFactory(borne_min=7_000, borne_max=7_000)


def test_contrainte_grille_min_max():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.GrilleForfaitFactory(montant_min=20_000, montant_max=10_000)


# --- a new programme is data ---------------------------------------------------------------------

PROGRAMME_TEST = {
    "code": "TEST",
    "nom": "Programme de test",
    "decoupage": "2016",
    "annee_reference_activite": 2024,
    "montant_total_publie_keur": 1000,
    "part_amorcage": "0.25",
    "source": "test",
    "coefficients": {"journees_mco": "2", "journees_ssr": "0.25"},
    "categories": [
        {"code": "A", "borne_min": 0, "borne_max": 1000},
        {"code": "B", "borne_min": 1000, "borne_max": 5000},
    ],
    "calendrier": [{"code": "fin_depot", "libelle": "Date limite de dépôt", "date": "2030-06-30"}],
    "prerequis": [
        {
            "code": "P1",
            "libelle": "Identités",
            "indicateurs": [
                {"code": "P1.1", "libelle": "Taux de test", "type": "taux", "cible": "80"}
            ],
        }
    ],
    "domaines": [
        {
            "code": "X1",
            "libelle": "Domaine de test",
            "avance": {"indicateur": "X1.1", "condition": "format structuré"},
            "indicateurs": [
                {"code": "X1.1", "libelle": "Existence de test", "type": "existence", "cible": None}
            ],
            "grille_keur": {
                "standard": {"A": [10, 30], "B": [30, 50]},
                "avance": {"A": [12, 36], "B": [36, 60]},
            },
        }
    ],
    "enveloppes_keur": [{"region": "84", "nom": "Auvergne-Rhône-Alpes", "montant": 1000}],
}


def test_un_nouveau_programme_est_une_donnee(tmp_path):
    repertoire = tmp_path / "referentiel"
    shutil.copytree(dossier_fixtures(), repertoire)
    (repertoire / "test.json").write_text(
        json.dumps(PROGRAMME_TEST, ensure_ascii=False), encoding="utf-8"
    )

    # 1 programme + 2 coefficients + 2 categories + 1 échéance + 1 prérequis + 2 indicators
    # + 1 domaine + 4 grid rows + 1 envelope; HN and HOP'EN are untouched.
    assert charger_referentiel(repertoire) == (15, 0)
    assert charger_referentiel(repertoire) == (0, 0)

    programme = Programme.objects.get(code="TEST")
    assert programme.montant_total_publie == Decimal(1_000_000)
    assert programme.part_amorcage == Decimal("0.25")
    assert programme.ordre == 2  # after hn.json and hopen.json
    assert programme.calendrier.get().date.isoformat() == "2030-06-30"
    enveloppe = Enveloppe.objects.get(programme=programme)
    assert enveloppe.region == Region.objects.get(code="84", decoupage=Decoupage.ACTUEL)
    assert enveloppe.montant_publie == Decimal(1_000_000)

    regles = programme.regles()
    assert regles.domaine_a_forfait_avance("X1")
    # 2 × 300 + 0.25 × 400 = 700 -> A: 10000 + 20000 × 700/1000
    activite = r.activite_combinee({"journees_mco": 300, "journees_ssr": 400}, regles.coefficients)
    assert activite == Decimal(700)
    cat, montant = r.forfait(regles, "X1", activite)
    assert (cat.code, montant) == ("A", 24_000)
    assert r.forfait(regles, "X1", activite, avance=True)[1] == 28_800  # 12000 + 24000 × 0.7
    assert r.forfait(regles, "X1", 3_000) == (r.Categorie("B", 1000, 5000), 40_000)
    assert r.forfait(regles, "X1", 10_000)[1] == 50_000  # capped above the last category
    assert r.forfait(regles, "X1", 10_000, avance=True)[1] == 60_000
    with pytest.raises(r.RegleError):
        r.forfait(regles, "D1", 700)

    assert _indicateur("TEST", "P1.1").est_atteint(80) is True
    assert _indicateur("TEST", "X1.1").domaine.code == "X1"
    # The existing programmes keep their own rules.
    assert r.forfait(Programme.objects.get(code="HN").regles(), "D1", 15_000)[1] == 251_613


# --- management command --------------------------------------------------------------------------


def test_commande_load_referentiel_affiche_son_bilan():
    out = StringIO()
    call_command("load_referentiel", stdout=out)
    assert out.getvalue() == "Référentiel : 0 lignes créées, 0 modifiées.\n"


def test_commande_load_referentiel_cree_ce_qui_manque():
    Indicateur.objects.filter(programme__code="HN", code__in=["D5.2", "D5.3"]).delete()
    out = StringIO()
    call_command("load_referentiel", stdout=out)
    assert out.getvalue() == "Référentiel : 2 lignes créées, 0 modifiées.\n"


def test_commande_load_referentiel_mettre_a_jour():
    p34 = _indicateur("HN", "P3.4")
    p34.cible = Decimal(95)
    p34.save()
    out = StringIO()
    call_command("load_referentiel", "--mettre-a-jour", stdout=out)
    assert out.getvalue().startswith("Référentiel : 0 lignes créées, ")
    p34.refresh_from_db()
    assert p34.cible == Decimal(90)
    assert _traces(p34).get().acteur_nom == "systeme"
