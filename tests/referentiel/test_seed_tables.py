"""Check the hand-typed referentiel fixtures against the regulation texts they come from.

fixtures/referentiel/{regions,hn,hopen}.json were transcribed by hand from the seed texts
(../shared/seeds: 000 = HN instruction 2013, 003 = HOP'EN instruction 2019, 004 = HOP'EN slides).
Every typed value (regional envelope lines, forfait grid cells, category thresholds, coefficients,
indicator codes, labels and targets, calendar dates) is looked up again in the relevant seed
section, so that a typo fails CI. Plain pytest: reads JSON and text, needs no Django.

The seed texts come from PDFs: whitespace, dashes and apostrophes are normalised on both sides
before comparing; the comparison itself is an exact substring match, so a changed word or digit
fails.
"""

import itertools
import json
import os
import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO_ROOT / "fixtures" / "referentiel"
PROGRAMMES = ("hn", "hopen")

HN_PREREQUIS = {
    "P1": ["P1.1", "P1.2", "P1.3", "P1.4"],
    "P2": ["P2.1", "P2.2", "P2.3"],
    "P3": ["P3.1", "P3.2", "P3.3", "P3.4", "P3.5"],
}
HN_DOMAINES = {
    "D1": ["D1.1", "D1.2", "D1.3", "D1.4"],
    "D2": ["D2.1", "D2.2", "D2.3", "D2.4", "D2.5"],
    "D3": ["D3.1", "D3.2", "D3.3", "D3.4", "D3.5"],
    "D4": ["D4.1", "D4.2", "D4.3", "D4.4"],
    "D5": ["D5.1", "D5.2", "D5.3"],
}
HOPEN_PREREQUIS = {
    "P1": ["P1.1", "P1.2", "P1.3", "P1.4"],
    "P2": ["P2.1", "P2.2", "P2.4", "P2.5"],
    "P3": ["P3.2", "P3.3", "P3.4", "P3.6"],
    "P4": ["P4.1", "P4.2", "P4.3"],
}
HOPEN_DOMAINES = {
    "D1": ["D1.1", "D1.2", "D1.3", "D1.5"],
    "D2": ["D2.2", "D2.3", "D2.4", "D2.5"],
    "D3": ["D3.1", "D3.2", "D3.3", "D3.4", "D3.5"],
    "D4": ["D4.1", "D4.2", "D4.3", "D4.4"],
    "D5": ["D5.1", "D5.2", "D5.3"],
    "D6": ["D6.1", "D6.2", "D6.3"],
    "D7": ["D7.1", "D7.2", "D7.3"],
}
# HN indicators whose label is not in any seed at all (placeholder flagged "à confirmer").
HN_LABELS_ABSENT_FROM_SEEDS = {"P3.5"}

# Independent second entry of the INSEE codes (not in the seeds): a typo in regions.json fails.
CURRENT_REGION_CODES = {
    "84", "27", "53", "24", "94", "44", "32", "11", "28",
    "75", "76", "52", "93", "01", "02", "03", "04", "06",
}  # fmt: skip
FORMER_TO_CURRENT = {
    "42": "44", "72": "75", "83": "84", "25": "28", "26": "27", "53": "53", "24": "24",
    "21": "44", "94": "94", "43": "27", "01": "01", "03": "03", "23": "28", "11": "11",
    "91": "76", "74": "75", "41": "44", "02": "02", "73": "76", "31": "32", "04": "04",
    "52": "52", "22": "32", "54": "75", "93": "93", "82": "84",
}  # fmt: skip

