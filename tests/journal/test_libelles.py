"""Every journal action written anywhere in the code has its French label and sentence, and
every before/after field its label (hn.journal.libelles, filled by each app's ready())."""

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from hn.journal import libelles
from hn.journal.libelles import ACTIONS, euros, libelle_connu, texte_valeur

RACINE = Path(__file__).resolve().parents[2]
PAQUETS = ("hn", "dossiers", "enveloppes", "indicateurs", "audits")
# Functions writing a row, and the position of the action code among their arguments.
TRACEURS = {"tracer": 0, "tracer_dossier": 0, "_tracer": 0, "_ecrire": 0, "_trace": 0, "ev": 1}
# Calls with an ``action=`` that is not a journal action (argparse, threading, reads).
NON_TRACEURS = {"add_argument", "Barrier", "filter", "exclude", "get"}
# Parameters of the enveloppes' helpers that are not before/after fields.
PARAMETRES = {"acting_user", "dossier", "motif", "acteur", "objet", "etablissement", "region"}
PARAMETRES |= {"avant", "apres", "commentaire", "reserve_etablissement", "username", None}


def _fichiers():
    for paquet in PAQUETS:
        for chemin in sorted((RACINE / paquet).rglob("*.py")):
            if "migrations" not in chemin.parts:
                yield chemin, ast.parse(chemin.read_text(encoding="utf-8"))


def _nom(appel) -> str:
    f = appel.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _textes(noeud) -> list[str]:
    """The string constants an argument can be (``"a" if change else "b"`` included)."""
    if isinstance(noeud, ast.Constant) and isinstance(noeud.value, str):
        return [noeud.value]
    if isinstance(noeud, ast.IfExp):
        return _textes(noeud.body) + _textes(noeud.orelse)
    return []


def _cles(noeud) -> list[str]:
    if isinstance(noeud, ast.Dict):
        return [k.value for k in noeud.keys if isinstance(k, ast.Constant)]
    return []


def collecter():
    """(action codes, before/after keys, where each was found) read from the source."""
    codes, cles = {}, {}
    for chemin, arbre in _fichiers():
        lieu = str(chemin.relative_to(RACINE))
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.Call) and _nom(noeud) not in NON_TRACEURS:
                for mot in noeud.keywords:  # clore_le_dossier(..., action="...")
                    if mot.arg == "action":
                        for code in _textes(mot.value):
                            codes.setdefault(code, lieu)
            if isinstance(noeud, ast.Call) and _nom(noeud) in TRACEURS:
                rang = TRACEURS[_nom(noeud)]
                if len(noeud.args) > rang:
                    for code in _textes(noeud.args[rang]):
                        codes.setdefault(code, lieu)
                for mot in noeud.keywords:
                    if mot.arg in ("avant", "apres"):
                        for cle in _cles(mot.value):
                            cles.setdefault(cle, lieu)
                    elif _nom(noeud) in ("_ecrire", "_tracer") and mot.arg not in PARAMETRES:
                        cles.setdefault(mot.arg, lieu)
            elif isinstance(noeud, ast.FunctionDef):
                arguments = noeud.args.args + noeud.args.kwonlyargs
                defauts = noeud.args.defaults + noeud.args.kw_defaults
                for argument, defaut in zip(arguments[::-1], defauts[::-1], strict=False):
                    if argument.arg == "action" and defaut is not None:
                        for code in _textes(defaut):
                            codes.setdefault(code, lieu)
                if noeud.name == "_description":  # the attachments' before/after images
                    for retour in ast.walk(noeud):
                        if isinstance(retour, ast.Return):
                            for cle in _cles(retour.value):
                                cles.setdefault(cle, lieu)
            elif isinstance(noeud, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("avant", "apres") for t in noeud.targets
            ):
                for cle in _cles(noeud.value):
                    cles.setdefault(cle, lieu)
    return codes, cles


