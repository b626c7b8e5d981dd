"""The code stays easy to change (issue 18): no source file over 600 lines nor function over
80 lines unless its first comment says why (``# Long: …``), and no multi-line ``{# #}``
template comment (Django prints those as text: use ``{% comment %}``)."""

import ast
import re
import tomllib
from pathlib import Path

from django.conf import settings

RACINE = Path(settings.BASE_DIR)
PAQUETS = ["hn", "dossiers", "enveloppes", "indicateurs", "audits", "bench"]
LIGNES_FICHIER = 600
LIGNES_FONCTION = 80
RAISON = re.compile(r"^\s*# Long: \S")


def _sources():
    for paquet in PAQUETS:
        for chemin in sorted((RACINE / paquet).rglob("*.py")):
            if "migrations" not in chemin.parts:
                yield chemin


def _justifie(lignes: list[str], debut: int) -> bool:
    """A ``# Long: reason`` comment among the first lines from ``debut`` (0-based)."""
    return any(RAISON.match(ligne) for ligne in lignes[debut : debut + 12])


def trop_longs(chemin: Path) -> list[str]:
    texte = chemin.read_text()
    lignes = texte.splitlines()
    nom = chemin.relative_to(RACINE)
    fautes = []
    if len(lignes) > LIGNES_FICHIER and not _justifie(lignes, 0):
        fautes.append(f"{nom}: {len(lignes)} lignes")
    for noeud in ast.walk(ast.parse(texte)):
        if isinstance(noeud, ast.FunctionDef | ast.AsyncFunctionDef):
            taille = noeud.end_lineno - noeud.lineno + 1
            if taille > LIGNES_FONCTION and not _justifie(lignes, noeud.lineno):
                fautes.append(f"{nom}:{noeud.lineno} {noeud.name}() {taille} lignes")
    return fautes


def test_no_file_or_function_too_long_without_a_reason():
    fautes = [faute for chemin in _sources() for faute in trop_longs(chemin)]
    assert not fautes, "sans « # Long: raison » :\n" + "\n".join(fautes)


def test_the_check_sees_a_long_function_and_its_reason(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_hygiene.RACINE", tmp_path)
    corps = "\n".join(f"    x{i} = {i}" for i in range(LIGNES_FONCTION))
    chemin = tmp_path / "module.py"
    chemin.write_text(f"def longue():\n{corps}\n")
    assert trop_longs(chemin) == [f"module.py:1 longue() {LIGNES_FONCTION + 1} lignes"]
    chemin.write_text(f"def longue():\n    # Long: one table, read top to bottom.\n{corps}\n")
    assert trop_longs(chemin) == []


def test_no_multiline_template_comment():
    fautes = [
        str(chemin.relative_to(RACINE))
        for chemin in sorted((RACINE / "templates").rglob("*.html"))
        if any("\n" in m for m in re.findall(r"\{#(.*?)#\}", chemin.read_text(), re.S))
    ]
    assert not fautes, f"commentaires {{# #}} sur plusieurs lignes : {fautes}"


def test_every_module_of_the_project_package_has_its_layer():
    """import-linter checks only the modules its contracts name: a new module of ``hn`` must
    be placed in the layers (wiring at the top, or the core at the bottom) to be checked."""
    contrats = tomllib.loads((RACINE / "pyproject.toml").read_text())["tool"]["importlinter"]
    couches = next(c for c in contrats["contracts"] if c["id"] == "layers")["layers"]
    places = {m.strip() for couche in couches for m in re.split(r"[:|]", couche)}
    modules = {
        f"hn.{chemin.stem if chemin.suffix == '.py' else chemin.name}"
        for chemin in (RACINE / "hn").iterdir()
        if (chemin.suffix == ".py" and chemin.stem != "__init__")
        or (chemin / "__init__.py").exists()
    }
    sous_modules = {m.rsplit(".", 1)[0] for m in places if m.count(".") == 2}
    manquants = sorted(m for m in modules - places - sous_modules)
    assert not manquants, f"modules de hn absents des couches (pyproject.toml) : {manquants}"