# Seed sections, as (seed, start marker, end marker) on the normalised text.
SECTIONS = {
    "000 §1": ("000", "Le palier de maturité des systèmes d'information est composé",
               "Pour l'atteinte de ce palier"),
    "000 §2": ("000", "2. Dispositif et modalités", "3. Questions issues"),
    "000 A1": ("000", "Annexe 1 Rôle des ARS", "Annexe 2 Modalités de sélection"),
    "000 A3": ("000", "Annexe 3 Détermination du montant unitaire", "Annexe 4 Suivi des"),
    "000 A9": ("000", "Annexe 9 Outil DIPISI", "Annexe 10 Outil DIPISI"),
    "003 §2": ("003", "2 Le programme HOP'EN : un socle de maturité enrichi",
               "3 Le programme HOP'EN : Une feuille de route"),
    "003 §5.3": ("003", "5.3. Les modalités de financement", "6 Questions issues"),
    "003 A1": ("003", "Identifiant Libellé HOP'EN",
               "Annexe 2-Levier financement du programme HOP'EN Montant"),
    "003 A2": ("003", "Annexe 2-Levier financement du programme HOP'EN Montant",
               "Annexe 3-Levier financement"),
    "003 A3": ("003", "Annexe 3-Levier financement", "Annexe 4-Levier financement"),
}  # fmt: skip
ENVELOPE_SECTION = {"hn": "000 A1", "hopen": "003 A2"}
FORFAIT_SECTION = {"hn": "000 A3", "hopen": "003 A3"}
# The forfait table runs from its threshold row to the text that follows it.
GRID_BOUNDS = {
    "hn": ("Seuil d'activité combinée", "A titre indicatif"),
    "hopen": ("Seuil d'activité combinée", "Se référer au volet du compte rendu"),
}
# An amount printed "12 085" ends where no digit and no further 3-digit group follows.
AMOUNT_END = r"(?!\d| \d{3}(?!\d))"
MOIS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip

_TRANSLATION = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark
        "\u2018": "'",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign used as a bullet
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        # The texts drop the accents of capitals (« Ile-de-France », « Echange »); the
        # référentiel writes them (issue 19): both fold to the unaccented capital.
        "É": "E",
        "Î": "I",
        "\uf0a7": " ",  # private-use bullet glyph
        "\ufffd": " ",  # replacement character left by the PDF extraction
    }
)


