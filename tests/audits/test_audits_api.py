"""Audits through the API (API.md "Audits", SPEC §8): designation, control grid, conclusion,
contradictory phase, the CMSI's decision and its money consequences, and every bad input of
issue 13 changing nothing."""

import pytest

from audits.enums import EtatAudit
from audits.models import Audit, Designation, LigneGrille
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from tests import factories as f
from tests.audits import aides as au
from tests.audits.aides import designer, en_cours, recharger
from tests.indicateurs import aides as a
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


# --- the audit -------------------------------------------------------------------------------


def test_the_audit_contract_and_who_reads_it(client, monde):
    data = au.lire(client, monde["url"], monde["valideur"]).json()
    assert data == {
        "id": monde["audit"].pk,
        "tirage": monde["audit"].tirage_id,
        "dossier": monde["dossier"].numero,
        "finess": monde["dossier"].etablissement.finess,
        "programme": "HOPEN",
        "region": "84",
        "annee": 2022,
        "etat": "a_planifier",
        "auditeurs": [],
        "conclusion": None,
        "observations": "",
        "reponse_es": "",
        "decision": None,
        "fiche_envoyee_le": None,
    }
    for user, code in (
        (monde["gestionnaire"], 200),
        (f.es_lecteur(monde["dossier"].etablissement), 200),
        (f.ars_lecteur("84"), 200),
        (f.lecteur_national(), 200),
        (monde["auditrice"], 404),  # not designated
        (f.ars_valideur("11"), 404),
        (f.es_gestionnaire(), 404),
    ):
        assert au.lire(client, monde["url"], user).status_code == code
    liste = au.lire(client, f"{au.API}?etat=a_planifier&annee=2022", monde["valideur"]).json()
    assert [x["id"] for x in liste["results"]] == [monde["audit"].pk]
    assert au.lire(client, f"{au.API}?etat=termine", monde["valideur"]).json()["count"] == 0
    assert au.lire(client, au.API, f.ars_valideur("11")).json()["count"] == 0


# --- designation ---------------------------------------------------------------------------


def test_the_cmsi_designates_an_auditor_and_the_audit_starts(client, monde):
    r = designer(client, monde)
    assert r.status_code == 201, r.json()
    assert (r.json()["etat"], r.json()["auditeurs"]) == ("en_cours", ["auditrice"])
    second = f.ars_auditeur("84", username="auditeur2")
    assert designer(client, monde, "auditeur2").json()["auditeurs"] == ["auditrice", "auditeur2"]
    assert recharger(monde["audit"]).etat == EtatAudit.EN_COURS
    assert Notification.objects.filter(destinataire=second, titre__contains="auditeur").exists()
    trace = Evenement.objects.filter(action="audit_auditeur_designe").order_by("pk").first()
    assert (trace.avant, trace.apres) == (
        {"etat": "a_planifier"},
        {"etat": "en_cours", "auditeur": "auditrice"},
    )
    # The auditrice now sees her audit.
    liste = au.lire(client, au.API, monde["auditrice"]).json()
    assert [x["id"] for x in liste["results"]] == [monde["audit"].pk]


@pytest.mark.parametrize(
    ("qui", "message"),
    [
        ("cmsi", "Le valideur (CMSI) ne peut jamais être auditeur."),
        ("cmsi_ailleurs", "Le valideur (CMSI) ne peut jamais être auditeur."),
        ("es", "L'auditeur doit être un auditeur de l'ARS de la région."),
        ("ars_lecteur", "L'auditeur doit être un auditeur de l'ARS de la région."),
        ("auditeur_ailleurs", "L'auditeur doit être un auditeur de l'ARS de la région."),
        ("inconnu", "Désignez un compte existant."),
    ],
)
def test_designating_anyone_but_a_regional_auditor_is_400_with_the_reason(
    client, monde, qui, message
):
    username = {
        "cmsi": lambda: monde["valideur"].username,
        "cmsi_ailleurs": lambda: f.ars_valideur("11").username,
        "es": lambda: monde["gestionnaire"].username,
        "ars_lecteur": lambda: f.ars_lecteur("84").username,
        "auditeur_ailleurs": lambda: f.ars_auditeur("11").username,
        "inconnu": lambda: "personne",
    }[qui]()
    r = designer(client, monde, username)
    assert r.status_code == 400
    assert r.json()["detail"] == message
    assert r.json()["errors"]["username"]
    assert not Designation.objects.exists()
    assert recharger(monde["audit"]).etat == EtatAudit.A_PLANIFIER


