"""HTTP contract of the pré-candidatures (API.md "Calls for applications and programmation";
SPEC §7): every bad input gets a clear French message and changes nothing (400 field errors,
409 with ``etat`` or ``manquants``, 403 read-only roles, 404 outside the caller's scope), the
answers are notified and every step is traced with French labels."""

import pytest

from candidatures.models import DomaineCandidature, Precandidature
from hn.journal.libelles import ACTIONS, libelle_connu
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import appel, le, url

pytestmark = pytest.mark.django_db

AMI = "Appel à manifestation d’intérêt HOP’EN 2019"


def assert_400(response, errors, detail=None):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"] == errors
    if detail is not None:
        assert body["detail"] == detail
    return body


def assert_409(response, etat, detail=None):
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "etat"}
    assert body["etat"] == etat
    if detail is not None:
        assert body["detail"] == detail
    return body


def instantane(pc):
    """Everything an edit could change, to prove a refusal changed nothing."""
    pc = Precandidature.objects.get(pk=pc.pk)
    champs = {c.attname: getattr(pc, c.attname) for c in pc._meta.concrete_fields}
    domaines = list(
        DomaineCandidature.objects.filter(precandidature=pc).values_list(
            "domaine__code", "semestre_cibles"
        )
    )
    traces = Evenement.objects.exclude(objet_type="comptes.user").count()  # not the logins
    return champs, domaines, traces, Notification.objects.count()


def patch(client, user, pc, body):
    with le(*a.PENDANT_AMI):
        return appel(client, user, "patch", url("precandidatures", pc.pk), body)


def transition(client, user, pc, name, body=None, jour=a.AVANT_REPONSE):
    with le(*jour):
        return appel(client, user, "post", url("precandidatures", pc.pk, "transitions", name), body)


# --- creation -----------------------------------------------------------------------------------


def test_create_then_a_second_one_is_409_and_creates_nothing(client):
    etab = a.etablissement(raison_sociale="CH de Vienne")
    gestionnaire = a.gestionnaire(etab)
    body = {"campagne": a.ami_2019().pk, "finess": etab.finess}
    with le(2019, 4, 1, 9, 30):
        response = appel(client, gestionnaire, "post", url("precandidatures"), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in ("campagne", "finess", "region", "etat", "tardive")} == {
        "campagne": a.ami_2019().pk,
        "finess": etab.finess,
        "region": "84",
        "etat": "brouillon",
        "tardive": False,
    }
    assert data["cree_le"] == "2019-04-01T09:30:00+02:00"  # Paris time, as the whole API
    assert data["domaines"] == [] and data["position"] is None
    with le(2019, 4, 2):
        again = appel(client, gestionnaire, "post", url("precandidatures"), body)
    assert_409(
        again,
        "brouillon",
        f"L'établissement a déjà une pré-candidature dans l'appel « {AMI} » (état : Brouillon).",
    )
    assert Precandidature.objects.count() == 1


def test_create_input_errors(client):
    etab, autre = a.etablissement(), a.etablissement(region="11")
    gestionnaire = a.gestionnaire(etab)
    with le(*a.PENDANT_AMI):
        response = appel(
            client,
            gestionnaire,
            "post",
            url("precandidatures"),
            {"campagne": 999_999, "finess": etab.finess},
        )
        assert_400(response, {"campagne": ["Appel à candidatures inconnu : 999999."]})
        # Another région's établissement: not revealed, just outside the caller's scope.
        response = appel(
            client,
            gestionnaire,
            "post",
            url("precandidatures"),
            {"campagne": a.ami_2019().pk, "finess": autre.finess},
        )
        message = f"Aucun établissement de votre périmètre n'a le FINESS {autre.finess}."
        assert_400(response, {"finess": [message]})
    assert not Precandidature.objects.exists()


