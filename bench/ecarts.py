"""Moves of the p50 against the previous run of the bench, and the load average before each
measure, so that a drift is flagged where it happens next to the load that may explain it.

Pure functions (no Django, no database, nothing at import time): ``bench.mesurer`` uses them
for its console lines, its summary and ``latest.md``; ``tests/bench/test_ecarts.py`` pins them.
"""

import os
from dataclasses import dataclass

# A p50 that moves by more than this share of the previous run's p50, either way, is flagged.
SEUIL = 0.20


def charge() -> list[float]:
    """The load average over 1, 5 and 15 minutes, now."""
    return [round(x, 2) for x in os.getloadavg()]


def ecart(p50: float | None, precedent: float | None) -> float | None:
    """The relative move of ``p50`` against the previous run's: (p50 − previous) / previous;
    None when either is missing or the previous p50 is zero."""
    if p50 is None or not precedent:
        return None
    return (p50 - precedent) / precedent


def signale(valeur: float | None, seuil: float = SEUIL) -> bool:
    """Whether a move (``ecart``) is beyond the threshold, faster or slower."""
    return valeur is not None and abs(valeur) > seuil


def en_pourcent(valeur: float | None) -> str:
    """``+35 %``, ``-22 %``, or an empty string."""
    return "" if valeur is None else f"{valeur * 100:+.0f} %".replace("-", "−")


@dataclass(frozen=True)
class Ecart:
    nom: str
    p50: float
    precedent: float
    ecart: float
    charge: list | None  # load average before this run's measure
    charge_precedente: list | None  # and before the previous run's (absent in older results)


def ecarts(resultats: list[dict], precedents: dict[str, dict], seuil: float = SEUIL) -> list:
    """The measures of ``resultats`` (rows of ``latest.json``: ``name``, ``p50_ms``,
    ``charge_avant``) whose p50 moved by more than ``seuil`` against the row of the same name
    in ``precedents``, largest moves first."""
    trouves = []
    for r in resultats:
        avant = precedents.get(r["name"], {})
        valeur = ecart(r.get("p50_ms"), avant.get("p50_ms"))
        if signale(valeur, seuil):
            trouves.append(
                Ecart(
                    r["name"], r["p50_ms"], avant["p50_ms"], valeur,
                    r.get("charge_avant"), avant.get("charge_avant"),
                )
            )  # fmt: skip
    return sorted(trouves, key=lambda e: -abs(e.ecart))


def _charge_1min(valeur: list | None) -> str:
    return "—" if not valeur else f"{valeur[0]:.2f}"


def section(trouves: list, precedent_le: str | None, seuil: float = SEUIL) -> list[str]:
    """The Markdown section of ``latest.md`` listing the flagged moves."""
    titre = f"## Écarts > {seuil * 100:.0f} % du p50"
    if precedent_le is None:
        return [titre, "", "Pas d'exécution précédente : rien à comparer.", ""]
    entete = (
        f"Par rapport à l'exécution précédente (`previous.*`, mesurée le {precedent_le}), "
        "dans un sens ou dans l'autre, avec la charge de la machine (load average sur 1 min) "
        "avant chaque mesure. La machine seule (autres processus, autre hôte : voir les étalons) "
        "peut doubler un p50 : avant de conclure à une régression, relancer les deux versions "
        "tour à tour avec `bench/ab/comparer.py` (`bench/ANALYSIS.md`, section 0c)."
    )
    if not trouves:
        return [titre, "", entete, "", "Aucun.", ""]
    return [
        titre,
        "",
        entete,
        "",
        "| mesure | p50 précédent (ms) | p50 (ms) | écart | charge avant, précédent | "
        "charge avant |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {e.nom.replace('|', '/')} | {e.precedent:.1f} | {e.p50:.1f} | "
            f"{en_pourcent(e.ecart)} | {_charge_1min(e.charge_precedente)} | "
            f"{_charge_1min(e.charge)} |"
            for e in trouves
        ),
        "",
    ]


def resume(trouves: list, seuil: float = SEUIL) -> list[str]:
    """The console lines of the flagged moves."""
    lignes = [f"Écarts > {seuil * 100:.0f} % du p50 par rapport à l'exécution précédente "
              f"({len(trouves)}) :" + ("" if trouves else " aucun")]  # fmt: skip
    lignes += [
        f"  {e.nom[:70]:<70} {e.precedent:>8.1f} → {e.p50:>8.1f} ms  {en_pourcent(e.ecart):>7}"
        f"  charge {_charge_1min(e.charge_precedente)} → {_charge_1min(e.charge)}"
        for e in trouves
    ]
    return lignes
