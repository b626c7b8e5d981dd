"""The load test's driver (bench/charge.py): against a fake server it counts every answer other
than the expected one as an error and fails the run on an error or a p95 over its budget;
against the application (live server, a small bench data set) three users of each kind log in
through the login page and walk their journeys without an error."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest

from bench import rapport
from bench.charge import CHAUFFE, ENVOI, Charge, verdict
from bench.generer import Tailles, generer_jeu
from bench.parcours import Compte, Etape, preparer, restaurer_mots_de_passe
from hn.comptes.models import User
from tests.factories import pilote_national

FORMULAIRE = (
    '<link rel="stylesheet" href="/static/style.css"><form method="post">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="jeton-csrf"></form>'
)


class FauxServeur(BaseHTTPRequestHandler):
    """A login page with a CSRF token, a session cookie once the right password is posted,
    ``/boom/`` answering 500, ``/perdu/`` sending back to the login page, ``/lent/`` taking
    60 ms."""

    def _repondre(self, statut, corps=b"ok", entetes=()):
        self.send_response(statut)
        for nom, valeur in entetes:
            self.send_header(nom, valeur)
        self.send_header("Content-Length", str(len(corps)))
        self.end_headers()
        self.wfile.write(corps)

    def do_GET(self):
        if self.path == "/connexion/":
            self._repondre(
                200, FORMULAIRE.encode(), [("Set-Cookie", "csrftoken=jeton-csrf; Path=/")]
            )
        elif self.path.startswith("/static/"):
            self._repondre(200, b"body {}")
        elif self.path == "/boom/":
            self._repondre(500, b"erreur")
        elif self.path == "/perdu/":  # a session the server no longer knows
            self._repondre(302, entetes=[("Location", "/connexion/?next=/perdu/")])
        elif "sessionid=ouverte" not in self.headers.get("Cookie", ""):
            self._repondre(302, entetes=[("Location", "/connexion/?next=" + self.path)])
        elif self.path == "/lent/":
            time.sleep(0.06)
            self._repondre(200)
        else:
            self._repondre(200)

    def do_POST(self):
        corps = self.rfile.read(int(self.headers["Content-Length"])).decode()
        if "csrfmiddlewaretoken=jeton-csrf" in corps and "password=secret" in corps:
            self._repondre(
                302, entetes=[("Location", "/"), ("Set-Cookie", "sessionid=ouverte; Path=/")]
            )
        else:
            self._repondre(200, FORMULAIRE.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def faux_serveur():
    serveur = ThreadingHTTPServer(("127.0.0.1", 0), FauxServeur)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    yield f"http://127.0.0.1:{serveur.server_port}"
    serveur.shutdown()
    serveur.server_close()


def _executer(base, parcours, *, mot_de_passe="secret", utilisateurs=3, duree=1.0):
    comptes = [Compte(f"u{i}", "ES", parcours) for i in range(utilisateurs)]
    charge = Charge(base, comptes, mot_de_passe, duree=duree, pause=(0.02, 0.05), montee=100)
    return {ligne.nom: ligne for ligne in charge.executer()}, charge


def test_a_healthy_run_passes(faux_serveur):
    lignes, charge = _executer(faux_serveur, [Etape("Accueil", "/", 1_000)])

    assert charge.connectes == 3
    assert lignes[ENVOI].n == 3 and lignes["Feuille de style (whitenoise)"].n == 3
    assert lignes[CHAUFFE].n == 3  # the journey once per user, outside the measured rows
    assert lignes["Accueil"].n >= 6 and lignes["Accueil"].erreurs == 0
    assert lignes["Accueil"].ok is True
    assert verdict(list(lignes.values()))


def test_a_page_answering_500_is_counted_and_fails_the_run(faux_serveur):
    parcours = [Etape("Accueil", "/", 1_000), Etape("Page en erreur", "/boom/", 1_000)]
    lignes, _ = _executer(faux_serveur, parcours)

    boom = lignes["Page en erreur"]
    assert boom.n >= 3 and boom.erreurs == boom.n
    assert boom.exemples == ["500 sur GET /boom/"]
    assert lignes[CHAUFFE].erreurs == 3  # the warm-up's errors count too
    assert lignes["Accueil"].erreurs == 0
    assert boom.ok is False and not verdict(list(lignes.values()))


def test_a_redirect_instead_of_the_page_is_an_error(faux_serveur):
    """A page answering 302 (a lost session sent back to the login page) is not a success."""
    lignes, _ = _executer(faux_serveur, [Etape("Page perdue", "/perdu/", 1_000)])

    assert lignes["Page perdue"].erreurs == lignes["Page perdue"].n > 0
    assert lignes["Page perdue"].exemples == ["302 sur GET /perdu/"]
    assert not verdict(list(lignes.values()))


def test_a_p95_over_its_budget_fails_the_run_without_error(faux_serveur):
    lignes, _ = _executer(faux_serveur, [Etape("Page lente", "/lent/", 20)])

    lente = lignes["Page lente"]
    assert lente.erreurs == 0 and lente.p95_ms > 20
    assert lente.ok is False and not verdict(list(lignes.values()))


def test_a_refused_login_is_an_error_and_nothing_is_measured(faux_serveur):
    lignes, charge = _executer(faux_serveur, [Etape("Accueil", "/", 1_000)], mot_de_passe="faux")

    assert charge.connectes == 0
    assert lignes[ENVOI].erreurs == 3
    assert lignes["Accueil"].n == 0 and lignes["Accueil"].ok is None
    assert not verdict(list(lignes.values()))


def test_the_report_section_is_replaced_and_the_rest_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(rapport, "RESULTATS", tmp_path)
    (tmp_path / "latest.md").write_text("# Banc\n\n## Mesures\n\nA\n\n## Charge\n\nancienne\n")
    (tmp_path / "latest.json").write_text('{"results": [1]}')
    ligne = {"nom": "Accueil", "phase": "mesure", "n": 4, "erreurs": 1, "p50_ms": 10.0,
             "p95_ms": 12.0, "max_ms": 13.0, "budget_ms": 150, "exemples": ["500 sur GET /"],
             "ok": False}  # fmt: skip
    contexte = {"mesure_le": "2026-12-05", "machine": "2 cœurs", "base": "hn_test",
                "jeu_genere_le": "2026-12-05", "utilisateurs": {"ES": 1, "ARS": 1, "DGOS": 1},
                "connectes": 3, "duree_s": 5.0, "pause_s": [1.0, 2.0], "gunicorn": "2 × 4",
                "reglages": "test", "requetes": 4, "requetes_par_s": 0.8,
                "charge_avant": [1, 1, 1], "charge_apres": [1, 1, 1]}  # fmt: skip

    rapport.ecrire_charge([ligne], contexte, False)

    texte = (tmp_path / "latest.md").read_text()
    assert "## Mesures\n\nA" in texte and "ancienne" not in texte
    assert texte.count("## Charge") == 1
    assert "| Accueil | mesure | 4 | 1 | 10.0 | 12.0 | 13.0 | 150 | ❌ 500 sur GET / |" in texte
    assert "❌ erreurs ou p95 hors budget" in texte
    data = (tmp_path / "latest.json").read_text()
    assert '"results": [\n    1\n  ]' in data and '"ok": false' in data


@pytest.mark.django_db(transaction=True)
def test_three_users_walk_their_journeys_on_the_application(referentiel, live_server, settings):
    settings.MFA_OBLIGATOIRE = False  # agents without a second factor (as bench.charge sets)
    generer_jeu(Tailles(etablissements=40, dossiers=60, demandes_en_attente=6, graine=7),
                sortie=StringIO())  # fmt: skip
    pilote_national(username="dgos")
    comptes, mot_de_passe, originaux = preparer({"ES": 1, "ARS": 1, "DGOS": 1})
    try:
        charge = Charge(
            live_server.url, comptes, mot_de_passe, duree=5, pause=(0.1, 0.3), montee=20
        )
        lignes = charge.executer()
    finally:
        restaurer_mots_de_passe(originaux)

    assert [c.profil for c in comptes] == ["ES", "ARS", "DGOS"]
    assert charge.connectes == 3
    erreurs = {ligne.nom: ligne.exemples for ligne in lignes if ligne.erreurs}
    assert erreurs == {}
    chauffe = next(ligne for ligne in lignes if ligne.nom == CHAUFFE)
    assert chauffe.n == sum(len(c.parcours) for c in comptes)  # every step at least once
    mesurees = {ligne.nom for ligne in lignes if ligne.phase == "mesure" and ligne.n}
    assert {"Accueil (ES)", "Accueil (ARS)", "Accueil (national)"} <= mesurees
    noms = {e.nom for c in comptes for e in c.parcours}
    assert "API saisie PATCH dossier (ES)" in noms and "Enveloppes (national)" in noms
    # The accounts' passwords are put back: the run's password no longer opens them.
    assert not any(
        u.check_password(mot_de_passe)
        for u in User.objects.filter(username__in=[c.username for c in comptes])
    )