@pytest.mark.parametrize("role", ["es_lecteur", "ars_valideur", "pilote_national"])
def test_only_the_es_gestionnaire_creates(client, role):
    etab = a.etablissement()
    user = {
        "es_lecteur": lambda: f.es_lecteur(etab),
        "ars_valideur": lambda: a.valideur("84"),
        "pilote_national": f.pilote_national,
    }[role]()
    with le(*a.PENDANT_AMI):
        response = appel(
            client,
            user,
            "post",
            url("precandidatures"),
            {"campagne": a.ami_2019().pk, "finess": etab.finess},
        )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Seul le gestionnaire de l'établissement peut déposer sa pré-candidature."
    }
    assert not Precandidature.objects.exists()


# --- the tabs (PATCH) ---------------------------------------------------------------------------


def test_patch_fills_the_tabs(client):
    pc = a.brouillon()
    response = patch(client, pc.cree_par, pc, {**a.COMPLETE, "commentaire": "Projet régional."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["position"] == "definitive"
    assert body["semestre_prerequis_hopen"] == "2020S1"
    assert body["domaines"] == [{"code": "D2", "semestre_cibles": "2020S2"}]
    assert body["referent"]["email"] == "claire@ch.test"
    assert body["representant_legal"]["nom"] == "Paul Directeur"
    assert body["estimation"]["domaines"] == [{"code": "D2", "forfait": 269_355}]
    # An empty semester withdraws a domaine.
    body = patch(client, pc.cree_par, pc, {"domaines": [{"code": "d2", "semestre_cibles": ""}]})
    assert body.json()["domaines"] == []


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        (
            {"semestre_prerequis_hopen": "2021S2"},
            "semestre_prerequis_hopen",
            "Prérequis HOP'EN : 2021 semestre 2 est hors de la période proposée "
            "(2019 semestre 1 à 2021 semestre 1).",
        ),
        (
            {"semestre_prerequis_hn": "2018S2"},
            "semestre_prerequis_hn",
            "Prérequis HN : 2018 semestre 2 est hors de la période proposée "
            "(2019 semestre 1 à 2021 semestre 1).",
        ),
        (
            {"domaines": [{"code": "D2", "semestre_cibles": "2023S1"}]},
            "domaines",
            "Cibles du domaine D2 : 2023 semestre 1 est hors de la période proposée "
            "(2019 semestre 1 à 2022 semestre 2).",
        ),
        (
            {"domaines": [{"code": "D8", "semestre_cibles": "2020S2"}]},
            "domaines",
            "Domaine inconnu : « D8 » (domaines du programme : D1, D2, D3, D4, D5, D6, D7).",
        ),
        (
            {"domaines": [{"code": "D2", "semestre_cibles": "2020S3"}]},
            "domaines",
            "Semestre illisible : « 2020S3 ». Écrivez l'année puis S1 ou S2, par exemple 2020S2.",
        ),
        (
            {"position": "peut-etre"},
            "position",
            "Position inconnue : aucune, en_projet ou definitive.",
        ),
        (
            {"referent": {"email": "pas-une-adresse"}},
            "referent.email",
            "Adresse électronique invalide.",
        ),
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(client, donnees, champ, message):
    pc = a.brouillon(donnees={"domaines": [{"code": "D3", "semestre_cibles": "2021S1"}]})
    avant = instantane(pc)
    # Valid fields beside the bad one are not saved either: all or nothing.
    response = patch(
        client, pc.cree_par, pc, {"position": "en_projet", "commentaire": "x", **donnees}
    )
    assert_400(
        response,
        {champ: [message]},
        "La pré-candidature n'est pas enregistrée : 1 erreur à corriger.",
    )
    assert instantane(pc) == avant


def test_patch_by_another_etablissement_or_region_is_404(client):
    pc = a.brouillon()
    for user in (
        a.gestionnaire(a.etablissement()),
        f.ars_valideur("11"),
        f.es_lecteur(a.etablissement(region="11")),
    ):
        response = patch(client, user, pc, {"commentaire": "intrus"})
        assert response.status_code == 404, user
        assert appel(client, user, "get", url("precandidatures", pc.pk)).status_code == 404
    assert Precandidature.objects.get().commentaire == ""


@pytest.mark.parametrize("role", ["es_lecteur", "ars_valideur", "ars_lecteur", "lecteur_national"])
def test_readers_may_not_patch(client, role):
    pc = a.brouillon()
    user = {
        "es_lecteur": lambda: f.es_lecteur(pc.etablissement),
        "ars_valideur": lambda: a.valideur("84"),
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "lecteur_national": f.lecteur_national,
    }[role]()
    assert appel(client, user, "get", url("precandidatures", pc.pk)).status_code == 200
    avant = instantane(pc)
    response = patch(client, user, pc, {"commentaire": "lecture seule"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Seul le gestionnaire de l'établissement peut modifier sa pré-candidature."
    )
    assert instantane(pc) == avant
    response = transition(client, user, pc, "transmettre", jour=a.PENDANT_AMI)
    assert response.status_code == 403
    assert instantane(pc) == avant


def test_patch_after_transmission_is_409(client):
    pc = a.transmise()
    avant = instantane(pc)
    assert_409(
        patch(client, pc.cree_par, pc, {"commentaire": "trop tard"}),
        "transmise",
        "La pré-candidature est « Transmise à l'ARS » : elle n'est plus modifiable.",
    )
    assert instantane(pc) == avant


# --- transmission -------------------------------------------------------------------------------


def test_an_incomplete_one_lists_what_is_missing_by_tab(client):
    pc = a.brouillon()
    avant = instantane(pc)
    response = transition(client, pc.cree_par, pc, "transmettre", jour=a.PENDANT_AMI)
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "manquants"}
    assert body["detail"] == (
        "La pré-candidature ne peut pas être transmise : 6 informations manquantes."
    )
    interet, contacts = "Manifestation d'intérêt", "Contacts"
    assert [(m["page"], m["champ"]) for m in body["manquants"]] == [
        (interet, "position"),
        (interet, "prerequis_hn_atteints"),
        (interet, "semestre_prerequis_hopen"),
        (contacts, "referent.nom"),
        (contacts, "referent.email"),
        (contacts, "representant_legal.nom"),
    ]
    assert all(m["libelle"] for m in body["manquants"])
    assert instantane(pc) == avant
    # A position of interest needs a domaine; HN prérequis not reached need their semester.
    patch(
        client,
        pc.cree_par,
        pc,
        {
            **a.COMPLETE,
            "domaines": [{"code": "D2", "semestre_cibles": ""}],
            "prerequis_hn_atteints": False,
        },
    )
    body = transition(client, pc.cree_par, pc, "transmettre", jour=a.PENDANT_AMI).json()
    assert [m["champ"] for m in body["manquants"]] == ["semestre_prerequis_hn", "domaines"]


def test_transmission_notifies_the_ars_and_is_traced(client):
    pc = a.brouillon(donnees=a.COMPLETE)
    cmsi = a.valideur("84")
    autre_region = f.ars_valideur("11")
    response = transition(client, pc.cree_par, pc, "transmettre", jour=a.PENDANT_AMI)
    assert response.status_code == 200, response.content
    assert response.json()["etat"] == "transmise"
    assert response.json()["transmise_le"].startswith("2019-04-01T10:00:00+02:00")
    recus = Notification.objects.filter(titre__startswith="Pré-candidature reçue")
    assert cmsi.pk in set(recus.values_list("destinataire", flat=True))
    assert not recus.filter(destinataire__in=[autre_region, pc.cree_par]).exists()
    assert_409(
        transition(client, pc.cree_par, pc, "transmettre", jour=a.PENDANT_AMI),
        "transmise",
        "Impossible de transmettre : la pré-candidature est « Transmise à l'ARS ».",
    )


# --- the ARS's answer ---------------------------------------------------------------------------


def test_preselection_notifies_the_es_and_a_second_decision_is_409(client):
    pc = a.transmise()
    gestionnaire = pc.cree_par
    response = transition(
        client, a.valideur(), pc, "preselectionner", {"commentaire": "Bienvenue."}
    )
    assert response.status_code == 200, response.content
    assert response.json()["etat"] == "preselectionnee"
    assert response.json()["commentaire_ars"] == "Bienvenue."
    avis = Notification.objects.get(destinataire=gestionnaire, titre__contains="pré-sélectionnée")
    assert "vous pouvez demander l'initialisation de votre dossier" in avis.message
    assert avis.lien == f"/candidatures/{pc.pk}/"
    avant = instantane(pc)
    for name in ("preselectionner", "rejeter"):
        body = assert_409(
            transition(client, a.valideur(), pc, name, {"commentaire": "encore"}), "preselectionnee"
        )
        assert "la pré-candidature est « Pré-sélectionnée »" in body["detail"]
    assert instantane(pc) == avant


def test_rejection_needs_a_motif_and_notifies_the_es(client):
    pc = a.transmise()
    avant = instantane(pc)
    for body in ({}, {"commentaire": "   "}):
        response = transition(client, a.valideur(), pc, "rejeter", body)
        assert_400(
            response,
            {"commentaire": ["Indiquez le motif du rejet : l'établissement le lira."]},
            "Le motif du rejet est obligatoire.",
        )
    assert instantane(pc) == avant
    response = transition(
        client, a.valideur(), pc, "rejeter", {"commentaire": "Enveloppe épuisée."}
    )
    assert response.status_code == 200
    assert response.json()["etat"] == "rejetee"
    avis = Notification.objects.get(destinataire=pc.cree_par, titre__contains="pas retenue")
    assert avis.message.endswith("Motif : Enveloppe épuisée.")


@pytest.mark.parametrize("name", ["preselectionner", "rejeter"])
@pytest.mark.parametrize(
    "role",
    ["ars_lecteur", "ars_auditeur", "lecteur_national", "pilote_national", "es_gestionnaire"],
)
def test_only_the_cmsi_decides(client, name, role):
    pc = a.transmise()
    user = {
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "ars_auditeur": lambda: f.ars_auditeur("84"),
        "lecteur_national": f.lecteur_national,
        "pilote_national": f.pilote_national,
        "es_gestionnaire": lambda: pc.cree_par,
    }[role]()
    avant = instantane(pc)
    response = transition(client, user, pc, name, {"commentaire": "motif"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Seul le valideur (CMSI) de l'ARS répond aux pré-candidatures."
    }
    assert instantane(pc) == avant


def test_another_regions_cmsi_gets_404(client):
    pc = a.transmise()
    avant = instantane(pc)
    response = transition(client, a.valideur("11"), pc, "preselectionner")
    assert response.status_code == 404
    assert instantane(pc) == avant


def test_unknown_transition_is_404(client):
    pc = a.transmise()
    response = transition(client, a.valideur(), pc, "accepter")
    assert response.status_code == 404
    assert Precandidature.objects.get().etat == "transmise"


# --- reading, scope and the trace -----------------------------------------------------------------


def test_lists_are_scoped_and_filtered(client):
    nord = a.brouillon(a.etablissement())
    sud = a.transmise(a.etablissement())
    idf = a.brouillon(a.etablissement(region="11"))

    def ids(user, query=""):
        response = appel(client, user, "get", url("precandidatures") + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()}

    assert ids(f.es_lecteur(nord.etablissement)) == {nord.pk}
    assert ids(f.ars_lecteur("84")) == {nord.pk, sud.pk}
    assert ids(f.ars_lecteur("84"), "?etat=transmise") == {sud.pk}
    assert ids(f.lecteur_national()) == {nord.pk, sud.pk, idf.pk}
    assert ids(f.lecteur_national(), "?region=11") == {idf.pk}
    response = appel(client, f.lecteur_national(), "get", url("precandidatures") + "?etat=ouverte")
    assert response.status_code == 400
    assert "etat" in response.json()["errors"]


def test_every_step_is_traced_with_french_labels(client):
    pc = a.preselectionnee(a.etablissement())
    rows = list(Evenement.objects.filter(objet_type__icontains="precandidature").order_by("pk"))
    assert [e.action for e in rows] == [
        "precandidature_creee",
        "precandidature_modifiee",
        "precandidature_transmise",
        "precandidature_preselectionnee",
    ]
    for e in rows:
        action = ACTIONS[e.action]
        assert action.libelle[0].isupper() and "_" not in action.libelle
        for cle in {**(e.avant or {}), **(e.apres or {})}:
            assert libelle_connu(cle, action), (e.action, cle)
        assert e.etablissement_id == pc.etablissement_id and e.region_id == pc.region_id
    decision = rows[-1]
    assert decision.acteur.username == "cmsi84"
    assert (decision.avant, decision.apres["etat"]) == ({"etat": "transmise"}, "preselectionnee")


# --- the ARS export -----------------------------------------------------------------------------


def test_the_ars_export_has_one_row_per_etablissement_and_domaine(client):
    from tests.exports_outils import fichiers

    deux = {
        **a.COMPLETE,
        "domaines": [
            {"code": "D2", "semestre_cibles": "2020S2"},
            {"code": "D6", "semestre_cibles": "2021S1"},
        ],
    }
    retenue = a.preselectionnee(a.etablissement(), donnees=deux)
    vide = a.brouillon(a.etablissement())
    a.brouillon(a.etablissement(region="11"))  # another région: not exported
    client.force_login(f.ars_lecteur("84"))
    csv_, xlsx = fichiers(client, url("precandidatures"))
    assert csv_[0] == xlsx[0]
    rows = [dict(zip(xlsx[0], r, strict=True)) for r in xlsx[1:]]
    assert [(r["FINESS"], r["Domaine"]) for r in rows] == sorted(
        [
            (retenue.etablissement.finess, "D2"),
            (retenue.etablissement.finess, "D6"),
            (vide.etablissement.finess, None),
        ]
    )
    par_domaine = {r["Domaine"]: r for r in rows}
    # The answer's time in Paris (pre-selected on 10/09/2019 at 10:00, Paris).
    assert csv_[1][xlsx[0].index("Réponse de l'ARS le")] == "10/09/2019 10:00"
    assert par_domaine["D2"]["Forfait estimé (€)"] == 269_355
    assert par_domaine["D6"]["Semestre d'atteinte des cibles"] == "2021 semestre 1"
    assert par_domaine["D2"]["État"] == "Pré-sélectionnée"
    assert par_domaine["D2"]["Réponse tardive"] == "Non"
    assert par_domaine[None]["État"] == "Brouillon"


def test_a_national_export_across_programmes_prices_each_with_its_own_rule(client):
    """A campaign of another programme (HN, opened by the national level): its rows are priced
    with HN's grid and activity figures, not HOP'EN's [SPEC §3]."""
    from hn.referentiel.models import Programme
    from tests.exports_outils import lignes_xlsx

    with le(2026, 1, 5):
        hn = appel(
            client,
            f.pilote_national(),
            "post",
            url("campagnes"),
            {
                "programme": "HN",
                "libelle": "Appel HN 2026",
                "ouverture": "2026-01-05",
                "cloture": "2026-06-30",
                "programmation_avant": "2026-08-31",
                "reponse_avant": "2026-09-30",
                "tardives_jusqu_au": "2026-12-31",
            },
        ).json()
    a.brouillon(
        a.etablissement(), donnees={"domaines": [{"code": "D1", "semestre_cibles": "2019S2"}]}
    )
    etab = a.etablissement()
    f.ActiviteEtablissementFactory(etablissement=etab, programme=Programme.objects.get(code="HN"))
    gestionnaire = a.gestionnaire(etab)
    with le(2026, 2, 1):
        pc = appel(
            client,
            gestionnaire,
            "post",
            url("precandidatures"),
            {"campagne": hn["id"], "finess": etab.finess},
        ).json()
        body = {"domaines": [{"code": "D1", "semestre_cibles": "2026S2"}]}
        estimation = appel(
            client, gestionnaire, "patch", url("precandidatures", pc["id"]), body
        ).json()
    # 10 000 journées MCO, category B: HN D1 219 355 €, HOP'EN D1 standard 190 323 €
    # [000 A3, 003 A3].
    assert estimation["estimation"]["domaines"] == [{"code": "D1", "forfait": 219_355}]
    client.force_login(f.lecteur_national())
    xlsx = lignes_xlsx(client.get(url("precandidatures"), {"format": "xlsx"}))
    forfaits = {r[0]: r[xlsx[0].index("Forfait estimé (€)")] for r in xlsx[1:]}
    assert forfaits == {AMI: 190_323, "Appel HN 2026": 219_355}
