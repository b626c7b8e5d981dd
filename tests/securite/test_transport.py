"""Transport-level robustness of the API (issue 17, item 6): bodies that are not a JSON object,
nested too deep, not JSON, carrying a NUL or a lone surrogate, or too big are refused with a
JSON 400/413 before any view acts, and nothing changes in the database."""

import json

import pytest
from django.apps import apps
from django.test import override_settings

from dossiers.models import Dossier
from hn import garde
from hn.api import parsers
from hn.comptes.jetons import creer_jeton
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/"
NON_OBJETS = ["[]", '"x"', "null", "1"]
PROFOND = "[" * 5000 + "]" * 5000


class Monde:
    """The dossiers each endpoint needs, built on first use."""

    def __init__(self):
        self._cache = {}

    def _une_fois(self, cle, fabrique):
        if cle not in self._cache:
            self._cache[cle] = fabrique()
        return self._cache[cle]

    @property
    def en_saisie(self):
        return self._une_fois("en_saisie", lambda: d.complet()[0])

    @property
    def depose(self):
        return self._une_fois("depose", d.depose)

    @property
    def accepte(self):
        def fabrique():
            etab = f.EtablissementFactory()
            f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
            return d.accepte(etab, selectionnes=("D2",), amorcage={"D2": 20_000})

        return self._une_fois("accepte", fabrique)

    @property
    def piece(self):
        return self._une_fois("piece", lambda: d.piece_de(self.en_saisie))

    @property
    def notification(self):
        return self._une_fois(
            "notification",
            lambda: f.NotificationFactory(destinataire=self.gestionnaire("en_saisie")),
        )

    def gestionnaire(self, sorte):
        return self._une_fois(
            ("gestionnaire", sorte),
            lambda: f.es_gestionnaire(getattr(self, sorte).etablissement),
        )

    def valideur(self, sorte):
        return self._une_fois(("valideur", sorte), lambda: d.valideur_de(getattr(self, sorte)))


# (name, method, path(world), caller(world), reads the body): every JSON endpoint of the API.
ENDPOINTS = [
    ("demandes", "post", lambda m: "demandes/", lambda m: m.gestionnaire("en_saisie"), True),
    ("dossiers", "post", lambda m: "dossiers/", lambda m: m.valideur("en_saisie"), True),
    (
        "saisie",
        "patch",
        lambda m: f"dossiers/{m.en_saisie.numero}/",
        lambda m: m.gestionnaire("en_saisie"),
        True,
    ),
    (
        "transition",
        "post",
        lambda m: f"dossiers/{m.depose.numero}/transitions/reporter/",
        lambda m: m.valideur("depose"),
        True,
    ),
    (
        "prerequis",
        "post",
        lambda m: f"dossiers/{m.depose.numero}/prerequis/",
        lambda m: m.valideur("depose"),
        True,
    ),
    (
        "domaines",
        "post",
        lambda m: f"dossiers/{m.depose.numero}/domaines/",
        lambda m: m.valideur("depose"),
        True,
    ),
    (
        "commentaires",
        "post",
        lambda m: f"dossiers/{m.depose.numero}/commentaires/",
        lambda m: m.valideur("depose"),
        True,
    ),
    (
        "suivi",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/suivi/",
        lambda m: m.valideur("accepte"),
        True,
    ),
    (
        "rapports",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/rapports/",
        lambda m: m.gestionnaire("accepte"),
        True,
    ),
    (
        "amorcage",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/amorcage/",
        lambda m: m.valideur("accepte"),
        True,
    ),
    (
        "demande-cloture",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/demande-cloture/",
        lambda m: m.gestionnaire("accepte"),
        True,
    ),
    (
        "versements",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/domaines/D2/versements/",
        lambda m: m.valideur("accepte"),
        True,
    ),
    (
        "remboursements",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/domaines/D2/remboursements/",
        lambda m: m.valideur("accepte"),
        True,
    ),
    (
        "cloture",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/domaines/D2/cloture/",
        lambda m: m.valideur("accepte"),
        True,
    ),
]
ECRITURES = [e[0] for e in ENDPOINTS]  # the 14 write endpoints that read an object
ENDPOINTS += [
    ("jeton", "post", lambda m: "auth/token/", lambda m: None, True),
    (
        "pieces",
        "post",
        lambda m: f"dossiers/{m.en_saisie.numero}/pieces/",
        lambda m: m.gestionnaire("en_saisie"),
        True,
    ),
    (
        "remplacer",
        "post",
        lambda m: f"dossiers/{m.en_saisie.numero}/pieces/{m.piece.pk}/remplacer/",
        lambda m: m.gestionnaire("en_saisie"),
        False,  # reads only the multipart file
    ),
    (
        "financement",
        "post",
        lambda m: f"dossiers/{m.accepte.numero}/domaines/D2/financement/",
        lambda m: m.valideur("accepte"),
        False,
    ),
    (
        "notification",
        "post",
        lambda m: f"notifications/{m.notification.pk}/lue/",
        lambda m: m.notification.destinataire,
        False,
    ),
    (
        "deposer",
        "post",
        lambda m: f"dossiers/{m.en_saisie.numero}/transitions/deposer/",
        lambda m: m.gestionnaire("en_saisie"),
        False,
    ),
]
PAR_NOM = {e[0]: e for e in ENDPOINTS}


