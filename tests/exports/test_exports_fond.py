"""Background exports (issue 16, hn.taches.exports): the list's file produced out of the
request, its progress, its page and download open to its requester only, under the scope they
asked with. (Through a real Redis and Celery worker: test_exports_fond_worker.py.)"""

import csv
import datetime as dt
import io
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hn.comptes.models import Attribution
from hn.comptes.scopes import oublier
from hn.notifications.models import Notification
from hn.taches import exports
from hn.taches.models import Export, StatutExport
from tests import factories as f
from tests.dossiers_factories import en_saisie
from tests.exports_outils import en_texte, lignes_csv, lignes_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers():
    valideur = f.ars_valideur("84")
    ici = [en_saisie(f.EtablissementFactory(), valideur=valideur) for _ in range(5)]
    ailleurs = en_saisie(f.EtablissementFactory(ile_de_france=True))
    return ici, ailleurs


def _fichier(export) -> bytes:
    with export.fichier.open("rb") as fichier:
        return fichier.read()


def _demander(user, **filtres):
    params = {k: [v] for k, v in filtres.items()}
    params.setdefault("format", ["csv"])
    return exports.demander(user, "dossiers", params)


# --- the producer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_the_background_file_holds_the_synchronous_files_rows(client, dossiers, format_):
    lecteur = f.ars_lecteur("84")
    client.force_login(lecteur)
    synchrone = client.get(reverse("dossiers:liste"), {"format": format_, "tri": "nom"})
    export = _demander(lecteur, format=format_, tri="nom")
    export = exports.produire(export.pk)
    assert export.statut == StatutExport.PRET
    assert export.nom_fichier == synchrone["Content-Disposition"].split('"')[1]
    contenu = _fichier(export)
    if format_ == "csv":
        assert contenu == synchrone.content  # the same bytes: BOM, ";", dates, labels
        lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
        assert len(lignes) == 1 + 5  # the scope only: not the other région's dossier
    else:
        ws = load_workbook(io.BytesIO(contenu)).active
        fond = [[en_texte(c.value) for c in ligne] for ligne in ws.iter_rows()]
        assert fond == [[en_texte(v) for v in ligne] for ligne in lignes_xlsx(synchrone)]
        assert ws.freeze_panes == "A2" and ws.cell(1, 1).font.b


def test_progress_reaches_the_total_and_is_written_in_steps(dossiers, monkeypatch):
    monkeypatch.setattr(exports, "PAS_LIGNES", 2)
    monkeypatch.setattr(exports, "PAS_SECONDES", 3600)
    vus = []
    original = exports.Avancement.__call__

    def espion(self, faites, total, **kw):
        original(self, faites, total, **kw)
        vus.append((faites, total, self.ecritures))

    monkeypatch.setattr(exports.Avancement, "__call__", espion)
    export = exports.produire(_demander(f.pilote_national()).pk)
    assert (export.faites, export.total, export.pourcentage) == (6, 6, 100)
    assert vus[-1][:2] == (6, 6)
    assert vus[-1][2] < len(vus)  # throttled: not one write per row
    assert [t for _f, t, _e in vus] == [6] * len(vus)


def test_the_requester_is_notified_with_the_link(dossiers):
    lecteur = f.ars_lecteur("84")
    export = exports.produire(_demander(lecteur).pk)
    notification = Notification.objects.get(destinataire=lecteur)
    assert notification.titre == "Export prêt : Liste des dossiers"
    assert notification.lien == f"/exports/{export.pk}/"


def test_a_crash_sets_the_export_failed_with_a_french_message(dossiers, monkeypatch):
    def casse(user, params, avancer):
        raise RuntimeError("disque plein")

    prod = exports.PRODUCTEURS["dossiers"]
    monkeypatch.setitem(
        exports.PRODUCTEURS, "dossiers", exports.Producteur(**{**prod.__dict__, "produire": casse})
    )
    lecteur = f.ars_lecteur("84")
    export = exports.produire(_demander(lecteur).pk)
    assert export.statut == StatutExport.ECHEC
    assert export.erreur == exports.MSG_ECHEC and not export.fichier
    assert not Notification.objects.filter(destinataire=lecteur).exists()
    # Taken once only: a second call finds nothing to do.
    assert exports.produire(export.pk) is None


def test_a_scope_changed_before_the_run_is_not_produced(dossiers):
    lecteur = f.ars_lecteur("84")
    export = _demander(lecteur)
    Attribution.objects.filter(user=lecteur).update(region=f.region("11"))
    export = exports.produire(export.pk)
    assert (export.statut, export.erreur) == (StatutExport.ECHEC, exports.MSG_PERIMETRE)


# --- the list page's buttons and the request ------------------------------------------------------


def test_below_the_threshold_the_list_keeps_its_synchronous_links(client, dossiers):
    client.force_login(f.ars_lecteur("84"))
    html = client.get(reverse("dossiers:liste")).content.decode()
    assert 'format=csv" download' in html and "exports/demander" not in html
    assert lignes_csv(client.get(reverse("dossiers:liste"), {"format": "csv"}))


