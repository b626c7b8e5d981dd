"""The bench's report: ``bench/results/latest.json`` and ``latest.md`` (the previous run
becoming ``previous.*``), with each p50 compared with the previous run's (``bench.ecarts``).
Plain Python over the measures of ``bench.mesurer`` (no Django)."""

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from bench import ecarts

RESULTATS = Path(__file__).resolve().parent / "results"
ICONE = {True: "✅", False: "❌", None: ""}


def _execution_precedente() -> dict:
    """The previous run's ``latest.json`` (before this run replaces it), or ``{}``."""
    chemin = RESULTATS / "latest.json"
    if not chemin.exists():
        return {}
    try:
        return json.loads(chemin.read_text())
    except ValueError:
        return {}


def precedents() -> dict:
    """The previous run's results by measure name."""
    return {r["name"]: r for r in _execution_precedente().get("results", [])}


def _fmt(v):
    return "—" if v is None else (f"{v:,.1f}".replace(",", " ") if isinstance(v, float) else str(v))


# The layout alone, as each user sees it: the "page not found" page, signed in (session, user,
# role attributions, unread notifications, header and menu, no figure).
PAGE_VIDE = {
    "ars_valideur": "Gabarit seul (page introuvable, ARS)",
    "dgos": "Gabarit seul (page introuvable, national)",
}


def ratios_nets(banc) -> dict:
    """Each dashboard's ratio net of what every page pays whatever its figures (session, user,
    role attributions, notifications, layout): (page p50 − p50 of the same user's
    ``PAGE_VIDE``) / p50 of the best SQL query. The raw ratio stays in ``ratio_sql``."""
    noms = set(PAGE_VIDE.values())
    vides = {r.utilisateur: r.p50_ms for r in banc.resultats if r.name in noms and r.p50_ms}
    for r in banc.resultats:
        sql_p50, vide = r.extra.get("sql_p50_ms"), vides.get(r.utilisateur)
        if sql_p50 and r.p50_ms is not None and vide is not None:
            r.extra["page_vide_p50_ms"] = vide
            r.extra["ratio_net"] = round(max(r.p50_ms - vide, 0) / sql_p50, 1)
    return vides


def ecrire(banc, datasets: dict, contexte: dict, *, ratio_tableau: float) -> list:
    """Writes ``latest.json`` and ``latest.md`` (the previous ones becoming ``previous.*``);
    returns the measures whose p50 moved by more than ``ecarts.SEUIL`` (``ecarts.Ecart``)."""
    RESULTATS.mkdir(exist_ok=True)
    vides = ratios_nets(banc)
    precedente = _execution_precedente()
    par_nom = {r["name"]: r for r in precedente.get("results", [])}
    for nom in ("latest.json", "latest.md"):
        if (RESULTATS / nom).exists():
            shutil.move(RESULTATS / nom, RESULTATS / nom.replace("latest", "previous"))
    resultats = [_resultat_json(r, par_nom) for r in banc.resultats]
    trouves = ecarts.ecarts(resultats, par_nom)
    data = {**contexte, "seuil_ecart_p50": ecarts.SEUIL, "datasets": datasets, "results": resultats}
    (RESULTATS / "latest.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    lignes = [
        *_entete(contexte, datasets),
        *(_ligne(r, par_nom.get(r.name, {})) for r in banc.resultats),
        *_pied(banc, vides, ratio_tableau),
        *ecarts.section(trouves, precedente.get("mesure_le")),
    ]
    (RESULTATS / "latest.md").write_text("\n".join(lignes))
    return trouves


def _resultat_json(r, par_nom: dict) -> dict:
    ecart = ecarts.ecart(r.p50_ms, par_nom.get(r.name, {}).get("p50_ms"))
    return {
        **{k: v for k, v in asdict(r).items() if k != "extra"},
        **r.extra,
        "ok": r.respecte,
        "ecart_p50": None if ecart is None else round(ecart, 3),
    }