def test_the_scan_finds_the_actions_of_every_layer():
    """The scan itself must see the actions it is meant to check (a wrapper renamed would
    otherwise make the test below vacuous)."""
    codes, cles = collecter()
    for attendu in (
        "connexion",  # hn.journal.signals
        "role_attribue",  # hn.comptes
        "referentiel_cree",  # hn.referentiel.admin (a conditional expression)
        "dossier_depose",  # dossiers.actions
        "dossier_clos",  # a parameter's default (clore_le_dossier)
        "dossier_clos_fin_programme",  # an ``action=`` keyword
        "piece_infectee",  # dossiers.analyse's own helper
        "enveloppe_amorcage_decide",  # enveloppes' _ecrire
        "rapport_suivi_depose",  # indicateurs
        "dossier_demande_annulee",  # the bench's generated rows
        "connexion_bloquee",  # hn.comptes.verrouillage's _trace
    ):
        assert attendu in codes, attendu
    assert len(codes) >= 50
    for attendu in ("etat", "echeance_decision", "taux_derogation", "avance", "type_mime"):
        assert attendu in cles, attendu


def test_every_action_written_has_a_label_and_a_sentence():
    codes, _ = collecter()
    sans = {code: lieu for code, lieu in codes.items() if code not in ACTIONS}
    sans.pop("essai", None)  # the tests' own rows
    assert not sans, f"actions du journal sans libellé (hn.journal.libelles) : {sans}"
    for code in codes.keys() - {"essai"}:
        action = ACTIONS[code]
        assert action.libelle and action.libelle[0].isupper(), code
        assert "_" not in action.libelle and "_" not in action.phrase, code


def test_every_before_after_field_written_has_a_label():
    _, cles = collecter()
    sans = {cle: lieu for cle, lieu in cles.items() if not libelle_connu(cle)}
    assert not sans, f"champs du journal sans libellé (hn.journal.libelles) : {sans}"


def test_a_referentiel_row_names_the_fields_of_its_model():
    """The référentiel's administration traces any of its models' fields (``instantane``)."""
    assert libelle_connu("raison_sociale", objet_type="referentiel.etablissement")
    assert libelle_connu("inconnu_xyz", objet_type="referentiel.etablissement") == ""


@pytest.mark.parametrize(
    ("champ", "valeur", "attendu"),
    [
        ("cout", Decimal("68571"), "68\u00a0571\u00a0€"),
        ("cout", "68571.00", "68\u00a0571\u00a0€"),
        ("cout", "1234.5", "1\u00a0234,50\u00a0€"),
        ("montant", "68 571", "68\u00a0571\u00a0€"),
        ("echeance_decision", "2026-05-12", "12/05/2026"),
        ("echeance_decision", dt.date(2026, 5, 12), "12/05/2026"),
        ("supprimee_le", "2026-05-12T08:30:00Z", "12/05/2026 10:30"),
        ("mutualise", True, "Oui"),
        ("mutualise", False, "Non"),
        ("etat", "en_saisie", "En cours de saisie"),
        ("domaines", ["D1", "D2"], "D1, D2"),
        ("valeur", "95.00", "95"),
        ("valeur", "12.50", "12,5"),
        ("nom", None, "—"),
        ("nom", "", "—"),
    ],
)
def test_values_in_french(champ, valeur, attendu):
    assert texte_valeur(champ, valeur) == attendu


def test_a_dict_value_is_never_its_repr():
    texte = texte_valeur("inconnu", {"etat": "depose", "motif": "autre"})
    assert texte == "État : Déposé ; Motif : autre"
    assert "{" not in texte and "'" not in texte


def test_euros_never_breaks():
    assert euros(68571) == "68\u00a0571\u00a0€"
    assert " " not in euros(1234567)
    assert libelles.texte_valeur("montant", Decimal("1234567.5")) == "1\u00a0234\u00a0567,50\u00a0€"
