"""Web pages: each renders for its roles in French, scoped, with a query count that does not grow
with the rows shown; account creation by an ES administrator."""

import re

import pytest
from django.utils.html import escape

from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import Attribution, User
from hn.journal.models import Evenement
from hn.journal.services import tracer
from hn.referentiel import regles
from hn.referentiel.finess import completer_finess
from hn.referentiel.models import Programme
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

NBSP = "\xa0"  # French thousands separator of floatformat:"0g"


def _euros(value: int) -> str:
    return f"{value:,}".replace(",", NBSP)


def _page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _section(html: str, ident: str) -> str | None:
    match = re.search(rf'<section[^>]*id="{ident}"[^>]*>(.*?)</section>', html, re.S)
    return match.group(1) if match else None


# --- anonymous ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/etablissements/",
        "/etablissements/690000013/",
        "/programmes/",
        "/programmes/HN/",
        "/enveloppes/",
        "/journal/",
        "/comptes/",
        "/comptes/nouveau/",
    ],
)
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/connexion/?next={url}"


def test_login_page_is_in_french(client):
    html = client.get("/connexion/").content.decode()
    assert "<h1>Connexion</h1>" in html
    assert "Identifiant" in html
    assert "Mot de passe" in html
    assert "Se connecter" in html


# --- home page per role ---------------------------------------------------------------------


def test_home_es_gestionnaire(client):
    etab = f.EtablissementFactory(raison_sociale="Centre hospitalier de Vienne")
    user = f.es_gestionnaire(etab)
    user.first_name, user.last_name = "Élise", "Martin"
    user.save()
    html = _page(client, user, "/")
    assert "Bonjour Élise Martin" in html
    section = _section(html, "espace-etablissement")
    assert section is not None
    assert "<h2>Mes établissements</h2>" in section
    assert "En tant que gestionnaire de fichiers" in section
    assert "Centre hospitalier de Vienne" in section
    assert f'href="/etablissements/{etab.finess}/"' in section
    assert f"FINESS {etab.finess} — Auvergne-Rhône-Alpes" in section
    assert "Gestionnaire de fichiers" in html  # role tag
    for autre in ("espace-ars", "espace-national", "espace-administrateur"):
        assert _section(html, autre) is None
    assert "Mon ARS" not in html
    assert "Niveau national" not in html
    assert 'href="/admin/"' not in html


def test_home_es_lecteur(client):
    etab = f.EtablissementFactory()
    html = _page(client, f.es_lecteur(etab), "/")
    section = _section(html, "espace-etablissement")
    assert "Mes établissements" in section
    assert "En tant que lecteur" in section
    assert "gestionnaire de fichiers" not in section


def test_home_ars_valideur(client):
    for _ in range(3):
        f.EtablissementFactory()
    f.EtablissementFactory(ile_de_france=True)
    html = _page(client, f.ars_valideur("84"), "/")
    section = _section(html, "espace-ars")
    assert section is not None
    assert "<h2>Mon ARS : Auvergne-Rhône-Alpes</h2>" in section
    assert "En tant que valideur (CMSI)" in section
    assert "3 établissements de la région" in section
    assert 'href="/enveloppes/"' in section
    assert 'href="/journal/"' in section
    assert "Valideur (CMSI)" in html
    assert "Mes établissements" not in html
    assert "Niveau national" not in html
    assert 'href="/admin/"' not in html


def test_home_ars_lecteur(client):
    html = _page(client, f.ars_lecteur("11"), "/")
    section = _section(html, "espace-ars")
    assert "Mon ARS : Île-de-France" in section
    assert "Vous consultez les dossiers et l'enveloppe de votre région." in section
    assert "valideur" not in section