def etat_base() -> dict:
    """Row counts of every model of the project, and every dossier's state and dates: what a
    refused request must leave unchanged."""
    etat = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"dossiers", "enveloppes", "indicateurs", "audits", "journal", "notifications"}
    }
    etat["dossiers"] = list(Dossier.objects.order_by("pk").values())
    return etat


def envoyer(client, nom, corps, monde, content_type="application/json", **extra):
    _nom, methode, chemin, appelant, _lit = PAR_NOM[nom]
    url = API + chemin(monde)
    user = appelant(monde)
    if user is not None:
        token = creer_jeton(user)
        extra["HTTP_AUTHORIZATION"] = f"Token {token}"
    return getattr(client, methode)(url, corps, content_type=content_type, **extra)


def assert_400_json(response, detail, champ="non_field_errors"):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail, "errors": {champ: [detail]}}


@pytest.fixture
def monde():
    return Monde()


@pytest.mark.parametrize("nom", ECRITURES)
def test_un_corps_qui_n_est_pas_un_objet_est_refuse(client, monde, nom):
    envoyer(client, nom, "{}", monde)  # builds the world (and may write: a valid call)
    avant = etat_base()
    for corps in NON_OBJETS:
        response = envoyer(client, nom, corps, monde)
        assert_400_json(response, parsers.OBJET_ATTENDU)
    assert etat_base() == avant


@pytest.mark.parametrize("nom", list(PAR_NOM))
def test_une_imbrication_profonde_est_refusee_sans_erreur_serveur(client, monde, nom):
    envoyer(client, nom, "{}", monde)
    avant = etat_base()
    for corps in (PROFOND, '{"a": ' + PROFOND + "}", "[" * 33 + "]" * 33):
        response = envoyer(client, nom, corps, monde)
        if PAR_NOM[nom][4]:
            assert_400_json(response, parsers.TROP_PROFOND)
        else:  # the view never reads its body: answered as for an empty one
            assert response.status_code < 500
            assert response["Content-Type"] == "application/json"
    assert etat_base() == avant


@pytest.mark.parametrize(
    "corps, champ",
    [
        ('{"commentaire": "\\ud800"}', "commentaire"),
        ('{"commentaire": "a\\u0000b"}', "commentaire"),
        ('{"\\udfff": 1}', "non_field_errors"),
        ('{"commentaire": ["ok", {"x": "\\udc00"}]}', "commentaire"),
        ('{"a": {"\\u0000": 1}}', "a"),
    ],
)
@pytest.mark.parametrize("nom", ["transition", "commentaires", "jeton", "saisie"])
def test_un_caractere_nul_ou_un_demi_caractere_est_refuse(client, monde, nom, corps, champ):
    envoyer(client, nom, "{}", monde)
    avant = etat_base()
    response = envoyer(client, nom, corps, monde)
    assert_400_json(response, parsers.CARACTERE_INTERDIT, champ)
    assert etat_base() == avant


@pytest.mark.parametrize(
    "corps, detail, champ",
    [
        ('{"commentaire": ', parsers.JSON_INVALIDE, None),
        ("{'commentaire': 'x'}", parsers.JSON_INVALIDE, None),
        ('{"a": NaN}', parsers.NOMBRE_INVALIDE, "a"),
        ('{"montant": 1e400}', parsers.NOMBRE_INVALIDE, "montant"),
        ('{"montant": [-Infinity]}', parsers.NOMBRE_INVALIDE, "montant"),
        ('{"a": ' + "9" * 5000 + "}", parsers.JSON_INVALIDE, None),
        (b'{"commentaire": "\xed\xa0\x80"}', parsers.ENCODAGE_INVALIDE, None),
        (b'{"commentaire": "\xff"}', parsers.ENCODAGE_INVALIDE, None),
    ],
)
def test_un_json_invalide_est_refuse_en_francais(client, monde, corps, detail, champ):
    envoyer(client, "remboursements", "{}", monde)
    avant = etat_base()
    response = envoyer(client, "remboursements", corps, monde)
    assert_400_json(response, detail, champ or "non_field_errors")
    assert etat_base() == avant