def _entete(contexte: dict, datasets: dict) -> list[str]:
    return [
        "# Banc d'essai — résultats",
        "",
        f"Mesuré le {contexte['mesure_le']} sur {contexte['machine']} ; jeu généré le "
        f"{contexte['jeu']['genere_le']} en {contexte['jeu']['duree_s']} s. "
        f"{contexte['methode']} Charge de la machine (load average 1/5/15 min) au début "
        f"{contexte['charge_au_debut']}, à la fin {contexte['charge_a_la_fin']}.",
        "",
        "## Jeu de données",
        "",
        "| table | lignes |",
        "|---|---:|",
        *(f"| `{t}` | {n:,} |".replace(",", " ") for t, n in datasets.items()),
        "",
        "## Mesures",
        "",
        "| mesure | utilisateur | n | p50 (ms) | p95 (ms) | max (ms) | requêtes SQL | lignes "
        "| budget p95 (ms) | p95 | ratio SQL brut | ratio net | ratio ≤ 2 | p50 précédent (ms) "
        f"| écart p50 (⚠ > {ecarts.SEUIL * 100:.0f} %) | p95 précédent (ms) | charge avant |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|",
    ]


def _ligne(r, precedent: dict) -> str:
    """One measure's row of ``latest.md``."""
    ratio = r.extra.get("ratio_sql")
    net = r.extra.get("ratio_net")
    nom = r.name + (f" — {r.note}" if r.note and r.p95_ms is not None else "")
    if r.p95_ms is None:
        nom = f"{r.name} — {r.note}"
    ecart = ecarts.ecart(r.p50_ms, precedent.get("p50_ms"))
    ecart_md = ecarts.en_pourcent(ecart) + (" ⚠" if ecarts.signale(ecart) else "")
    charge = "" if not r.charge_avant else f"{r.charge_avant[0]:.2f}"
    return (
        f"| {nom.replace('|', '/')} | {r.utilisateur} | {r.n} | {_fmt(r.p50_ms)} | "
        f"{_fmt(r.p95_ms)} | {_fmt(r.max_ms)} | {_fmt(r.queries)} | {_fmt(r.rows)} | "
        f"{_fmt(r.budget_ms)} | {ICONE[r.dans_budget]} | "
        f"{'' if ratio is None else f'{ratio:.1f}'} | {'' if net is None else f'{net:.1f}'} | "
        f"{ICONE[r.ratio_ok]} | {_fmt(precedent.get('p50_ms'))} | {ecart_md} | "
        f"{_fmt(precedent.get('p95_ms'))} | {charge} |"
    )


def _pied(banc, vides: dict, ratio_tableau: float) -> list[str]:
    rates = [r for r in banc.resultats if r.respecte is False]
    return [
        "",
        f"{len(rates)} mesure(s) hors budget sur "
        f"{sum(1 for r in banc.resultats if r.respecte is not None)}."
        + (
            " Ratio SQL brut : p50 de la page / p50 de la requête SQL unique qui calcule ses "
            "chiffres. Ratio net (celui du budget ≤ "
            f"{ratio_tableau:g}) : (p50 de la page − p50 du gabarit seul pour le même "
            "utilisateur, la page introuvable connectée"
            + "".join(f", {u} {v:.1f} ms" for u, v in vides.items())
            + ") / p50 de la requête. Les tableaux de bord sont mesurés cache chaud (le ticket : "
            "« warm caches ») et, pour information, cache vidé avant chaque requête. "
            "« précédent » : l'exécution précédente (`previous.*`). « charge avant » : load "
            "average sur 1 min juste avant la mesure (1, 5 et 15 min dans `latest.json`)."
        ),
        "",
    ]


# --- the load test (bench.charge) --------------------------------------------------------------

TITRE_CHARGE = "## Charge"


