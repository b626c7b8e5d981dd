"""The journal and the dossier history in French: sentences, state labels, labelled
before/after rows (never a dict's repr), the journal's filters, the files of both pages
(same rows, same columns, same scope) and a query count that does not grow with the rows."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from dossiers import actions
from dossiers.enums import DecisionDomaine
from dossiers.saisie import enregistrer_saisie
from hn.dates import PARIS
from hn.journal.lecture import ENTETES_HISTORIQUE, ENTETES_JOURNAL
from hn.journal.models import Evenement
from hn.journal.services import tracer
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _personne(prenom, nom):
    return f.UserFactory(first_name=prenom, last_name=nom)


@pytest.fixture
def parcours():
    """A dossier deposited by Jean Gestionnaire, accepted by Valérie CMSI with an amorçage."""
    etab = f.EtablissementFactory()
    valerie = f.ars_valideur(etab.region.code, user=_personne("Valérie", "CMSI"))
    dossier = d.en_saisie(etab, valideur=valerie)
    f.ActiviteEtablissementFactory(etablissement=etab, programme=dossier.programme)
    jean = f.es_gestionnaire(etab, user=_personne("Jean", "Gestionnaire"))
    enregistrer_saisie(dossier=dossier, data=d.saisie_complete(dossier.programme), acting_user=jean)
    dossier = actions.deposer(dossier=dossier, acting_user=jean)
    d.prerequis_acceptes(dossier)
    actions.valider_domaines(
        dossier=dossier,
        decisions={
            "D2": (DecisionDomaine.SELECTIONNE, ""),
            "D3": (DecisionDomaine.NON_SELECTIONNE, ""),
        },
        acting_user=valerie,
    )
    dossier = actions.accepter(dossier=dossier, acting_user=valerie, amorcage={"D2": 50_000})
    return dossier, jean, valerie


def _historique(client, user, dossier, **params):
    client.force_login(user)
    response = client.get(reverse("dossiers:historique", args=[dossier.numero]), params)
    assert response.status_code == 200
    return response


def _liste(html: str) -> str:
    return re.search(r'<ol[^>]*id="historique"[^>]*>(.*?)</ol>', html, re.S).group(1)


def test_the_history_tells_each_action_in_a_french_sentence(client, parcours):
    dossier, _jean, valerie = parcours
    html = _liste(_historique(client, valerie, dossier).content.decode())
    assert "Jean Gestionnaire a déposé le dossier — dépôt n° 1" in html
    assert "En cours de saisie → Déposé" in html
    assert "Valérie CMSI a accepté le dossier — domaines D2" in html
    assert "Déposé → Accepté" in html
    assert "Valérie CMSI a décidé l’amorçage du dossier — 50\u00a0000\u00a0€" in html
    assert "Valérie CMSI a validé les prérequis" in html
    for brut in ("dossier_depose", "dossier_saisi", "en_saisie", "depose →", "selectionne"):
        assert brut not in html, brut


def test_the_system_is_named_as_such(client, parcours):
    dossier, _jean, valerie = parcours
    tracer(
        "dossier_refuse_implicitement",
        objet=dossier,
        etablissement=dossier.etablissement,
        region=dossier.etablissement.region,
        avant={"etat": "depose"},
        apres={"etat": "refuse_implicite", "refuse_le": dt.date(2026, 5, 12)},
    )
    html = _liste(_historique(client, valerie, dossier).content.decode())
    assert "Le système a constaté le refus implicite du dossier" in html
    assert "Déposé → Refusé implicitement" in html
    assert re.search(r'<th scope="row">Refusé le</th><td>—</td><td>12/05/2026</td>', html)


def test_before_and_after_are_labelled_rows_never_a_repr(client, parcours):
    dossier, jean, _valerie = parcours
    html = _liste(_historique(client, jean, dossier).content.decode())
    lignes = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', html)
    par_libelle = {libelle: (avant, apres) for libelle, avant, apres in lignes}
    # The établissement's own saisie: each changed field of each domaine, in French.
    assert par_libelle["Domaine D2 — Coût du projet"] == ("—", "100\u00a0000\u00a0€")
    assert par_libelle["Domaine D2 — Demandé"] == ("Non", "Oui")
    assert par_libelle["Domaine D2 — État d’avancement"] == ("—", "Déploiement en cours")
    assert par_libelle["Prérequis P1"] == ("—", "Accepté")
    assert par_libelle["Domaine D3"] == ("—", "Non sélectionné")
    assert par_libelle["Échéance de la décision"][1] == dossier.echeance_decision.strftime(
        "%d/%m/%Y"
    )
    assert par_libelle["Mouvement — Amorçage décidé D2"][1].startswith("50\u00a0000\u00a0€ le ")
    for repr_ in ("{", "[", ": &#x27;", "&#x27;: ", "Decimal(", "None"):
        assert repr_ not in html, repr_


def test_the_ars_reads_no_value_typed_by_the_etablissement(client, parcours):
    dossier, _jean, valerie = parcours
    html = _liste(_historique(client, valerie, dossier).content.decode())
    assert "Jean Gestionnaire a modifié la saisie du dossier" in html
    assert "Coût du projet" not in html
    assert "Domaine D2 — Demandé" not in html


def test_the_history_file_has_the_rows_of_the_page(client, parcours):
    dossier, _jean, valerie = parcours
    response = _historique(client, valerie, dossier, format="csv")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="historique-{dossier.numero}-'
    )
    lignes = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ENTETES_HISTORIQUE
    visibles = Evenement.objects.visibles_par(valerie).filter(
        objet_type="dossiers.dossier", objet_id=str(dossier.pk)
    )
    assert len(lignes) == 1 + visibles.count()
    depot = next(ligne for ligne in lignes if ligne[2] == "Dossier déposé")
    assert depot[1] == "Jean Gestionnaire"
    assert (
        depot[3]
        == "Jean Gestionnaire a déposé le dossier — dépôt n° 1 (En cours de saisie → Déposé)"
    )
    saisie = next(ligne for ligne in lignes if ligne[2] == "Saisie modifiée")
    assert saisie[4] == "Données en cours de saisie, réservées à l’établissement."
    assert _historique(client, valerie, dossier, format="xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_another_region_gets_no_history_file(client, parcours):
    dossier, _jean, _valerie = parcours
    client.force_login(f.ars_valideur("11"))
    url = reverse("dossiers:historique", args=[dossier.numero])
    assert client.get(url, {"format": "csv"}).status_code == 404


# --- the journal's filters --------------------------------------------------------------------


@pytest.fixture
def lignes():
    """Rows of one établissement on three days, by two people, two dossiers' numbers."""
    etab = f.EtablissementFactory()
    paul = _personne("Paul", "Martin")
    f.es_gestionnaire(etab, user=paul)
    zoe = f.es_gestionnaire(etab, user=_personne("Zoé", "Durand"))
    rangs = [
        (dt.datetime(2026, 3, 1, 10, tzinfo=PARIS), "dossier_depose", paul, "84-20260301-001"),
        (dt.datetime(2026, 3, 2, 10, tzinfo=PARIS), "dossier_saisi", zoe, "84-20260301-002"),
        (dt.datetime(2026, 3, 3, 10, tzinfo=PARIS), "dossier_commente", zoe, "84-20260301-001"),
    ]
    for moment, action, acteur, numero in rangs:
        with time_machine.travel(moment, tick=False):
            Evenement.objects.create(
                acteur=acteur,
                acteur_nom=acteur.username,
                action=action,
                objet_type="dossiers.dossier",
                objet_id=numero[-3:],
                objet_libelle=f"{numero} — Projet {numero[-1]}",
                etablissement=etab,
                commentaire=f"note-{action}",
            )
    return etab, paul, zoe