def test_home_pilote_national(client):
    f.EtablissementFactory()
    f.EtablissementFactory(ile_de_france=True)
    html = _page(client, f.pilote_national(), "/")
    section = _section(html, "espace-national")
    assert section is not None
    assert "<h2>Niveau national</h2>" in section
    assert "En tant que pilote national" in section
    assert "44 enveloppes régionales" in section  # 26 HN + 18 HOP'EN
    assert "2 établissements" in section
    assert 'href="/admin/"' in section
    assert "Administrer le référentiel" in section
    assert "Pilote national" in html
    assert "Mes établissements" not in html
    assert "Mon ARS" not in html


def test_home_lecteur_national_has_no_admin_link(client):
    html = _page(client, f.lecteur_national(), "/")
    section = _section(html, "espace-national")
    assert "Niveau national" in section
    assert "Vous consultez toutes les régions en lecture seule." in section
    assert 'href="/admin/"' not in html


def test_home_es_administrateur_manages_accounts(client):
    etab = f.EtablissementFactory()
    html = _page(client, f.avec_role(Role.ADMINISTRATEUR, etablissement=etab), "/")
    section = _section(html, "espace-administrateur")
    assert "Administration des comptes" in section
    assert 'href="/comptes/"' in section


def test_home_without_role(client):
    html = _page(client, f.UserFactory(), "/")
    assert "Aucun rôle" in html
    assert "demandez à l" in html
    for ident in ("espace-etablissement", "espace-ars", "espace-national"):
        assert _section(html, ident) is None


def test_home_lists_both_programmes(client):
    html = _page(client, f.es_lecteur(), "/")
    programmes = _section(html, "programmes")
    assert 'href="/programmes/HN/"' in programmes
    assert 'href="/programmes/HOPEN/"' in programmes
    assert "Hôpital numérique" in programmes
    assert "Activité de référence 2011" in programmes
    assert "Activité de référence 2017" in programmes


# --- établissements -------------------------------------------------------------------------


def test_etablissements_list_is_scoped(client):
    mien = f.EtablissementFactory(raison_sociale="Clinique du Parc")
    voisin = f.EtablissementFactory(raison_sociale="Hôpital de Givors")
    lointain = f.EtablissementFactory(ile_de_france=True, raison_sociale="Hôpital de Meaux")

    html = _page(client, f.es_gestionnaire(mien), "/etablissements/")
    assert "<h1>Établissements</h1>" in html
    assert "1 établissement</p>" in html
    assert "Clinique du Parc" in html
    assert "Hôpital de Givors" not in html
    assert "Hôpital de Meaux" not in html

    html = _page(client, f.ars_valideur("84"), "/etablissements/")
    assert "2 établissements</p>" in html
    assert voisin.finess in html and mien.finess in html
    assert lointain.finess not in html

    html = _page(client, f.pilote_national(), "/etablissements/")
    assert "3 établissements</p>" in html
    html = _page(client, f.pilote_national(), "/etablissements/?q=meaux")
    assert "1 établissement</p>" in html
    assert "Hôpital de Meaux" in html
    html = _page(client, f.pilote_national(), "/etablissements/?region=11")
    assert "Hôpital de Meaux" in html and "Clinique du Parc" not in html


def test_etablissements_list_without_rows(client):
    html = _page(client, f.UserFactory(), "/etablissements/")
    assert "Aucun établissement." in html
    assert "0 établissement</p>" in html


@pytest.fixture
def etab_avec_activite():
    etab = f.EtablissementFactory(raison_sociale="Centre hospitalier de Vienne", ssr=True)
    # HOP'EN: 20000 + 0.5 × 3000 + 1.5 × 2000 + 1 × 1000 + 0.5 × (4000 + 1000) = 28000 -> C
    f.ActiviteEtablissementFactory(
        etablissement=etab,
        programme=Programme.objects.get(code="HOPEN"),
        journees_mco=20_000,
        seances_mco=3_000,
        hdj_chirurgie_ambulatoire=2_000,
        hdj_hors_chirurgie_ambulatoire=1_000,
        journees_ssr=4_000,
        journees_had=1_000,
    )
    # HN: 5000 + 0.5 × 1001 = 5500.5 -> A
    f.ActiviteEtablissementFactory(
        etablissement=etab,
        programme=Programme.objects.get(code="HN"),
        journees_mco=5_000,
        seances_mco=1_001,
    )
    return etab