def ecrire_charge(lignes: list[dict], contexte: dict, ok: bool) -> Path:
    """The load test's rows in the bench report: the ``charge`` key of ``latest.json`` and the
    « Charge » section of ``latest.md``, both replaced when the load test runs again (``make
    charge`` alone) and created when the per-view measures never ran. Returns ``latest.md``."""
    RESULTATS.mkdir(exist_ok=True)
    data = _execution_precedente()
    data["charge"] = {**contexte, "ok": ok, "pages": lignes}
    (RESULTATS / "latest.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    chemin = RESULTATS / "latest.md"
    texte = chemin.read_text() if chemin.exists() else "# Banc d'essai — résultats\n"
    if TITRE_CHARGE in texte:  # the previous load test's section, up to the next section
        debut = texte.index(TITRE_CHARGE)
        suite = texte.find("\n## ", debut + len(TITRE_CHARGE))
        texte = texte[:debut] + (texte[suite + 1 :] if suite >= 0 else "")
    chemin.write_text(texte.rstrip("\n") + "\n\n" + "\n".join(section_charge(lignes, contexte, ok)))
    return chemin


def _cpu(contexte: dict) -> str:
    if contexte.get("cpu_ms_par_requete") is None:
        return ""
    return (
        f", {contexte['cpu_serveur_s']} s de processeur de gunicorn sur la période, soit "
        f"{contexte['cpu_ms_par_requete']} ms par requête"
        + (
            ""
            if contexte.get("cpu_postgres_s") is None
            else f", et {contexte['cpu_postgres_s']} s de PostgreSQL (ses connexions à la base), "
            f"{contexte['cpu_postgres_ms_par_requete']} ms par requête"
        )
    )


def _journal_serveur(journal: dict | None) -> str:
    if not journal:
        return ""
    return (
        f" Journal de gunicorn : {journal['erreurs_500']} erreur(s) 500, "
        f"{journal['workers_expires']} worker(s) arrêté(s) pour dépassement de délai."
    )


def section_charge(lignes: list[dict], contexte: dict, ok: bool) -> list[str]:
    """The « Charge » section of ``latest.md``."""
    u = contexte["utilisateurs"]
    return [
        TITRE_CHARGE,
        "",
        f"Mesuré le {contexte['mesure_le']} ({contexte['machine']}, base "
        f"`{contexte['base']}`, jeu généré le {contexte['jeu_genere_le']}) : "
        f"{sum(u.values())} utilisateurs simultanés ({u.get('ES', 0)} ES, {u.get('ARS', 0)} ARS, "
        f"{u.get('DGOS', 0)} DGOS ; {contexte['connectes']} connectés) pendant "
        f"{contexte['duree_s']:g} s, pauses de {contexte['pause_s'][0]:g} à "
        f"{contexte['pause_s'][1]:g} s entre deux requêtes, gunicorn {contexte['gunicorn']}, "
        f"{contexte['reglages']}. {contexte['requetes']} requêtes mesurées "
        f"({contexte['requetes_par_s']}/s)"
        + _cpu(contexte)
        + ". Charge de la machine (load average 1/5/15 min) "
        f"avant {contexte['charge_avant']}, après {contexte['charge_apres']}. Les lignes "
        "« connexion » (formulaire, feuille de style, mot de passe vérifié) précèdent la période "
        "mesurée : leurs erreurs comptent, sans budget."
        + _journal_serveur(contexte.get("journal_serveur")),
        "",
        "| page | phase | n | erreurs | p50 (ms) | p95 (ms) | max (ms) | budget p95 (ms) "
        "| verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
        *(
            f"| {ligne['nom'].replace('|', '/')} | {ligne['phase']} | {ligne['n']} | "
            f"{ligne['erreurs']} | {_fmt(ligne['p50_ms'])} | {_fmt(ligne['p95_ms'])} | "
            f"{_fmt(ligne['max_ms'])} | {_fmt(ligne['budget_ms'])} | {ICONE[ligne['ok']]}"
            + "".join(f" {e}" for e in ligne["exemples"]).replace("|", "/")
            + " |"
            for ligne in lignes
        ),
        "",
        "Verdict : "
        + (
            "✅ aucune erreur, tous les p95 dans leur budget."
            if ok
            else "❌ erreurs ou p95 hors budget."
        ),
        "",
    ]