def _journal(client, user, **params):
    client.force_login(user)
    response = client.get("/journal/", params)
    assert response.status_code == 200
    return response


def _actions(response) -> list[str]:
    return sorted(e.evenement.action for e in response.context["entrees"])


def test_each_filter_narrows_the_rows(client, lignes):
    etab, _paul, _zoe = lignes
    user = f.es_lecteur(etab)
    tous = _actions(_journal(client, user))
    assert {"dossier_depose", "dossier_saisi", "dossier_commente"} <= set(tous)
    assert _actions(_journal(client, user, qui="Paul")) == ["dossier_depose"]
    assert _actions(_journal(client, user, qui="durand")) == ["dossier_commente", "dossier_saisi"]
    assert _actions(_journal(client, user, action="dossier_saisi")) == ["dossier_saisi"]
    assert _actions(_journal(client, user, du="2026-03-02", au="2026-03-02")) == ["dossier_saisi"]
    assert _actions(_journal(client, user, du="03/03/2026", au="31/03/2026")) == [
        "dossier_commente"
    ]
    assert _actions(_journal(client, user, dossier="84-20260301-001")) == [
        "dossier_commente",
        "dossier_depose",
    ]
    assert _actions(_journal(client, user, q="Projet 2")) == ["dossier_saisi"]
    assert _actions(_journal(client, user, q="déposé")) == ["dossier_depose"]
    assert _actions(_journal(client, user, q="note-dossier_commente")) == ["dossier_commente"]
    html = _journal(client, user, qui="Paul").content.decode()
    assert 'id="qui" name="qui" value="Paul"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"du": "32/13/2026"}, "La date « du » n’est pas une date valide"),
        ({"au": "demain"}, "La date « au » n’est pas une date valide"),
        ({"du": "2026-03-03", "au": "2026-03-01"}, "postérieure à la date « au »"),
        ({"dossier": "pas-un-numero"}, "Numéro de dossier invalide"),
        ({"action": "DROP TABLE;"}, "Action inconnue"),
        ({"page": "abc"}, None),
    ],
)
def test_a_bad_filter_value_is_a_french_message_not_an_error(client, lignes, params, message):
    etab, _paul, _zoe = lignes
    response = _journal(client, f.es_lecteur(etab), **params)
    html = response.content.decode()
    if message:
        assert message in html
        assert 'id="journal-erreurs"' in html
    # The bad filter is ignored: every row of the scope is listed.
    assert len(response.context["entrees"]) >= 3