def test_le_jeton_refuse_les_corps_invalides_sans_connexion(client, monde):
    for corps in [*NON_OBJETS, PROFOND, '{"username": "\\ud800"}', "{"]:
        response = client.post(API + "auth/token/", corps, content_type="application/json")
        assert response.status_code == 400, corps[:20]
        assert response.json()["errors"]


def test_un_objet_valide_passe_toujours(client, monde):
    """The bounds do not refuse what is legitimate: 32 levels, NUL-free text, a float."""
    corps = {"commentaire": "Dossier à compléter : pièces « 2024 » 😀", "x": 1.5}
    niveau = {}
    for _ in range(parsers.PROFONDEUR_MAX - 2):  # with the top object and the innermost {}
        niveau = {"n": niveau}
    corps["profond"] = niveau
    response = envoyer(client, "transition", json.dumps(corps), monde)
    assert response.status_code == 200, response.content[:300]
    assert monde.depose.__class__.objects.get(pk=monde.depose.pk).etat == "reporte"


def test_les_crochets_dans_les_chaines_ne_comptent_pas():
    texte = json.dumps({"commentaire": "[" * 100 + '\\"{' * 50})
    assert parsers.lire_objet_json(texte.encode())["commentaire"].startswith("[[[")


def test_type_de_contenu_non_pris_en_charge(client, monde):
    envoyer(client, "transition", "{}", monde)
    avant = etat_base()
    response = envoyer(client, "transition", "commentaire=x", monde, content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Type de contenu non pris en charge")
    assert etat_base() == avant


def test_un_charset_inconnu_est_refuse_en_francais(client, monde):
    envoyer(client, "transition", "{}", monde)
    token = creer_jeton(monde.valideur("depose"))
    response = client.generic(
        "POST",
        f"{API}dossiers/{monde.depose.numero}/transitions/reporter/",
        b'{"commentaire": "x"}',
        content_type="application/json; charset=bz2_codec",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert_400_json(response, "Le corps de la requête est illisible.")


def test_formulaire_avec_caractere_nul_refuse(client, monde):
    envoyer(client, "commentaires", "{}", monde)
    avant = etat_base()
    response = envoyer(
        client,
        "commentaires",
        "texte=a%00b",
        monde,
        content_type="application/x-www-form-urlencoded",
    )
    assert_400_json(response, parsers.CARACTERE_INTERDIT, "texte")
    assert etat_base() == avant


@pytest.mark.parametrize(
    "chemin, champ",
    [
        ("dossiers/?finess=%00", "finess"),
        ("dossiers/?etat=a%00", "etat"),
        ("etablissements/?q=%00", "q"),
        ("dossiers/%00/", "non_field_errors"),
        ("demandes/?programme=%00", "programme"),
        ("notifications/?a%00=1", "non_field_errors"),
    ],
)
def test_caractere_nul_dans_l_adresse_refuse(client, chemin, champ):
    client.force_login(f.pilote_national())
    response = client.get(API + chemin)
    assert_400_json(response, garde.CARACTERE_NUL, champ)


def test_caractere_nul_dans_un_formulaire_de_page_refuse_en_francais(client):
    client.force_login(f.pilote_national())
    response = client.post(
        "/dossiers/", "q=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_demi_caractere_dans_une_adresse_remplace(client):
    """URL-encoded text cannot carry a surrogate: Django decodes it with U+FFFD."""
    client.force_login(f.pilote_national())
    response = client.get(API + "dossiers/?finess=%ED%A0%80")
    assert response.status_code == 200


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_trop_de_champs_de_formulaire_refuse_en_json(client, monde):
    envoyer(client, "commentaires", "{}", monde)
    avant = etat_base()
    corps = "&".join(f"c{i}=x" for i in range(10))
    response = envoyer(
        client, "commentaires", corps, monde, content_type="application/x-www-form-urlencoded"
    )
    assert_400_json(response, "La requête contient trop de champs ou de fichiers.")
    assert etat_base() == avant


def test_le_schema_declare_les_erreurs_de_chaque_operation(client):
    """hn.api.schema: every operation documents API.md's error answers (schemathesis checks
    the status codes and bodies against them)."""
    client.force_login(f.pilote_national())
    schema = client.get(API + "schema/?format=json").json()
    assert {"Erreur", "ErreurValidation"} <= set(schema["components"]["schemas"])
    for chemin, operations in schema["paths"].items():
        for methode, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "405"} <= codes, (chemin, methode)
            if methode in {"post", "patch", "delete"}:
                assert {"409", "413", "415"} <= codes, (chemin, methode)
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