# Hand-computed from SPEC §3 (k€ grids, linear within the category, half up):
# HOP'EN at 28000, category C [22500, 230000): ratio 5500/207500.
FORFAITS_HOPEN = {
    "D1": (278_976, 334_771),  # 275-425 ; avancé 330-510
    "D2": (353_976, None),  # 350-500
    "D3": (303_976, None),  # 300-450
    "D4": (205_301, None),  # 200-400
    "D5": (128_313, None),  # 125-250
    "D6": (128_313, 153_976),  # 125-250 ; avancé 150-300
    "D7": (108_181, None),  # 105-225
}
# HN at 5500.5, category A [0, 7000): ratio 5500.5/7000.
FORFAITS_HN = {
    "D1": (165_083, None),  # 37-200
    "D2": (207_157, None),  # 50-250
    "D3": (207_157, None),  # 50-250
    "D4": (66_860, None),  # 37-75
    "D5": (66_860, None),  # 37-75
}


def test_etablissement_page_shows_activity_category_and_forfaits(client, etab_avec_activite):
    etab = etab_avec_activite
    html = _page(client, f.es_lecteur(etab), f"/etablissements/{etab.finess}/")
    assert "<h1>Centre hospitalier de Vienne</h1>" in html
    assert f"<dd>{etab.finess}</dd>" in html
    assert "<dd>MCO, SSR</dd>" in html
    assert "<dd>Public</dd>" in html
    hn_part, hopen_part = html.split("<h2>HOP")
    assert "Hôpital numérique : estimation des forfaits" in hn_part
    assert "Activité combinée : <strong>5" + NBSP + "500,5</strong>" in hn_part
    assert "catégorie <strong>A</strong>" in hn_part
    assert "Activité combinée : <strong>28" + NBSP + "000</strong>" in hopen_part
    assert "catégorie <strong>C</strong>" in hopen_part

    for part, attendus in ((hn_part, FORFAITS_HN), (hopen_part, FORFAITS_HOPEN)):
        lignes = re.findall(
            r"<tr><td>(D\d) — [^<]*</td><td class=\"hn-montant\">([^<]*)</td>"
            r"<td class=\"hn-montant\">([^<]*)</td></tr>",
            part,
        )
        assert lignes == [
            (code, _euros(montant), _euros(avance) if avance else "—")
            for code, (montant, avance) in attendus.items()
        ]
        total = sum(montant for montant, _ in attendus.values())
        assert f"<strong>{_euros(total)}</strong>" in part
    assert _euros(1_507_036) in hopen_part
    assert _euros(713_117) in hn_part


def test_etablissement_page_amounts_match_the_rules(client, etab_avec_activite):
    etab = etab_avec_activite
    client.force_login(f.pilote_national())
    response = client.get(f"/etablissements/{etab.finess}/")
    estimations = {e["programme"].code: e for e in response.context["estimations"]}
    assert list(estimations) == ["HN", "HOPEN"]
    for code, attendus in (("HN", FORFAITS_HN), ("HOPEN", FORFAITS_HOPEN)):
        estimation = estimations[code]
        programme = estimation["programme"]
        reg = programme.regles()
        volumes = etab.volumes.get(programme=programme).volumes()
        ac = regles.activite_combinee(volumes, reg.coefficients)
        assert estimation["activite_combinee"] == ac
        assert estimation["categorie"] == regles.categorie(ac, reg.categories).code
        for ligne in estimation["lignes"]:
            domaine = ligne["domaine"].code
            assert ligne["montant"] == regles.forfait(reg, domaine, ac)[1]
            assert (ligne["montant"], ligne["avance"]) == attendus[domaine]