def test_pagination_keeps_the_filters(client):
    etab = f.EtablissementFactory()
    for _ in range(55):
        tracer("dossier_commente", etablissement=etab, commentaire="x")
    html = _journal(client, f.es_lecteur(etab), action="dossier_commente").content.decode()
    assert "action=dossier_commente&amp;page=2" in html


def test_the_journal_table_wraps_in_the_dsfr_scrolling_container(client, lignes):
    etab, _paul, _zoe = lignes
    html = _journal(client, f.es_lecteur(etab)).content.decode()
    assert re.search(
        r'class="fr-table fr-table--multiline[^"]*"[^>]*><div class="fr-table__wrapper">'
        r'<div class="fr-table__container" tabindex="0" role="region" aria-label="[^"]+">'
        r'<div class="fr-table__content"><table>',
        html,
    )  # the scrolling container takes a tab stop: keyboards scroll it (axe)


# --- the journal's file ---------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_has_the_filtered_rows_and_the_columns_of_the_page(client, lignes):
    etab, _paul, _zoe = lignes
    user = f.es_lecteur(etab)
    page = _journal(client, user, qui="Zoé")
    fichier = _csv(_journal(client, user, qui="Zoé", format="csv"))
    assert fichier[0] == ENTETES_JOURNAL
    html = page.content.decode()
    for entete in ENTETES_JOURNAL:
        assert f'<th scope="col">{entete}</th>' in html
    attendues = [
        [
            e.evenement.horodatage.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"),
            e.acteur,
            e.action,
            e.evenement.objet_libelle,
            e.description,
            e.avant_apres(),
            e.commentaire,
        ]
        for e in page.context["entrees"]
    ]
    assert fichier[1:] == attendues
    assert [ligne[1] for ligne in fichier[1:]] == ["Zoé Durand", "Zoé Durand"]
    assert [ligne[2] for ligne in fichier[1:]] == ["Commentaire de l’ARS", "Saisie modifiée"]


def test_the_file_never_widens_the_scope(client, lignes):
    etab, _paul, _zoe = lignes
    autre = f.EtablissementFactory()
    tracer("dossier_commente", etablissement=autre, commentaire="secret-autre-etablissement")
    fichier = _csv(_journal(client, f.es_lecteur(etab), format="csv"))
    contenu = "\n".join(";".join(ligne) for ligne in fichier)
    assert "secret-autre-etablissement" not in contenu
    assert "note-dossier_saisi" in contenu
    national = _csv(_journal(client, f.lecteur_national(), format="csv"))
    assert "secret-autre-etablissement" in "\n".join(";".join(x) for x in national)
    xlsx = _journal(client, f.es_lecteur(etab), format="xlsx")
    assert xlsx["Content-Disposition"].startswith('attachment; filename="journal-')


def test_the_search_does_not_reach_a_comment_reserved_to_the_etablissement(client):
    etab = f.EtablissementFactory()
    tracer(
        "piece_ajoutee",
        etablissement=etab,
        region=etab.region,
        commentaire="NOM-SECRET.pdf",
        reserve_etablissement=True,
    )
    ars = f.ars_lecteur(etab.region.code)
    assert _actions(_journal(client, ars, q="NOM-SECRET")) == []
    assert _actions(_journal(client, f.es_lecteur(etab), q="NOM-SECRET")) == ["piece_ajoutee"]


# --- queries --------------------------------------------------------------------------------------


def _rangees(etab, nombre, user):
    for i in range(nombre):
        tracer(
            "dossier_depose" if i % 2 else "enveloppe_engagement",
            acteur=user,
            etablissement=etab,
            avant={"etat": "en_saisie"},
            apres={
                "etat": "depose",
                "mouvements": [
                    {
                        "id": i,
                        "nature": "engagement",
                        "montant": "1000.00",
                        "domaine": "D2",
                        "derogation": False,
                        "date": "2026-03-01",
                    }
                ],
            },
        )