def test_the_cmsi_is_refused_with_the_regulations_reason(client, monde):
    r = designer(client, monde, monde["valideur"].username)
    assert "il ne peut pas en être l'auditeur [000 A5 §2]" in r.json()["errors"]["username"][0]


@pytest.mark.parametrize("qui", ["ars_lecteur", "auditrice", "pilote", "gestionnaire"])
def test_only_the_cmsi_designates(client, monde, qui):
    user = {
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "auditrice": lambda: monde["auditrice"],
        "pilote": f.pilote_national,
        "gestionnaire": lambda: monde["gestionnaire"],
    }[qui]()
    assert designer(client, monde, user=user).status_code in (403, 404)
    assert not Designation.objects.exists()


def test_designating_twice_is_400(client, monde):
    en_cours(client, monde)
    r = designer(client, monde)
    assert r.status_code == 400
    assert Designation.objects.count() == 1


# --- the grid -------------------------------------------------------------------------------


def test_the_grid_lists_prerequis_and_selected_domaines_with_declared_values(client, monde):
    dossier = monde["dossier"]
    attendus = [
        i.code
        for i in dossier.programme.indicateurs.all()
        if i.prerequis_id or (i.domaine and i.domaine.code in ("D2", "D3"))
    ]
    grille = au.lire(client, f"{monde['url']}grille/", monde["valideur"]).json()
    lignes = {ligne["code"]: ligne for ligne in grille["lignes"]}
    assert list(lignes) == attendus
    d2 = next(c for c in attendus if c.startswith("D2."))
    assert lignes[d2]["valeur_declaree"] == "10"  # the deposited value
    assert set(lignes[d2]) == {
        "code",
        "libelle",
        "valeur_declaree",
        "cible",
        "resultat",
        "preuves_verifiees",
        "observations",
    }
    assert (lignes[d2]["resultat"], lignes[d2]["preuves_verifiees"]) == (None, False)
    # A follow-up report supersedes the deposited value.
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, **{d2.replace(".", "_"): 77}))
    grille = au.lire(client, f"{monde['url']}grille/").json()
    assert {ligne["code"]: ligne for ligne in grille["lignes"]}[d2]["valeur_declaree"] == "77"


def test_who_reads_the_grid(client, monde):
    url = f"{monde['url']}grille/"
    assert au.lire(client, url, f.ars_lecteur("84")).status_code == 200
    assert au.lire(client, url, f.pilote_national()).status_code == 200
    assert au.lire(client, url, monde["gestionnaire"]).status_code == 403
    assert au.lire(client, url, monde["auditrice"]).status_code == 404  # not designated yet
    en_cours(client, monde)
    assert au.lire(client, url, monde["auditrice"]).status_code == 200


