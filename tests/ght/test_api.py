"""GHT dossiers over HTTP (API.md "GHT dossiers", SPEC §10): the support's request naming its
candidate members and its refusals, the initialisation from that request, the ``ght`` and
``membres`` of the representations, the forfaits' breakdown and who reads which lines."""

import pytest

from dossiers import actions
from dossiers.models import DemandeInitialisation, Dossier, MembreDossier
from dossiers.services import activite_et_forfaits
from hn.journal.models import Evenement
from tests import factories as f
from tests.ght.aides import API, CODE, appel, complet_ght, initialiser_ght, monde_ght
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    return monde_ght()


def demande_api(client, monde, membres, finess=None, user=None):
    return appel(
        client,
        user or monde.gestionnaire,
        "post",
        API + "demandes/",
        {"programme": CODE, "finess": finess or monde.support.finess, "membres": membres},
    )


def test_the_support_requests_a_ght_dossier_and_the_ars_initialises_it(client, monde):
    m1, m2, _ = monde.membres
    response = demande_api(client, monde, [m2.finess, m1.finess.lower()])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["finess"], body["ght"], body["membres"]) == (
        monde.support.finess,
        monde.ght.nom,
        [m1.finess, m2.finess],
    )
    listed = appel(client, monde.valideur, "get", API + "demandes/").json()
    assert [(r["ght"], r["membres"]) for r in listed["results"]] == [
        (monde.ght.nom, [m1.finess, m2.finess])
    ]

    response = appel(
        client,
        monde.valideur,
        "post",
        API + "dossiers/",
        {"programme": CODE, "finess": monde.support.finess, "nom": "", "demande": body["id"]},
    )
    assert response.status_code == 201, response.content
    dossier = response.json()
    assert (dossier["ght"], dossier["membres"]) == (monde.ght.nom, [m1.finess, m2.finess])
    numero = dossier["numero"]
    detail = appel(client, monde.valideur, "get", f"{API}dossiers/{numero}/").json()
    assert (detail["ght"], detail["membres"]) == (monde.ght.nom, [m1.finess, m2.finess])
    demande = DemandeInitialisation.objects.get()
    assert demande.initialisee_le is not None


def test_a_single_dossier_has_no_ght_and_no_members(client, monde):
    autre = f.EtablissementFactory()
    dossier = actions.initialiser_dossier(
        programme=monde.programme, etablissement=autre, nom="", acting_user=monde.valideur
    )
    body = appel(client, monde.valideur, "get", f"{API}dossiers/{dossier.numero}/").json()
    assert (body["ght"], body["membres"]) == (None, [])
    rows = appel(client, monde.valideur, "get", API + "dossiers/").json()["results"]
    assert [(r["ght"], r["membres"]) for r in rows] == [(None, [])]


@pytest.mark.parametrize(
    "cas",
    ["pas_support", "hors_ght", "inconnu", "doublon", "vide", "pas_une_liste"],
)
def test_bad_member_lists_are_refused_at_the_membres_field(client, monde, cas):
    m1 = monde.membres[0]
    etranger = f.EtablissementFactory()
    finess, membres, fragment = {
        "pas_support": (m1.finess, [m1.finess], "pas l'établissement support"),
        "hors_ght": (None, [m1.finess, etranger.finess], "pas membre du"),
        "inconnu": (None, ["999999999"], "pas membre du"),
        "doublon": (None, [m1.finess, m1.finess], "cité plusieurs fois"),
        "vide": (None, [], "au moins un"),
        "pas_une_liste": (None, m1.finess, "au moins un"),
    }[cas]
    user = f.es_gestionnaire(m1) if cas == "pas_support" else monde.gestionnaire
    response = demande_api(client, monde, membres, finess=finess, user=user)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["membres"]
    assert any(fragment in m for m in errors["membres"]), errors
    assert not DemandeInitialisation.objects.exists()


def test_only_the_supports_gestionnaire_may_file_the_ght_request(client, monde):
    lecteur = f.es_lecteur(monde.support)
    response = demande_api(client, monde, [monde.membres[0].finess], user=lecteur)
    assert response.status_code == 403
    assert not DemandeInitialisation.objects.exists()


@pytest.mark.parametrize("deja", ["son_dossier", "autre_ght", "demande_en_attente"])
def test_a_member_already_a_candidate_elsewhere_is_refused_and_nothing_written(client, monde, deja):
    m1, m2, _ = monde.membres
    if deja == "son_dossier":
        actions.initialiser_dossier(
            programme=monde.programme, etablissement=m1, nom="", acting_user=monde.valideur
        )
        attendu = "déjà candidat dans le dossier"
    elif deja == "autre_ght":  # m1 was a candidate of its former GHT's dossier
        ancien = monde_ght(1)
        m1.ght = ancien.ght
        m1.save(update_fields=["ght"])
        initialiser_ght(ancien, [m1])
        m1.ght = monde.ght
        m1.save(update_fields=["ght"])
        attendu = "(dossier de GHT)"
    else:
        actions.demander_initialisation(
            programme=monde.programme, etablissement=m1, acting_user=f.es_gestionnaire(m1)
        )
        attendu = "demande de dossier en attente"
    demandes, dossiers, membres = (
        DemandeInitialisation.objects.count(),
        Dossier.objects.count(),
        MembreDossier.objects.count(),
    )
    evenements = Evenement.objects.exclude(action="connexion").count()
    response = demande_api(client, monde, [m1.finess, m2.finess])
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["membres"]
    assert len(errors["membres"]) == 1 and m1.finess in errors["membres"][0]
    assert attendu in errors["membres"][0]
    assert "un seul dossier par programme" in response.json()["detail"]
    assert (
        DemandeInitialisation.objects.count(),
        Dossier.objects.count(),
        MembreDossier.objects.count(),
        Evenement.objects.exclude(action="connexion").count(),
    ) == (demandes, dossiers, membres, evenements)