def normalise(text):
    """Collapse the PDF extraction noise: whitespace, dashes, apostrophes, hyphen spacing."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATION)
    text = re.sub(r"\s+", " ", text)
    # "médico-\ntechniques", "Provence -Alpes", "50 - 170", "40 – 75" all become "x-y".
    text = re.sub(r" ?- ?", "-", text)
    return text.strip()


def fr_int(number):
    """12085 -> "12 085", the way the instructions print amounts."""
    return f"{number:,}".replace(",", " ")


def fr_decimal(value):
    """Decimal("0.5") -> "0,5"."""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def ends_a_cell(text, fragment):
    """The fragment occurs in text and is followed by a new cell, not by the rest of a phrase.

    In [003 A1] a label is followed by the "Déclinaison GHT" column and a target by the
    "Evolution HN - HOP'EN" column or the next row, all starting with a capital or a digit: a
    label or target cut short ("... d'actes" for "... d'actes infirmiers") fails.
    """
    pattern = re.escape(fragment) + r"(?= [A-ZÀ-Ý0-9]| ?$)"
    return re.search(pattern, text) is not None


def quotes(source):
    return re.findall(r"«\s*(.+?)\s*»", source)


@cache
def load(name):
    return json.loads((FIXTURES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def indicators(groups):
    return [indicator for group in groups for indicator in group["indicateurs"]]


def all_indicators(programme):
    data = load(programme)
    return indicators(data["prerequis"]) + indicators(data["domaines"])


def cells(grid):
    return " ".join(f"{low}-{high}" for low, high in (grid[c] for c in "ABCD"))


class Seeds:
    def __init__(self, directory):
        self.text = {}
        for number in ("000", "003", "004"):
            found = sorted(directory.glob(f"{number}_*.txt"))
            assert len(found) == 1, f"expected one {number}_*.txt in {directory}, got {found}"
            self.text[number] = normalise(found[0].read_text(encoding="utf-8"))

    @cache  # noqa: B019 - one Seeds object per test module
    def section(self, name):
        number, start, end = SECTIONS[name]
        text = self.text[number]
        assert start in text, f"section start {start!r} not found in seed {number}"
        begin = text.index(start)
        assert end in text[begin:], f"section end {end!r} not found in seed {number}"
        return text[begin : text.index(end, begin + len(start))]

    def hopen_indicator_segments(self):
        """HOP'EN code -> its row in 003 A1, from "code label" to the next indicator's row."""
        table = self.section("003 A1")
        starts = []
        for indicator in all_indicators("hopen"):
            key = f"{indicator['code']} {normalise(indicator['libelle'])}"
            assert table.count(key) == 1, f"{key!r} not found exactly once in [003 A1]"
            starts.append((table.index(key), indicator["code"]))
        assert starts == sorted(starts), "HOP'EN indicators are not in the order of [003 A1]"
        ends = [position for position, _ in starts[1:]] + [len(table)]
        return {code: table[start:end] for (start, code), end in zip(starts, ends, strict=True)}


@pytest.fixture(scope="module")
def seeds():
    configured = os.environ.get("HN_SEEDS_DIR")
    directory = Path(configured) if configured else REPO_ROOT.parent / "shared" / "seeds"
    if not directory.is_dir():
        reason = f"seed texts not found in {directory} (set HN_SEEDS_DIR to the seeds directory)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return Seeds(directory)


# --------------------------------------------------------------------------- structure, no seeds


def test_programme_structure_and_counts():
    for programme, prerequis, domaines in (
        ("hn", HN_PREREQUIS, HN_DOMAINES),
        ("hopen", HOPEN_PREREQUIS, HOPEN_DOMAINES),
    ):
        data = load(programme)
        found_prerequis = {
            group["code"]: [i["code"] for i in group["indicateurs"]] for group in data["prerequis"]
        }
        found_domaines = {
            group["code"]: [i["code"] for i in group["indicateurs"]] for group in data["domaines"]
        }
        assert found_prerequis == prerequis, programme
        assert found_domaines == domaines, programme
        assert list(found_domaines) == sorted(found_domaines), programme

    assert len(indicators(load("hn")["prerequis"])) == 12
    assert len(indicators(load("hopen")["prerequis"])) == 15
    assert len(load("hn")["domaines"]) == 5
    assert len(load("hopen")["domaines"]) == 7
    assert len(indicators(load("hn")["domaines"])) == 21
    assert len(indicators(load("hopen")["domaines"])) == 26


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_indicator_fields_are_consistent(programme):
    for indicator in all_indicators(programme):
        code = indicator["code"]
        assert indicator["type"] in {"taux", "existence"}, code
        assert indicator["libelle"].strip() == indicator["libelle"] != "", code
        assert indicator["source"].startswith("["), code
        if indicator["type"] == "existence":
            assert indicator["cible"] is None, code
            assert indicator["cible_a_confirmer"] is False, code
        elif indicator["cible"] is None:
            assert indicator["cible_a_confirmer"] is True, f"{code}: unsourced taux not flagged"
        else:
            assert indicator["cible_a_confirmer"] is False, code
            assert isinstance(indicator["cible"], str), code
            assert Decimal(0) < Decimal(indicator["cible"]) <= Decimal(100), code


@pytest.mark.parametrize(
    ("programme", "line_sum", "published_total", "lines"),
    [("hn", 399_999, 400_000, 26), ("hopen", 419_999, 420_000, 18)],
)
def test_envelope_sums(programme, line_sum, published_total, lines):
    data = load(programme)
    amounts = [line["montant"] for line in data["enveloppes_keur"]]
    assert all(isinstance(amount, int) and amount > 0 for amount in amounts)
    assert len(amounts) == lines
    # The instructions rounded each regional line: their sum is 1 k€ short of the total.
    assert sum(amounts) == line_sum
    assert data["montant_total_publie_keur"] == published_total


def test_regions():
    regions = load("regions")["regions"]
    current = {r["code"]: r for r in regions if r["decoupage"] == "2016"}
    former = {r["code"]: r for r in regions if r["decoupage"] == "avant_2016"}
    assert len(current) == 18 == len([r for r in regions if r["decoupage"] == "2016"])
    assert len(former) == 26 == len([r for r in regions if r["decoupage"] == "avant_2016"])
    assert len(regions) == 44
    assert set(current) == CURRENT_REGION_CODES
    assert all("region_actuelle" not in r for r in current.values())
    assert {code: r["region_actuelle"] for code, r in former.items()} == FORMER_TO_CURRENT
    for region in former.values():
        assert region["region_actuelle"] in current, region
    # HN envelopes are set on the former régions, HOP'EN's on the current ones.
    for programme, by_code, decoupage in (("hn", former, "avant_2016"), ("hopen", current, "2016")):
        data = load(programme)
        assert data["decoupage"] == decoupage
        lines = {line["region"]: line["nom"] for line in data["enveloppes_keur"]}
        assert lines == {code: r["nom"] for code, r in by_code.items()}, programme


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_grid_is_continuous(programme):
    data = load(programme)
    categories = data["categories"]
    assert [c["code"] for c in categories] == list("ABCD")
    assert categories[0]["borne_min"] == 0
    for lower, upper in itertools.pairwise(categories):
        assert lower["borne_max"] == upper["borne_min"]
    for domaine in data["domaines"]:
        for level, grid in domaine["grille_keur"].items():
            assert list(grid) == list("ABCD"), (domaine["code"], level)
            for lower, upper in itertools.pairwise("ABCD"):
                assert grid[lower][1] == grid[upper][0], (domaine["code"], level, lower)
            assert all(low < high for low, high in grid.values()), (domaine["code"], level)


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_forfait_avance(programme):
    expected = {"hn": set(), "hopen": {"D1", "D6"}}[programme]
    for domaine in load(programme)["domaines"]:
        code = domaine["code"]
        if code not in expected:
            assert domaine["avance"] is None, code
            assert list(domaine["grille_keur"]) == ["standard"], code
            continue
        assert list(domaine["grille_keur"]) == ["standard", "avance"], code
        avance = domaine["avance"]
        assert avance["grille_keur"] == domaine["grille_keur"]["avance"], code
        assert avance["indicateur"] in [i["code"] for i in domaine["indicateurs"]], code
        standard = domaine["grille_keur"]["standard"]
        for category in "ABCD":
            for std, adv in zip(standard[category], avance["grille_keur"][category], strict=True):
                # "un bonus de +20% du forfait standard" [003 §5.3.1, A3 §3]
                assert Decimal(adv) == Decimal(std) * Decimal("1.2"), (code, category)


# --------------------------------------------------------------------------- against the seeds


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_envelope_lines_are_published(seeds, programme):
    data = load(programme)
    text = seeds.section(ENVELOPE_SECTION[programme])
    for line in data["enveloppes_keur"]:
        pattern = (
            r"(?<![\w'-])"
            + re.escape(normalise(line["nom"]))
            + r" \d{1,3},\d{2}% "
            + re.escape(fr_int(line["montant"]))
            + AMOUNT_END
        )
        assert re.search(pattern, text), f"{line} not in [{ENVELOPE_SECTION[programme]}]"
    total = data["montant_total_publie_keur"]
    assert f"Total général 100,00% {fr_int(total)}" in text
    # No line missing or added: the multiset of amounts printed in the table is ours + total.
    printed = [
        int(amount.replace(" ", ""))
        for amount in re.findall(r"\d{1,3},\d{2}% (\d{1,3}(?: \d{3})*)" + AMOUNT_END, text)
    ]
    assert sorted(printed) == sorted(
        [line["montant"] for line in data["enveloppes_keur"]] + [total]
    )


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_forfait_grid_is_published(seeds, programme):
    data = load(programme)
    text = seeds.section(FORFAIT_SECTION[programme])
    start, end = GRID_BOUNDS[programme]
    table = text[text.index(start) : text.index(end, text.index(start))]

    def row_label(domaine):
        label = normalise(domaine["libelle"])
        return label if programme == "hn" else f"{domaine['code']}-{label}"

    positions = []
    for domaine in data["domaines"]:
        label = row_label(domaine)
        assert table.count(label) == 1, f"grid row {label!r} not found once in the forfait table"
        positions.append(table.index(label))
    assert positions == sorted(positions), "domaines not in the order of the forfait table"
    for index, domaine in enumerate(data["domaines"]):
        row_end = positions[index + 1] if index + 1 < len(positions) else len(table)
        row = table[positions[index] + len(row_label(domaine)) : row_end]
        assert re.match(r" ?(-Forfait standard )?\d", row), f"{domaine['code']}: label cut short"
        grids = domaine["grille_keur"]
        expected = [n for level in grids for c in "ABCD" for n in grids[level][c]]
        printed = [int(n) for pair in re.findall(r"(\d+)-(\d+)", row) for n in pair]
        assert printed == expected, f"{domaine['code']}: seed row {row!r}"
        if "avance" in grids:
            assert f"Forfait standard {cells(grids['standard'])}" in row, domaine["code"]
            assert f"Forfait avancé {cells(grids['avance'])}" in row, domaine["code"]


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_categories_coefficients_and_parameters_are_published(seeds, programme):
    data = load(programme)
    text = seeds.section(FORFAIT_SECTION[programme])

    def number(value):
        return fr_int(value).replace(" ", " ?")

    categories = data["categories"]
    thresholds = " ".join(
        f"{number(c['borne_min'])}-{number(c['borne_max']) if c['code'] != 'D' else 'max'}"
        for c in categories
    )
    assert re.search(f"Seuil d'activité combinée {thresholds}", text), thresholds
    # Category D is capped above 1,000,000 [000 A3 §2, 003 A3 §3].
    assert f"supérieure à {fr_int(categories[-1]['borne_max'])} unités" in text

    coefficients = data["coefficients"]
    expected_keys = {
        "journees_mco", "seances_mco", "hdj_chirurgie_ambulatoire",
        "journees_ssr", "journees_psy", "journees_had",
    }  # fmt: skip
    if programme == "hopen":
        expected_keys.add("hdj_hors_chirurgie_ambulatoire")
    assert set(coefficients) == expected_keys
    assert Decimal(coefficients["journees_mco"]) == 1  # the unit of the activité combinée
    phrases = [
        f"1 séance MCO équivaut à {fr_decimal(coefficients['seances_mco'])} journée MCO",
        "1 hospitalisation de jour de chirurgie ambulatoire équivaut à "
        f"{fr_decimal(coefficients['hdj_chirurgie_ambulatoire'])} journée MCO",
    ]
    for key in ("journees_ssr", "journees_psy", "journees_had"):
        phrases.append(
            "1 journée SSR, 1 journée PSY ou 1 journée HAD équivalent à "
            f"{fr_decimal(coefficients[key])} journée MCO"
        )
    if programme == "hopen":
        phrases.append(
            "1 hospitalisation de jour, hors chirurgie ambulatoire, équivaut à "
            f"{fr_decimal(coefficients['hdj_hors_chirurgie_ambulatoire'])} journée MCO"
        )
    for phrase in phrases:
        assert phrase in text, phrase

    year = data["annee_reference_activite"]
    assert f"Les données utilisées sont celles de l'année {year}" in text
    amorcage = Decimal(data["part_amorcage"]) * 100
    assert (
        f"composée de {amorcage.normalize():f}% de financement consacré à « l'amorçage »"
        in seeds.section(ENVELOPE_SECTION[programme])
    )


def test_forfait_avance_conditions_are_published(seeds):
    # Footnote calls are glued to words in the extraction ("l'ASIP1", "biologie2").
    text = re.sub(r"(ASIP|biologie)\d", r"\1", seeds.section("003 A3"))
    for domaine in load("hopen")["domaines"]:
        avance = domaine["avance"]
        if avance is None:
            continue
        condition = normalise(avance["condition"])
        assert condition in text, domaine["code"]
        after = text[text.index(condition) + len(condition) :][:40]
        code = avance["indicateur"]  # the seed writes "D.1.3" for D1.3
        assert re.search(rf"\(indicateur {code[0]}\.?{re.escape(code[1:])}\)", after), code
        # "(pour le D1.3 et D6.1)" [003 §5.3.1]
        assert re.search(rf"pour le [^)]*\b{re.escape(code)}\b", seeds.section("003 §5.3")), code


def test_hopen_labels_and_targets_are_published(seeds):
    data = load("hopen")
    table = seeds.section("003 A1")
    summary = seeds.section("003 §2")
    for group in data["prerequis"]:
        assert f"{group['code']} {normalise(group['libelle'])}" in table, group["code"]
        assert f"{normalise(group['libelle'])} ({group['code']})" in summary, group["code"]
    for group in data["domaines"]:
        assert f"{normalise(group['libelle'])} ({group['code']})" in summary, group["code"]

    segments = seeds.hopen_indicator_segments()
    for indicator in all_indicators("hopen"):
        code = indicator["code"]
        assert indicator["source"] == "[003 A1]", code
        assert indicator["libelle_a_confirmer"] is False, code
        label = f"{code} {normalise(indicator['libelle'])}"
        assert ends_a_cell(segments[code], label), f"{code}: label cut short"
        target = normalise(indicator["cible_libelle"])
        assert target in segments[code], f"{code}: target {target!r} not in its [003 A1] row"
        assert ends_a_cell(segments[code], target), f"{code}: target cut short"
        percentage = re.match(r"(\d+)%", target)
        if indicator["type"] == "taux":
            assert percentage, f"{code}: a taux needs a percentage target"
            assert Decimal(indicator["cible"]) == Decimal(percentage.group(1)), code
        else:
            assert percentage is None, f"{code}: a percentage target makes it a taux"


def test_hn_labels_and_targets_are_sourced(seeds):
    data = load("hn")
    listed = seeds.section("000 §1")
    for group in data["prerequis"]:
        assert f"-{normalise(group['libelle'])}," in listed, group["code"]
    hopen_table = seeds.section("003 A1")
    segments = seeds.hopen_indicator_segments()
    hopen = {i["code"]: i for i in all_indicators("hopen")}

    for indicator in all_indicators("hn"):
        code = indicator["code"]
        # The 2012 guide des indicateurs is not among the seeds: every HN label is derived.
        assert indicator["libelle_a_confirmer"] is True, code
        assert indicator["cible_libelle"] is None, code
        if code in HN_LABELS_ABSENT_FROM_SEEDS:
            assert "à confirmer" in indicator["libelle"], code
            assert code in seeds.section("000 A9"), code
            continue
        label = normalise(indicator["libelle"])
        assert label in hopen_table, f"{code}: label not in [003 A1]"
        # Allowed derivations from the (seed-checked) HOP'EN rows: a HOP'EN label as is; a HOP'EN
        # label minus a tail the source quotes as a HOP'EN addition; one sentence of a HOP'EN
        # target (the two HN indicators merged into HOP'EN P2.1).
        tails = [normalise(q) for q in quotes(indicator["source"])]
        allowed = set()
        for successor in hopen.values():
            successor_label = normalise(successor["libelle"])
            allowed.add(successor_label)
            allowed.update(
                successor_label.removesuffix(f" {tail}")
                for tail in tails
                if successor_label.endswith(f" {tail}")
            )
            target = normalise(successor["cible_libelle"])
            allowed.update(sentence.rstrip(".") for sentence in re.split(r"(?<=\.) ", target))
        assert label in allowed, f"{code}: label is not a documented derivation of [003 A1]"

    # HN targets: only those the "Evolution HN - HOP'EN" column lets us derive, and all of them.
    for code, segment in segments.items():
        raised = re.search(r"\(\+ ?(\d+) ?(?:pts|points)\)", segment)
        hn = next((i for i in all_indicators("hn") if i["code"] == code), None)
        if raised and hn is not None:
            assert hn["cible"] is not None, f"{code}: derivable HN target left empty"
            assert Decimal(hn["cible"]) == Decimal(hopen[code]["cible"]) - int(raised.group(1))
    for indicator in all_indicators("hn"):
        if indicator["cible"] is not None:
            segment = segments[indicator["code"]]
            assert re.search(r"\(\+ ?\d+ ?(?:pts|points)\)", segment), indicator["code"]
    # The three HN targets SPEC §2 states, derived above from [003 A1].
    by_code = {i["code"]: i["cible"] for i in all_indicators("hn")}
    assert (by_code["P1.1"], by_code["P1.3"], by_code["P3.4"]) == ("70", "70", "90")


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_quoted_sources_are_in_the_seeds(seeds, programme):
    data = load(programme)
    sourced = all_indicators(programme) + data["calendrier"]
    for item in sourced:
        cited = set(re.findall(r"\[(\d{3})", item["source"]))
        assert cited, f"{item['code']}: source cites no seed"
        for quote in quotes(item["source"]):
            assert any(normalise(quote) in seeds.text[number] for number in cited), (
                f"{item['code']}: «{quote}» not found in seed(s) {sorted(cited)}"
            )


@pytest.mark.parametrize(
    ("programme", "codes"),
    [
        ("hn", {"fin_depot", "atteinte_cibles"}),
        (
            "hopen",
            {
                "ouverture_ami", "fin_ami", "programmation_ars", "reponse_ars",
                "fin_candidatures_tardives", "prerequis_hopen", "atteinte_cibles",
            },
        ),
    ],
)  # fmt: skip
def test_calendar_dates_are_quoted_from_the_seeds(seeds, programme, codes):
    calendar = load(programme)["calendrier"]
    assert {entry["code"] for entry in calendar} == codes
    for entry in calendar:
        day = date.fromisoformat(entry["date"])
        month = MOIS[day.month - 1]
        found = [normalise(q) for q in quotes(entry["source"])]
        assert found, f"{entry['code']}: no quotation in its source"
        if entry["date_a_confirmer"]:
            # e.g. "de mi-février au 30 juin 2019": only the month and the year are published.
            assert any(month in q and str(day.year) in q for q in found), entry["code"]
            continue
        days = {str(day.day), f"{day.day:02d}"} | ({"1er"} if day.day == 1 else set())
        spellings = {f"{d} {month} {day.year}" for d in days} | {day.strftime("%d/%m/%Y")}
        assert any(s in q.lower() for s in spellings for q in found), (entry["code"], found)