@pytest.mark.parametrize("url", ["/journal/", "/journal/?format=csv"])
def test_the_journal_query_count_does_not_grow_with_its_rows(
    client, url, django_assert_num_queries
):
    def lecteur_de(nombre):
        etab = f.EtablissementFactory()
        lecteur = f.es_lecteur(etab)
        _rangees(etab, nombre, _personne("Anne", f"Auteur{nombre}"))
        client.force_login(lecteur)
        return lecteur

    lecteur_de(5)
    n, response = count_queries(client.get, url)
    assert response.status_code == 200
    lecteur_de(30)
    with django_assert_num_queries(n):
        response = client.get(url)
    assert response.content.decode("utf-8-sig").count("Anne Auteur30") >= 30


def test_the_history_query_count_does_not_grow_with_its_rows(client):
    comptes = []
    for nombre in (5, 30):
        dossier = d.en_saisie()
        auteur = _personne("Anne", f"Auteur{nombre}")
        for i in range(nombre):
            tracer(
                "dossier_commente",
                acteur=auteur,
                objet=dossier,
                etablissement=dossier.etablissement,
                region=dossier.etablissement.region,
                commentaire=f"c{i}",
            )
        client.force_login(d.valideur_de(dossier))
        url = reverse("dossiers:historique", args=[dossier.numero])
        n, response = count_queries(client.get, url)
        assert response.status_code == 200
        assert response.content.decode().count("Anne Auteur") >= nombre
        comptes.append(n)
    assert comptes[0] == comptes[1]


# --- every key of a real lifecycle's rows is named ----------------------------------------------


def _cles_imbriquees(valeur, parent=""):
    """(key, parent) of every key of a before/after image, those of lists of objects too."""
    if isinstance(valeur, dict):
        for cle, sous in valeur.items():
            yield cle, parent
            yield from _cles_imbriquees(sous, cle)
    elif isinstance(valeur, list):
        for sous in valeur:
            yield from _cles_imbriquees(sous, parent)


def test_every_key_of_a_lifecycle_has_a_label(parcours):
    from hn.journal.libelles import ACTIONS, DETAILS, libelle_connu

    dossier, _jean, valerie = parcours
    actions.commenter_page(dossier=dossier, page="contacts", texte="Vu.", acting_user=valerie)
    sans = set()
    for e in Evenement.objects.all():
        action = ACTIONS[e.action]
        for image in (e.avant, e.apres):
            for cle, parent in _cles_imbriquees(image):
                if parent in DETAILS:  # a movement: one row of its own (enveloppes.journal)
                    continue
                if not libelle_connu(cle, action, parent=parent, objet_type=e.objet_type):
                    sans.add((e.action, parent, cle))
    assert not sans
    assert Evenement.objects.filter(action="dossier_saisi").exists()


@pytest.mark.parametrize(
    ("code", "apres", "phrase"),
    [
        (
            "financement_notifie",
            {"domaine": "D2", "montant": "68 571", "forfait_avance": False, "rapport": 2},
            "Valérie CMSI a notifié le financement à l’usage — domaine D2 : 68\u00a0571\u00a0€",
        ),
        (
            "dossier_refuse",
            {"etat": "refuse", "motif": "enveloppe"},
            "Valérie CMSI a refusé le dossier — motif : Maîtrise de l'enveloppe",
        ),
        (
            "dossier_clos",
            {"etat": "clos", "motif": "demande_etablissement"},
            "Valérie CMSI a clos le dossier — motif : À la demande de l'établissement",
        ),
        (
            "cloture_demandee",
            {"domaine": "tous"},
            "Valérie CMSI a demandé la clôture — tous les domaines",
        ),
        (
            "frequence_suivi_fixee",
            {"frequence_suivi": 3, "prochain": "2026-09-01"},
            "Valérie CMSI a fixé la fréquence des rapports de suivi — tous les 3 mois",
        ),
        (
            "enveloppe_taux_derogation",
            {"taux_derogation": "12.50"},
            "Valérie CMSI a fixé le taux de dérogation",
        ),
    ],
)
def test_sentences_of_the_follow_up_and_the_ledger(code, apres, phrase):
    from hn.journal.lecture import entree

    valerie = f.ars_valideur("84", user=_personne("Valérie", "CMSI"))
    e = tracer(code, acteur=valerie, region=f.region("84"), apres=apres)
    e = Evenement.objects.select_related("acteur").get(pk=e.pk)
    lue = entree(e, valerie)
    assert lue.phrase == phrase
    texte = " ".join(f"{x.libelle} {x.avant} {x.apres}" for x in lue.lignes)
    assert "_" not in texte and "{" not in texte
