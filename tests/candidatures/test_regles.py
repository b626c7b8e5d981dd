"""The rules of the calls as pure functions and their figures [SPEC §3, §7; 003 A3, A5]: the
semesters offered, the estimate of a pré-candidature (the same forfait rule as the
``programmes/{code}/forfait/`` endpoint, for every domaine), the amorçage / usage split of a
programmation line and the totals against the envelope (sums of the lines, overruns)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candidatures import chiffrage, regles, semestres
from candidatures.models import DomaineCandidature
from hn.referentiel import regles as forfaits
from hn.referentiel.models import ActiviteEtablissement, Domaine, Programme
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import appel

VINGT = D("0.20")

# --- semesters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "attendu"), [("2020S2", (2020, 2)), (" 2019s1 ", (2019, 1)), ("2022S2", (2022, 2))]
)
def test_a_semester_reads(texte, attendu):
    assert semestres.lire(texte) == attendu
    assert semestres.ecrire(attendu) == texte.strip().upper()


@pytest.mark.parametrize("texte", ["2020S3", "2020S0", "2020", "S1", "20S1", "2020-S1", "", None])
def test_an_unreadable_semester_is_refused_in_french(texte):
    with pytest.raises(semestres.SemestreInvalide) as exc:
        semestres.lire(texte)
    assert exc.value.message.startswith("Semestre illisible")
    assert "par exemple 2020S2" in exc.value.message


def test_the_2019_ami_offers_its_ranges():
    """[003 A5]: prérequis 2019 S1 … 2021 S1 (5 choices), targets 2019 S1 … 2022 S2 (8)."""
    assert semestres.intervalle("2019S1", "2021S1") == [
        "2019S1",
        "2019S2",
        "2020S1",
        "2020S2",
        "2021S1",
    ]
    assert len(semestres.intervalle("2019S1", "2022S2")) == 8
    assert semestres.intervalle("2021S1", "2020S2") == []
    assert semestres.libelle("2020S2") == "2020 semestre 2"
    assert semestres.libelle("") == ""


@pytest.mark.parametrize(
    ("texte", "jour"), [("2020S1", dt.date(2020, 6, 30)), ("2020S2", dt.date(2020, 12, 31))]
)
def test_the_last_day_of_a_semester(texte, jour):
    assert semestres.dernier_jour(texte) == jour


@pytest.mark.parametrize(
    ("jour", "semestre"),
    [
        (dt.date(2028, 2, 29), "2028S1"),
        (dt.date(2028, 6, 30), "2028S1"),
        (dt.date(2028, 7, 1), "2028S2"),
        (dt.date(2028, 12, 31), "2028S2"),
    ],
)
def test_the_semester_of_a_date(jour, semestre):
    assert semestres.de_la_date(jour) == semestre


@pytest.mark.parametrize("texte", ["2018S2", "2021S2", "2030S1"])
def test_a_semester_outside_the_range_names_the_range(texte):
    with pytest.raises(semestres.SemestreInvalide) as exc:
        semestres.verifier(texte, "2019S1", "2021S1", "Prérequis HOP'EN")
    assert exc.value.message == (
        f"Prérequis HOP'EN : {semestres.libelle(texte)} est hors de la période proposée "
        "(2019 semestre 1 à 2021 semestre 1)."
    )


@given(st.integers(2000, 2100), st.integers(1, 2), st.integers(2000, 2100), st.integers(1, 2))
def test_a_semester_is_in_a_range_exactly_when_the_range_lists_it(a1, n1, a2, n2):
    premier, dernier = f"{a1}S{n1}", f"{a2}S{n2}"
    liste = semestres.intervalle(premier, dernier)
    assert len(liste) == max(0, (a2 - a1) * 2 + n2 - n1 + 1)
    for texte in (premier, dernier, f"{a1 - 1}S2", f"{a2 + 1}S1"):
        try:
            semestres.verifier(texte, premier, dernier, "x")
            assert texte in liste
        except semestres.SemestreInvalide:
            assert texte not in liste


# --- the window, as pure functions ------------------------------------------------------------

AMI = regles.Calendrier(
    dt.date(2019, 2, 15),
    dt.date(2019, 6, 30),
    dt.date(2019, 8, 30),
    dt.date(2019, 9, 30),
    dt.date(2021, 12, 31),
)


@pytest.mark.parametrize(
    ("jour", "refus", "tardive"),
    [
        (dt.date(2019, 2, 14), True, False),
        (dt.date(2019, 2, 15), False, False),
        (dt.date(2019, 6, 30), False, False),
        (dt.date(2019, 7, 1), False, True),
        (dt.date(2021, 12, 31), False, True),
        (dt.date(2022, 1, 1), True, True),
    ],
)
def test_window_edges(jour, refus, tardive):
    assert (regles.refus_fenetre(AMI, jour, "AMI") is not None) is refus
    assert regles.tardive(AMI, jour) is tardive


def test_answer_and_programmation_due_dates():
    assert not regles.reponse_en_retard(AMI, dt.date(2019, 9, 30))
    assert regles.reponse_en_retard(AMI, dt.date(2019, 10, 1))
    assert not regles.programmation_en_retard(AMI, dt.date(2019, 8, 30))
    assert regles.programmation_en_retard(AMI, dt.date(2019, 8, 31))
    assert regles.dates_desordonnees(AMI) == {}


# --- the split of a line and the totals ---------------------------------------------------------


@given(st.integers(0, 10_000_000))
def test_default_amorcage_is_twenty_percent_rounded_half_up(forfait):
    lg = regles.ligne(forfait=forfait, part=VINGT, **_valeurs())
    assert lg.amorcage == (2 * forfait + 5) // 10 == regles.amorcage_par_defaut(forfait, VINGT)
    assert lg.usage == forfait - lg.amorcage
    assert lg.modifie is False


def test_half_a_euro_rounds_up_not_to_even():
    assert regles.amorcage_par_defaut(5, D("0.5")) == 3
    assert regles.amorcage_par_defaut(1, D("0.5")) == 1
    assert regles.amorcage_par_defaut(7, D("0.30")) == 2  # 2.1


def test_a_chosen_amorcage_is_kept_and_flagged():
    lg = regles.ligne(forfait=100_000, part=VINGT, amorcage=35_000, **_valeurs())
    assert (lg.amorcage, lg.usage, lg.modifie) == (35_000, 65_000, True)
    same = regles.ligne(forfait=100_000, part=VINGT, amorcage=20_000, **_valeurs())
    assert same.modifie is False
    assert regles.amorcage_refuse(100, -1) == "L'amorçage ne peut pas être négatif."
    assert "dépasser le forfait" in regles.amorcage_refuse(100, 101)
    assert regles.amorcage_refuse(100, 100) is None
    assert regles.amorcage_refuse(100, 0) is None


def _valeurs(finess="010000001", statut="public", activites=("mco",), domaine="D2"):
    return {
        "finess": finess,
        "raison_sociale": "CH",
        "statut": statut,
        "activites": tuple(activites),
        "domaine": domaine,
        "semestre_cibles": "2020S2",
    }


@st.composite
def lignes(draw):
    result = []
    for _ in range(draw(st.integers(0, 12))):
        forfait = draw(st.integers(0, 1_000_000))
        amorcage = draw(st.none() | st.integers(0, forfait))
        valeurs = _valeurs(
            finess=draw(st.sampled_from(["010000001", "010000002", "690000003"])),
            statut=draw(st.sampled_from(["public", "prive_lucratif", "espic"])),
            activites=draw(st.lists(st.sampled_from(["mco", "ssr", "psy", "had"]), unique=True)),
            domaine=draw(st.sampled_from(["D1", "D2", "D7"])),
        )
        result.append(regles.ligne(forfait=forfait, part=VINGT, amorcage=amorcage, **valeurs))
    return result


@given(lignes(), st.decimals(0, 5_000_000, places=2, allow_nan=False, allow_infinity=False))
def test_totals_are_the_sums_of_the_lines_and_overruns_exactly_above_the_envelope(ls, enveloppe):
    t = regles.totaliser(ls, enveloppe, VINGT)
    assert t.total == sum(lg.forfait for lg in ls)
    assert t.total_amorcage == sum(lg.amorcage for lg in ls)
    assert t.total_usage == sum(lg.usage for lg in ls) == t.total - t.total_amorcage
    assert t.plafond_amorcage == enveloppe * VINGT
    assert t.reste == enveloppe - t.total
    assert t.reste_amorcage == enveloppe * VINGT - t.total_amorcage
    assert sum(s.forfait for s in t.par_statut.values()) == t.total
    assert sum(s.amorcage for s in t.par_statut.values()) == t.total_amorcage
    assert sum(s.usage for s in t.par_statut.values()) == t.total_usage
    assert sum(s.lignes for s in t.par_statut.values()) == len(ls)
    for activite, sous in t.par_activite.items():
        chez = [lg for lg in ls if activite in lg.activites]
        assert (sous.forfait, sous.amorcage, sous.lignes) == (
            sum(lg.forfait for lg in chez),
            sum(lg.amorcage for lg in chez),
            len(chez),
        )
    assert t.etablissements == len({lg.finess for lg in ls})
    au_dessus = t.total > enveloppe
    amorcage_au_dessus = t.total_amorcage > enveloppe * VINGT
    assert len(t.depassements) == au_dessus + amorcage_au_dessus
    assert any("dépasse l'enveloppe" in m for m in t.depassements) is au_dessus
    assert any("dépasse le plafond" in m for m in t.depassements) is amorcage_au_dessus


def test_an_overrun_message_gives_the_figures_to_the_euro():
    ls = [regles.ligne(forfait=1_000, part=VINGT, amorcage=400, **_valeurs())]
    t = regles.totaliser(ls, D(999), VINGT)
    nb = "\u202f" if "\u202f" in t.depassements[0] else "\u00a0"
    assert t.depassements == [
        f"Le total programmé (1{nb}000\u00a0€) dépasse l'enveloppe régionale (999\u00a0€) de "
        "1\u00a0€.",
        "L'amorçage programmé (400\u00a0€) dépasse le plafond de l'amorçage (200\u00a0€) de "
        "200\u00a0€.",
    ]
    exact = regles.totaliser(ls[:1], D(2_000), VINGT)
    assert exact.depassements == []  # 1 000 € total, 400 € = 20 % of 2 000 €
    plein = [regles.ligne(forfait=1_000, part=VINGT, **_valeurs())]  # 200 € amorçage
    assert regles.totaliser(plein, D(1_000), VINGT).depassements == []  # to the euro
    assert len(regles.totaliser(plein, D("999.99"), VINGT).depassements) == 2


# --- the estimate: the forfait rule, for every domaine ------------------------------------------

VOLUMES = (
    "journees_mco",
    "seances_mco",
    "hdj_chirurgie_ambulatoire",
    "journees_ssr",
    "journees_psy",
    "journees_had",
    "hdj_hors_chirurgie_ambulatoire",
)


@pytest.mark.django_db
def test_the_estimate_is_the_forfait_rule_for_every_domaine_at_any_activity(client):
    hopen = Programme.objects.get(code="HOPEN")
    codes = list(Domaine.objects.filter(programme=hopen).values_list("code", flat=True))
    assert codes == ["D1", "D2", "D3", "D4", "D5", "D6", "D7"]
    pc = a.brouillon(
        donnees={"domaines": [{"code": c, "semestre_cibles": "2021S2"} for c in codes]}
    )
    activite_row = ActiviteEtablissement.objects.get(
        etablissement=pc.etablissement, programme=hopen
    )
    lecteur = f.lecteur_national()
    client.force_login(lecteur)
    reg = hopen.regles()

    # Every category: small volumes beside a journées MCO figure from 0 to past the cap.
    mco = st.one_of(st.integers(0, 30_000), st.integers(0, 1_200_000))
    autres = {v: st.integers(0, 4_000) for v in VOLUMES[1:]}

    @given(st.fixed_dictionaries({"journees_mco": mco, **autres}))
    def verifier(volumes):
        for champ, valeur in volumes.items():
            setattr(activite_row, champ, valeur)
        activite_row.save()
        activite = forfaits.activite_combinee(volumes, reg.coefficients)
        estimation = chiffrage.estimation(pc)
        assert estimation.activite_combinee == activite
        body = client.get(f"{a.API}precandidatures/{pc.pk}/").json()["estimation"]
        assert body["categorie"] == forfaits.categorie(activite, reg.categories).code
        assert [d["code"] for d in body["domaines"]] == codes
        for ligne_ in body["domaines"]:
            regle = forfaits.forfait(reg, ligne_["code"], activite)[1]
            endpoint = client.get(
                f"{a.API}programmes/HOPEN/forfait/",
                {"domaine": ligne_["code"], "activite_combinee": str(activite)},
            ).json()["montant"]
            assert ligne_["forfait"] == estimation.forfaits[ligne_["code"]] == regle == endpoint
        assert body["total"] == sum(d["forfait"] for d in body["domaines"])

    verifier()


@pytest.mark.django_db
def test_the_estimate_totals_only_the_domaines_applied_for(client):
    """10 000 journées MCO: category B, D2 269 355 € and D6 84 677 € [003 A3]."""
    pc = a.brouillon(
        donnees={
            "domaines": [
                {"code": "D2", "semestre_cibles": "2020S2"},
                {"code": "D6", "semestre_cibles": "2021S1"},
            ]
        }
    )
    body = appel(client, a.gestionnaire(pc.etablissement), "get", a.url("precandidatures", pc.pk))
    assert body.json()["estimation"] == {
        "activite_combinee": 10_000.0,
        "categorie": "B",
        "domaines": [{"code": "D2", "forfait": 269_355}, {"code": "D6", "forfait": 84_677}],
        "total": 354_032,
    }
    # Withdrawing D6 (an empty semester) takes it out of the total.
    DomaineCandidature.objects.filter(precandidature=pc, domaine__code="D6").delete()
    assert chiffrage.estimation(pc).total == 269_355
    assert chiffrage.estimation(pc).forfaits["D6"] == 84_677  # still shown for every domaine


@pytest.mark.django_db
def test_without_activity_figures_there_is_no_estimate(client):
    etab = f.EtablissementFactory(region=f.region("84"))
    pc = a.brouillon(etab, donnees={"domaines": [{"code": "D2", "semestre_cibles": "2020S2"}]})
    body = appel(client, a.gestionnaire(etab), "get", a.url("precandidatures", pc.pk)).json()
    assert body["estimation"] == {
        "activite_combinee": None,
        "categorie": None,
        "domaines": [{"code": "D2", "forfait": None}],
        "total": 0,
    }
