"""The bench's drift flag (bench/ecarts.py): a p50 moving by more than 20 % against the previous
run, either way, is flagged with the load average before both measures."""

import pytest

from bench import ecarts


def ligne(nom, p50, charge=None):
    return {"name": nom, "p50_ms": p50, "charge_avant": charge}


@pytest.mark.parametrize(
    ("p50", "precedent", "attendu"),
    [(84.6, 46.6, 0.8155), (23.0, 46.0, -0.5), (50.0, 50.0, 0.0), (None, 10.0, None),
     (10.0, None, None), (10.0, 0.0, None)],
)  # fmt: skip
def test_ecart_relatif_au_precedent(p50, precedent, attendu):
    assert ecarts.ecart(p50, precedent) == pytest.approx(attendu, abs=1e-4)


@pytest.mark.parametrize(
    ("valeur", "signale"),
    [(0.20, False), (0.2001, True), (-0.20, False), (-0.2001, True), (0.0, False), (None, False)],
)
def test_seuil_de_20_pourcent_dans_les_deux_sens(valeur, signale):
    assert ecarts.signale(valeur) is signale


def test_ecarts_signale_les_mesures_deplacees_les_plus_grandes_d_abord():
    precedents = {
        "Instruction": ligne("Instruction", 46.6, [0.0, 0.0, 0.0]),
        "Accueil ARS": ligne("Accueil ARS", 6.5),  # older results: no load recorded
        "Liste": ligne("Liste", 31.6),
        "Débit": ligne("Débit", 196.8),
        "Échec": ligne("Échec", 12.0),
    }
    resultats = [
        ligne("Instruction", 84.6, [2.05, 1.5, 1.48]),
        ligne("Accueil ARS", 13.9, [0.56, 1.11, 1.43]),
        ligne("Liste", 35.0),  # +10.8 %: not flagged
        ligne("Débit", 103.1),  # −47.6 %: faster, flagged too
        ligne("Échec", None),  # failed measure: nothing to compare
        ligne("Nouvelle", 9.0),  # no previous measure
    ]
    trouves = ecarts.ecarts(resultats, precedents)
    assert [e.nom for e in trouves] == ["Accueil ARS", "Instruction", "Débit"]
    accueil, instruction, debit = trouves
    assert accueil.ecart == pytest.approx(1.1385, abs=1e-4)
    assert (accueil.charge, accueil.charge_precedente) == ([0.56, 1.11, 1.43], None)
    assert (instruction.charge, instruction.charge_precedente) == ([2.05, 1.5, 1.48], [0, 0, 0])
    assert debit.ecart < 0


def test_section_markdown():
    trouves = ecarts.ecarts(
        [ligne("Instruction | déposé", 84.6, [2.05, 1.5, 1.48])],
        {"Instruction | déposé": ligne("Instruction | déposé", 46.6, [0.0, 0.0, 0.0])},
    )
    lignes = ecarts.section(trouves, "2026-11-23T17:27:08+01:00")
    assert lignes[0] == "## Écarts > 20 % du p50"
    assert "2026-11-23T17:27:08+01:00" in lignes[2]
    assert lignes[-2] == "| Instruction / déposé | 46.6 | 84.6 | +82 % | 0.00 | 2.05 |"
    assert ecarts.section([], "2026-11-23")[-2] == "Aucun."
    assert ecarts.section([], None)[-2] == "Pas d'exécution précédente : rien à comparer."


def test_resume_console():
    trouves = ecarts.ecarts([ligne("Accueil ARS", 5.0)], {"Accueil ARS": ligne("Accueil", 6.5)})
    premiere, seconde = ecarts.resume(trouves)
    assert premiere.endswith("(1) :")
    assert "6.5 →" in seconde and "−23 %" in seconde and "charge — → —" in seconde
    assert ecarts.resume([]) == [
        "Écarts > 20 % du p50 par rapport à l'exécution précédente (0) : aucun"
    ]


def test_charge_est_le_load_average(monkeypatch):
    monkeypatch.setattr(ecarts.os, "getloadavg", lambda: (1.234, 0.5, 0.0))
    assert ecarts.charge() == [1.23, 0.5, 0.0]