def test_etablissement_page_without_activity(client):
    etab = f.EtablissementFactory()
    html = _page(client, f.es_lecteur(etab), f"/etablissements/{etab.finess}/")
    assert "Aucune donnée d'activité n'est enregistrée pour cet établissement." in html


def test_etablissement_page_of_another_tenant_is_a_404(client):
    mien = f.EtablissementFactory()
    autre = f.EtablissementFactory()
    idf = f.EtablissementFactory(ile_de_france=True)
    html = _page(client, f.es_gestionnaire(mien), f"/etablissements/{autre.finess}/", 404)
    assert "Page introuvable" in html
    _page(client, f.ars_valideur("84"), f"/etablissements/{idf.finess}/", 404)
    _page(client, f.ars_valideur("84"), f"/etablissements/{autre.finess}/")
    _page(client, f.pilote_national(), f"/etablissements/{idf.finess}/")


def test_etablissements_query_count_does_not_grow(client):
    user = f.superuser()
    client.force_login(user)
    for _ in range(2):
        f.EtablissementFactory()
    client.get("/etablissements/")  # warm-up
    peu, response = count_queries(client.get, "/etablissements/")
    assert "2 établissements</p>" in response.content.decode()
    for i in range(28):
        f.EtablissementFactory(**({"ile_de_france": True} if i % 2 else {}))
    beaucoup, response = count_queries(client.get, "/etablissements/")
    assert "30 établissements</p>" in response.content.decode()
    assert beaucoup == peu


# --- programmes -----------------------------------------------------------------------------


def test_programmes_page(client):
    html = _page(client, f.es_lecteur(), "/programmes/")
    assert "<h1>Programmes</h1>" in html
    assert "Hôpital numérique" in html
    assert escape("HOP'EN (Hôpital numérique ouvert sur son environnement)") in html
    assert f"Enveloppe nationale publiée : 400{NBSP}000{NBSP}000{NBSP}€" in html
    assert f"Enveloppe nationale publiée : 420{NBSP}000{NBSP}000{NBSP}€" in html
    assert "Date limite de dépôt des dossiers : 31/12/2016" in html


def test_programme_hn_page(client):
    html = _page(client, f.ars_lecteur(), "/programmes/HN/")
    assert "<h1>Hôpital numérique</h1>" in html
    assert "<h2>Calendrier</h2>" in html
    assert "<h2>Prérequis</h2>" in html
    assert "<h2>Domaines fonctionnels</h2>" in html
    for code in ("P1.1", "P3.5", "D1.1", "D5.3"):
        assert code in html
    assert "Pilotage médico-économique" in html
    assert "31/12/2016" in html
    assert f"Catégorie D : de 230{NBSP}000 à 1{NBSP}000{NBSP}000" in html
    # HN has no forfait avancé; HOP'EN shows it for D1 and D6.
    assert "Forfait avancé" not in html
    hopen = _page(client, f.ars_lecteur(), "/programmes/hopen/")
    assert hopen.count("<strong>Forfait avancé</strong>") == 2


def test_unknown_programme_page_is_a_404(client):
    _page(client, f.es_lecteur(), "/programmes/XX/", 404)


# --- enveloppes -----------------------------------------------------------------------------


def test_enveloppes_for_ars_cover_its_former_regions(client):
    html = _page(client, f.ars_valideur("84"), "/enveloppes/")
    assert "<h1>Enveloppes régionales</h1>" in html
    assert "Rhône-Alpes (82)" in html
    assert "Auvergne (83)" in html
    assert "Auvergne-Rhône-Alpes (84)" in html
    assert "Île-de-France" not in html
    assert "Total national publié" not in html
    # HN lines 37,642 + 9,344 k€; HOP'EN 49,777 k€.
    assert _euros(46_986_000) in html
    assert _euros(49_777_000) in html