def test_above_the_threshold_the_list_posts_a_background_export(client, dossiers, settings):
    settings.EXPORTS_SEUIL = 3
    lecteur = f.ars_lecteur("84")
    client.force_login(lecteur)
    html = client.get(reverse("dossiers:liste"), {"etat": "en_saisie"}).content.decode()
    assert 'action="/exports/demander/"' in html and 'format=csv" download' not in html
    assert 'name="f_etat" value="en_saisie"' in html
    # A file link (GET) creates nothing: a page with the buttons.
    page = client.get(reverse("dossiers:liste"), {"format": "csv"})
    assert page.status_code == 200 and b"exports/demander" in page.content
    assert not Export.objects.exists()

    reponse = client.post(
        reverse("exports:demander"),
        {"producteur": "dossiers", "format": "xlsx", "f_etat": "en_saisie", "f_tri": "nom"},
    )
    export = Export.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == f"/exports/{export.pk}/"
    assert export.parametres == {"etat": ["en_saisie"], "tri": ["nom"], "format": ["xlsx"]}
    assert export.statut == StatutExport.EN_ATTENTE  # not produced in the request (eager)
    assert export.demandeur == lecteur and export.signature == exports.signature(lecteur)

    detail = client.get(f"/exports/{export.pk}/").content.decode()
    assert '<progress id="export-progression"' in detail and 'aria-live="polite"' in detail
    assert "Actualiser" in detail and "hn/export.js" in detail
    assert client.get(f"/exports/{export.pk}/etat/").json()["statut"] == "en_attente"

    call_command("planificateur", "--une-fois", stdout=StringIO())  # the embedded scheduler
    etat = client.get(f"/exports/{export.pk}/etat/").json()
    assert (etat["statut"], etat["pourcentage"], etat["total"]) == ("pret", 100, 5)
    assert etat["fichier"] == f"/exports/{export.pk}/fichier/"
    fichier = client.get(etat["fichier"])
    assert fichier.status_code == 200
    assert fichier["Content-Disposition"].startswith('attachment; filename="dossiers-')
    ws = load_workbook(io.BytesIO(b"".join(fichier.streaming_content))).active
    assert ws.max_row == 6
    assert "Télécharger" in client.get("/exports/").content.decode()


def test_bad_requests_change_nothing(client, dossiers):
    client.force_login(f.es_lecteur(dossiers[0][0].etablissement))
    for donnees in ({}, {"producteur": "inconnu", "format": "csv"}, {"producteur": "dossiers"}):
        reponse = client.post(reverse("exports:demander"), donnees)
        assert reponse.status_code == 302 and reponse["Location"] == "/exports/"
    # The pré-candidatures list is not open to an établissement.
    reponse = client.post(
        reverse("exports:demander"), {"producteur": "precandidatures", "format": "csv"}
    )
    assert reponse.status_code == 403
    assert not Export.objects.exists()


def test_the_planificateur_takes_pending_exports_oldest_first(dossiers):
    lecteur = f.ars_lecteur("84")
    premier, second = _demander(lecteur), _demander(lecteur, format="xlsx")
    assert exports.traiter_en_attente(limite=1) == 1
    premier.refresh_from_db(), second.refresh_from_db()
    assert (premier.statut, second.statut) == (StatutExport.PRET, StatutExport.EN_ATTENTE)
    out = StringIO()
    call_command("planificateur", "--une-fois", stdout=out)
    second.refresh_from_db()
    assert second.statut == StatutExport.PRET
    assert "exports : 1 traité(s)" in out.getvalue()


# --- who may open it ------------------------------------------------------------------------------


URLS = ("exports:detail", "exports:etat", "exports:fichier")


@pytest.fixture
def pret(dossiers):
    lecteur = f.ars_lecteur("84")
    return lecteur, exports.produire(_demander(lecteur).pk)


def test_the_requester_opens_it(client, pret):
    lecteur, export = pret
    client.force_login(lecteur)
    for nom in URLS:
        reponse = client.get(reverse(nom, kwargs={"pk": export.pk}))
        if reponse.streaming:  # read, so that the test client closes the file
            b"".join(reponse.streaming_content)
        assert reponse.status_code == 200, nom


@pytest.mark.parametrize(
    "autre",
    [
        lambda: f.ars_lecteur("84"),  # the same scope, another person
        lambda: f.pilote_national(),  # a wider scope
        lambda: f.ars_lecteur("11"),  # another scope
    ],
)
def test_anyone_else_gets_a_404(client, pret, autre):
    _lecteur, export = pret
    client.force_login(autre())
    for nom in URLS:
        assert client.get(reverse(nom, kwargs={"pk": export.pk})).status_code == 404, nom
    assert str(export.pk) not in client.get("/exports/").content.decode()


def test_the_requester_whose_scope_changed_gets_a_404(client, pret):
    lecteur, export = pret
    Attribution.objects.filter(user=lecteur).update(region=f.region("11"))
    oublier(lecteur)
    client.force_login(lecteur)
    for nom in URLS:
        assert client.get(reverse(nom, kwargs={"pk": export.pk})).status_code == 404, nom
    assert client.get(reverse("exports:detail", kwargs={"pk": uuid.uuid4()})).status_code == 404


def test_the_sweep_deletes_exports_after_seven_days(pret):
    _lecteur, export = pret
    nom = export.fichier.name
    storage = export.fichier.storage
    assert storage.exists(nom)
    Export.objects.filter(pk=export.pk).update(cree_le=timezone.now() - dt.timedelta(days=8))
    assert exports.purger() == 1
    assert not Export.objects.exists() and not storage.exists(nom)