def test_a_member_of_an_open_ght_dossier_cannot_request_its_own(client, monde):
    m1, m2, _ = monde.membres
    dossier = initialiser_ght(monde, [m1, m2])
    response = appel(
        client,
        f.es_gestionnaire(m2),
        "post",
        API + "demandes/",
        {"programme": CODE, "finess": m2.finess},
    )
    assert response.status_code == 400, response.content
    assert dossier.numero in response.json()["detail"]
    assert "(dossier de GHT)" in response.json()["detail"]
    assert DemandeInitialisation.objects.filter(etablissement=m2).count() == 0


def test_refusing_a_ght_dossier_frees_its_members(monde):
    m1, m2, _ = monde.membres
    dossier = complet_ght(initialiser_ght(monde, [m1, m2]), monde.gestionnaire)
    dossier = actions.deposer(dossier=dossier, acting_user=monde.gestionnaire)
    with pytest.raises(actions.DossierError):  # m2 is a candidate of the deposited dossier
        actions.demander_initialisation(
            programme=monde.programme, etablissement=m2, acting_user=f.es_gestionnaire(m2)
        )
    actions.refuser(
        dossier=dossier, motif="autre", commentaire="Projet incomplet.", acting_user=monde.valideur
    )
    demande = actions.demander_initialisation(
        programme=monde.programme, etablissement=m2, acting_user=f.es_gestionnaire(m2)
    )
    assert demande.etablissement == m2


# --- GET dossiers/{numero}/forfaits/ ------------------------------------------------------------


def test_the_forfaits_are_the_sum_of_the_members_lines(client, monde):
    dossier = initialiser_ght(monde, monde.membres)
    response = appel(client, monde.valideur, "get", f"{API}dossiers/{dossier.numero}/forfaits/")
    assert response.status_code == 200, response.content
    domaines = response.json()["domaines"]
    _, attendus = activite_et_forfaits(dossier)
    assert [d["code"] for d in domaines] == list(attendus)
    for domaine in domaines:
        lignes = domaine["par_etablissement"]
        assert [ligne["finess"] for ligne in lignes] == [m.finess for m in monde.membres]
        assert domaine["montant"] == sum(ligne["montant"] for ligne in lignes)
        assert domaine["montant"] == attendus[domaine["code"]][0]
        assert all(isinstance(ligne["montant"], int) for ligne in lignes)
    premiere = domaines[0]["par_etablissement"][0]
    assert premiere["activite_combinee"] == 5_000 and isinstance(premiere["categorie"], str)


def test_a_single_dossier_has_one_line_equal_to_its_forfait(client, monde):
    dossier = actions.initialiser_dossier(
        programme=monde.programme,
        etablissement=monde.support,
        nom="",
        acting_user=monde.valideur,
    )
    domaines = appel(
        client, monde.gestionnaire, "get", f"{API}dossiers/{dossier.numero}/forfaits/"
    ).json()["domaines"]
    _, attendus = activite_et_forfaits(dossier)
    assert {d["code"]: d["montant"] for d in domaines} == {
        code: standard for code, (standard, _) in attendus.items()
    }
    assert all(
        [ligne["finess"] for ligne in d["par_etablissement"]] == [monde.support.finess]
        for d in domaines
    )


def test_a_member_user_reads_its_own_lines_and_the_totals(client, monde):
    m1, m2, m3 = monde.membres
    dossier = initialiser_ght(monde, [m1, m2])
    url = f"{API}dossiers/{dossier.numero}/forfaits/"
    complet = appel(client, monde.gestionnaire, "get", url).json()["domaines"]
    vu_du_membre = appel(client, f.es_lecteur(m2), "get", url).json()["domaines"]
    assert [d["montant"] for d in vu_du_membre] == [d["montant"] for d in complet]
    assert all(
        [ligne["finess"] for ligne in d["par_etablissement"]] == [m2.finess] for d in vu_du_membre
    )
    assert all(len(d["par_etablissement"]) == 2 for d in complet)
    # Not a candidate (a member of the GHT outside this dossier), another ES: 404.
    assert appel(client, f.es_lecteur(m3), "get", url).status_code == 404
    assert appel(client, f.es_lecteur(f.EtablissementFactory()), "get", url).status_code == 404


def test_an_unknown_activity_is_a_409_naming_the_member(client, monde):
    m1 = monde.membres[0]
    sans = f.EtablissementFactory(ght=monde.ght)
    dossier = initialiser_ght(monde, [m1, sans])
    response = appel(client, monde.valideur, "get", f"{API}dossiers/{dossier.numero}/forfaits/")
    assert response.status_code == 409
    assert sans.finess in response.json()["detail"]
    assert "activité" in response.json()["detail"]


def test_the_dossiers_list_does_not_query_per_ght_dossier(client, monde):
    m1, m2, m3 = monde.membres
    initialiser_ght(monde, [m1])
    client.force_login(monde.valideur)
    client.get(API + "dossiers/")  # warm the session and caches
    un, _ = count_queries(client.get, API + "dossiers/")
    for etab in (m2, m3):
        actions.initialiser_dossier(
            programme=monde.programme, etablissement=etab, nom="", acting_user=monde.valideur
        )
    autre = monde_ght(2)
    initialiser_ght(autre, autre.membres)
    quatre, _ = count_queries(client.get, API + "dossiers/")
    rows = client.get(API + "dossiers/").json()["results"]
    assert sorted(len(r["membres"]) for r in rows) == [0, 0, 1, 2]
    assert quatre == un