def test_enveloppes_for_national_show_every_line_and_published_total(client):
    html = _page(client, f.pilote_national(), "/enveloppes/")
    assert html.count("<tr><td>") == 44
    assert "Total national publié" in html
    assert _euros(399_999_000) in html
    assert _euros(400_000_000) in html
    assert "arrondis ligne à ligne" in html


def test_enveloppes_are_forbidden_to_es_users_in_french(client):
    html = _page(client, f.es_gestionnaire(), "/enveloppes/", 403)
    assert "Accès refusé" in html
    assert "Les enveloppes sont réservées aux ARS et au niveau national." in html


# --- journal --------------------------------------------------------------------------------


def test_journal_page_lists_scoped_rows(client):
    etab = f.EtablissementFactory()
    tracer("essai", etablissement=etab, commentaire="visible-par-es")
    tracer("essai", etablissement=f.EtablissementFactory(), commentaire="autre-es")
    html = _page(client, f.es_lecteur(etab), "/journal/")
    assert "<h1>Journal des actions</h1>" in html
    assert "visible-par-es" in html
    assert "autre-es" not in html
    html = _page(client, f.pilote_national(), "/journal/")
    assert "visible-par-es" in html and "autre-es" in html


# --- comptes --------------------------------------------------------------------------------


def test_comptes_page_for_superuser(client):
    etab = f.EtablissementFactory(raison_sociale="Clinique du Parc")
    f.es_gestionnaire(etab, username="gestionnaire.parc")
    html = _page(client, f.superuser(), "/comptes/")
    assert "<h1>Comptes</h1>" in html
    assert "Créer un compte" in html
    assert "gestionnaire.parc" in html
    assert f"Gestionnaire de fichiers — Clinique du Parc ({etab.finess})" in html
    assert "Attribuer un rôle" in html


def test_comptes_page_is_scoped_for_es_administrator(client):
    etab, autre = f.EtablissementFactory(), f.EtablissementFactory()
    f.es_lecteur(etab, username="collegue")
    f.es_lecteur(autre, username="etranger")
    html = _page(client, f.avec_role(Role.ADMINISTRATEUR, etablissement=etab), "/comptes/")
    assert "collegue" in html
    assert "etranger" not in html


def test_comptes_page_is_forbidden_without_administrator_role(client):
    html = _page(client, f.es_gestionnaire(), "/comptes/", 403)
    assert "Réservé aux administrateurs." in html
    _page(client, f.es_gestionnaire(), "/comptes/nouveau/", 403)


def test_comptes_query_count_does_not_grow(client):
    user = f.superuser()
    client.force_login(user)
    for _ in range(2):
        f.es_lecteur()
    client.get("/comptes/")  # warm-up
    peu, response = count_queries(client.get, "/comptes/")
    assert len(response.context["page_obj"].object_list) == 2
    for i in range(28):
        if i % 3 == 0:
            f.ars_lecteur("84" if i % 2 else "11")
        else:
            f.es_lecteur()
    beaucoup, response = count_queries(client.get, "/comptes/")
    assert len(response.context["page_obj"].object_list) == 30
    assert beaucoup == peu


# --- account creation by an ES administrator ------------------------------------------------


def _donnees(finess, username="nouvel.agent", **extra):
    return {
        "username": username,
        "first_name": "Noé",
        "last_name": "Agent",
        "email": "noe.agent@ch-vienne.fr",
        "password": "",
        "perimetre": Perimetre.ETABLISSEMENT,
        "finess": finess,
        "region": "",
        "role": Role.ES_LECTEUR,
        **extra,
    }


@pytest.fixture
def es_admin(client):
    etab = f.EtablissementFactory()
    admin = f.avec_role(Role.ADMINISTRATEUR, etablissement=etab, username="admin.es")
    client.force_login(admin)
    return etab, admin