def test_a_half_filled_grid_is_saved(client, monde):
    auditrice = en_cours(client, monde)
    codes = [ligne.code for ligne in au.grille_lignes(monde["audit"])]
    r = au.patcher(
        client,
        f"{monde['url']}grille/",
        {
            "lignes": [
                {
                    "code": codes[0],
                    "resultat": "non_conforme",
                    "preuves_verifiees": True,
                    "observations": "Pas de preuve.",
                },
                {"code": codes[1], "observations": "À revoir."},
            ]
        },
        auditrice,
    )
    assert r.status_code == 200, r.json()
    lignes = {ligne["code"]: ligne for ligne in r.json()["lignes"]}
    assert (lignes[codes[0]]["resultat"], lignes[codes[0]]["preuves_verifiees"]) == (
        "non_conforme",
        True,
    )
    assert (lignes[codes[1]]["resultat"], lignes[codes[1]]["observations"]) == (None, "À revoir.")
    trace = Evenement.objects.get(action="audit_grille")
    assert (trace.acteur, trace.apres) == (auditrice, {"lignes": codes[:2]})
    # The auditor's work in progress is traced for the ARS, not in the établissement's journal.
    assert trace in Evenement.objects.visibles_par(f.ars_lecteur("84"))
    assert trace not in Evenement.objects.visibles_par(monde["gestionnaire"])
    # A later save changes only what it sends.
    au.patcher(
        client, f"{monde['url']}grille/", {"lignes": [{"code": codes[0], "resultat": "conforme"}]}
    )
    ligne = LigneGrille.objects.get(audit=monde["audit"], indicateur__code=codes[0])
    assert (ligne.resultat, ligne.preuves_verifiees, ligne.observations) == (
        "conforme",
        True,
        "Pas de preuve.",
    )


@pytest.mark.parametrize(
    "ligne",
    [
        {"code": "D5.1", "resultat": "conforme"},  # a domaine the dossier was not selected on
        {"code": "Z9.9", "resultat": "conforme"},
        {"code": "P1.1", "resultat": "peut-etre"},
        {"code": "P1.1", "preuves_verifiees": "oui"},
        "P1.1",
    ],
)
def test_bad_grid_lines_are_400_and_nothing_is_saved(client, monde, ligne):
    auditrice = en_cours(client, monde)
    bonne = {"code": au.grille_lignes(monde["audit"])[0].code, "resultat": "conforme"}
    r = au.patcher(client, f"{monde['url']}grille/", {"lignes": [bonne, ligne]}, auditrice)
    assert r.status_code == 400, r.json()
    assert "lignes[1]" in r.json()["errors"]
    assert not LigneGrille.objects.exists()


@pytest.mark.parametrize("qui", ["valideur", "ars_lecteur", "pilote", "gestionnaire"])
def test_only_a_designated_auditor_writes_the_grid(client, monde, qui):
    en_cours(client, monde)
    user = {
        "valideur": lambda: monde["valideur"],
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "pilote": f.pilote_national,
        "gestionnaire": lambda: monde["gestionnaire"],
    }[qui]()
    body = {"lignes": [{"code": "P1.1", "resultat": "conforme"}]}
    assert au.patcher(client, f"{monde['url']}grille/", body, user).status_code == 403
    assert not LigneGrille.objects.exists()


def test_an_auditor_of_the_region_not_designated_cannot_write(client, monde):
    en_cours(client, monde)
    autre = f.ars_auditeur("84", username="pas-designe")
    body = {"lignes": [{"code": "P1.1", "resultat": "conforme"}]}
    assert au.patcher(client, f"{monde['url']}grille/", body, autre).status_code == 404
    assert not LigneGrille.objects.exists()


def test_the_lists_and_the_grid_query_counts_do_not_grow_with_the_audits(client):
    """1 audit vs 3 (designated auditors on each): same number of queries."""
    valideur = f.ars_valideur("84")
    client.force_login(valideur)
    premier = au.accepte((2022, 3, 1))
    au.tirer(annee=2022, user=valideur)
    audit = Audit.objects.get(dossier=premier)
    auditrice = f.ars_auditeur("84", username="auditrice")
    designer(client, {"url": f"{au.API}{audit.pk}/", "valideur": valideur})

    def compter():
        client.force_login(valideur)
        listes = [count_queries(client.get, url)[0] for url in (au.API, f"{au.API}tirages/")]
        client.force_login(auditrice)
        grille = count_queries(client.get, f"{au.API}{audit.pk}/grille/")[0]
        return listes, grille

    avant = compter()
    for _ in range(20):
        au.accepte((2022, 3, 1))
    au.tirer(annee=2023, user=valideur)  # 21 dossiers: 3 audits more
    for autre in Audit.objects.exclude(pk=audit.pk):
        designer(client, {"url": f"{au.API}{autre.pk}/", "valideur": valideur})
    assert Audit.objects.count() == 4
    assert compter() == avant