def test_es_administrator_creates_an_account_for_its_etablissement(client, es_admin):
    etab, admin = es_admin
    response = client.get("/comptes/nouveau/")
    assert response.status_code == 200
    assert "Créer un compte" in response.content.decode()

    response = client.post("/comptes/nouveau/", _donnees(etab.finess))
    assert response.status_code == 302
    assert response.url == "/comptes/"
    user = User.objects.get(username="nouvel.agent")
    assert user.email == "noe.agent@ch-vienne.fr"
    assert not user.has_usable_password()
    attribution = Attribution.objects.get(user=user)
    assert (attribution.perimetre, attribution.role) == (Perimetre.ETABLISSEMENT, Role.ES_LECTEUR)
    assert attribution.etablissement == etab
    # Traced, with the administrator as actor.
    creation = Evenement.objects.get(action="compte_cree", objet_id=str(user.pk))
    assert creation.acteur == admin
    assert creation.etablissement == etab
    assert Evenement.objects.filter(
        action="role_attribue", objet_id=str(user.pk), acteur=admin
    ).exists()
    html = client.get(response.url).content.decode()
    assert "Le compte nouvel.agent a été créé." in html


def test_es_administrator_cannot_create_an_account_elsewhere(client, es_admin):
    autre = f.EtablissementFactory()
    comptes_avant = User.objects.count()
    response = client.post("/comptes/nouveau/", _donnees(autre.finess))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [
        "Vous ne pouvez pas administrer les comptes de ce périmètre."
    ]
    assert "Vous ne pouvez pas administrer les comptes de ce périmètre." in (
        response.content.decode()
    )
    assert User.objects.count() == comptes_avant
    assert not User.objects.filter(username="nouvel.agent").exists()


def test_es_administrator_cannot_create_an_ars_account(client, es_admin):
    comptes_avant = User.objects.count()
    response = client.post(
        "/comptes/nouveau/",
        _donnees("", perimetre=Perimetre.ARS, region="84", role=Role.ARS_LECTEUR),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Vous ne pouvez pas administrer les comptes de ce périmètre."
    ]
    assert User.objects.count() == comptes_avant


FINESS_FORMAT = (
    "Le numéro FINESS doit comporter 9 caractères : le département (2 chiffres, ou 2A/2B pour "
    "la Corse) suivi de 7 chiffres."
)
FINESS_INCONNU = completer_finess("38799999")
FINESS_MAUVAISE_CLE = FINESS_INCONNU[:8] + str((int(FINESS_INCONNU[8]) + 1) % 10)


@pytest.mark.parametrize(
    ("finess", "message"),
    [
        ("12345", FINESS_FORMAT),
        ("ABCDEFGHI", FINESS_FORMAT),
        ("", FINESS_FORMAT),
        ("000000000", "Le département 00 n'existe pas dans un numéro FINESS."),
        (
            FINESS_MAUVAISE_CLE,
            "Le numéro FINESS est invalide : sa clé de contrôle ne correspond pas.",
        ),
        (FINESS_INCONNU, "Aucun établissement n'a ce numéro FINESS."),
    ],
)
def test_bad_finess_is_a_french_field_error(client, es_admin, finess, message):
    comptes_avant = User.objects.count()
    response = client.post("/comptes/nouveau/", _donnees(finess))
    assert response.status_code == 200
    assert response.context["form"].errors["finess"] == [message]
    html = response.content.decode()
    assert escape(message) in html
    assert 'id="id_finess_error"' in html
    assert 'aria-describedby="id_finess_helptext id_finess_error"' in html
    assert User.objects.count() == comptes_avant


def test_duplicate_username_is_refused_in_french(client, es_admin):
    etab, _ = es_admin
    f.UserFactory(username="Deja.La")
    comptes_avant = User.objects.count()
    response = client.post("/comptes/nouveau/", _donnees(etab.finess, username="deja.la"))
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "L'identifiant « deja.la » est déjà utilisé."
    ]
    assert User.objects.count() == comptes_avant
