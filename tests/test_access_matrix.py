"""Access matrix: every URL pattern × every role × own / other tenant.

A route without a declared rule fails ``test_every_route_has_a_rule``: adding a URL means
declaring who may use it. Expected codes: 200 allowed, 302 redirect to the login page (anonymous
web), 401 anonymous API, 403 authenticated without the role, 404 outside the caller's scope.
"""

from dataclasses import dataclass, field

import pytest
import weasyprint
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hn.comptes.enums import Role
from hn.comptes.models import Attribution
from tests import factories as f
from tests.audits import matrice
from tests.candidatures import matrice as matrice_candidatures
from tests.candidatures import matrice_programmation
from tests.dossiers_factories import depose, en_saisie, piece_de
from tests.entetes import assert_security_headers
from tests.exports import matrice as matrice_exports
from tests.factories import NotificationFactory

ROLES = [
    "anonyme",
    "es_gestionnaire",
    "es_lecteur",
    "es_admin",
    "ars_valideur",
    "ars_lecteur",
    "ars_auditeur",
    "ars_admin",
    "pilote",
    "lecteur_national",
    "superuser",
]
ES = {"es_gestionnaire", "es_lecteur"}
ARS = {"ars_valideur", "ars_lecteur", "ars_auditeur"}
NATIONAL = {"pilote", "lecteur_national", "superuser"}
ADMINS = {"es_admin", "ars_admin", "superuser"}
AUTH = set(ROLES) - {"anonyme"}


@dataclass
class Rule:
    """``allowed``: roles answered 200 (own tenant). ``scoped``: roles answered 404 for the
    other tenant's object. Others: ``denied`` code (403 web/API) and anonymous ``anon``."""

    allowed: set
    anon: int = 302
    denied: int = 403
    method: str = "get"
    kwargs: dict = field(default_factory=dict)  # name -> "own"/"other" placeholder
    query: str = ""
    scoped: set = field(default_factory=set)
    ok: int = 200
    not_allowed: int | None = None  # code for authenticated roles outside `allowed`
    # Object routes fetched-and-authorised in one call: roles that can see the own tenant's
    # object (the other tenant's is visible to the national level only); anyone else gets a
    # 404 before any role check.
    visible: set | None = None
    body: dict | None = None
    codes: dict = field(default_factory=dict)  # role -> its code, when it differs


LECTURE_ETAB = ES | ARS | NATIONAL

RULES = {
    "home": Rule(AUTH),
    "login": Rule(set(ROLES), anon=200),
    # The DSFR's mandatory pages (issue 19): open to everyone.
    "accessibilite": Rule(set(ROLES), anon=200),
    "mentions_legales": Rule(set(ROLES), anon=200),
    "donnees_personnelles": Rule(set(ROLES), anon=200),
    "logout": Rule(AUTH, method="post", ok=302, anon=302),
    "referentiel:programmes": Rule(AUTH),
    "referentiel:programme": Rule(AUTH, kwargs={"code": "programme"}),
    "referentiel:etablissements": Rule(AUTH),
    "referentiel:etablissement": Rule(
        LECTURE_ETAB, kwargs={"finess": "finess"}, visible=LECTURE_ETAB
    ),
    "enveloppes:liste": Rule(ARS | NATIONAL),
    "journal:liste": Rule(AUTH),
    "comptes:liste": Rule(ADMINS),
    "comptes:creer": Rule(ADMINS),
    "comptes:ajouter_role": Rule(
        ADMINS, kwargs={"username": "username"}, scoped={"es_admin", "ars_admin"}
    ),
    "comptes:retirer_role": Rule(
        ADMINS,
        method="post",
        ok=302,
        kwargs={"pk": "attribution"},
        scoped={"es_admin", "ars_admin"},
    ),
    # --- Authentication hardening (issue 17, helper "acces") ---
    "comptes:changer_mot_de_passe": Rule(AUTH),
    "comptes:mot_de_passe_oublie": Rule(set(ROLES), anon=200),
    # An invalid link: the page saying so, for anyone.
    "comptes:reinitialiser_mot_de_passe": Rule(
        set(ROLES), anon=200, kwargs={"uidb64": "uidb64", "token": "jeton"}
    ),
    "comptes:blocages": Rule(ADMINS),
    # Empty form: back to the list with a message.
    "comptes:debloquer": Rule(ADMINS, method="post", ok=302),
    # --- end of the authentication hardening block ---
    # Dossier web pages (dossiers/urls.py).
    "dossiers:liste": Rule(AUTH),
    "dossiers:tableau": Rule(ARS | NATIONAL),
    # Empty form: back to the list with a message.
    "dossiers:demander": Rule(AUTH, method="post", ok=302),
    "dossiers:initialiser": Rule({"ars_valideur", "superuser"}),
    "dossiers:detail": Rule(
        LECTURE_ETAB, ok=302, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "dossiers:page": Rule(
        LECTURE_ETAB, kwargs={"numero": "numero", "slug": "page"}, visible=LECTURE_ETAB
    ),
    "dossiers:deposer": Rule(
        {"es_gestionnaire", "superuser"}, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "dossiers:instruction": Rule(
        {"ars_valideur", "superuser"}, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "dossiers:historique": Rule(LECTURE_ETAB, kwargs={"numero": "numero"}, visible=LECTURE_ETAB),
    # Attachment forms (no file posted): the gestionnaire is sent back to the page with the
    # French message (302); read-only roles 403; outside the scope 404.
    "dossiers:piece_ajouter": Rule(
        {"es_gestionnaire", "superuser"},
        method="post",
        ok=302,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    "dossiers:piece_remplacer": Rule(
        {"es_gestionnaire", "superuser"},
        method="post",
        ok=302,
        kwargs={"numero": "numero", "pk": "piece"},
        visible=LECTURE_ETAB,
    ),
    "dossiers:piece_supprimer": Rule(
        {"es_gestionnaire", "superuser"},
        method="post",
        ok=302,
        kwargs={"numero": "numero", "pk": "piece"},
        visible=LECTURE_ETAB,
    ),
    "api:schema": Rule(set(ROLES), anon=200),
    "api:docs": Rule(set(ROLES), anon=200),
    "api:token": Rule(set(), anon=405, denied=405),
    "api:programmes": Rule(AUTH, anon=401),
    "api:programme-domaines": Rule(AUTH, anon=401, kwargs={"code": "programme"}),
    "api:forfait": Rule(
        AUTH, anon=401, kwargs={"code": "programme"}, query="?domaine=D2&activite_combinee=15000"
    ),
    "api:etablissements": Rule(AUTH, anon=401),
    "api:etablissement": Rule(
        LECTURE_ETAB, anon=401, kwargs={"finess": "finess"}, visible=LECTURE_ETAB
    ),
    "api:demandes": Rule(AUTH, anon=401),
    "api:dossiers": Rule(AUTH, anon=401),
    "api:dossier": Rule(LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB),
    "api:dossier-historique": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    # The forfaits' breakdown (GHT dossiers, SPEC §10): whoever reads the dossier.
    "api:dossier-forfaits": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    # An empty dossier: the gestionnaire's dépôt is refused for missing fields (409).
    "api:dossier-transition": Rule(
        {"es_gestionnaire", "superuser"},
        anon=401,
        method="post",
        ok=409,
        kwargs={"numero": "numero", "name": "transition"},
        visible=LECTURE_ETAB,
    ),
    # Empty bodies: the valideur gets the validation message (400); other roles 403.
    "api:dossier-prerequis": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    "api:dossier-domaines": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    # Attachments. The list answers whoever may read the dossier; a piece itself (detail,
    # file) is readable by the établissement's users, and by the ARS and the national level
    # only once a dépôt lists it: the fixture's pieces were never deposited (404 for them).
    "api:dossier-pieces": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "api:dossier-piece": Rule(
        ES, anon=401, kwargs={"numero": "numero", "piece": "piece"}, visible=ES
    ),
    "api:dossier-piece-fichier": Rule(
        ES, anon=401, kwargs={"numero": "numero", "piece": "piece"}, visible=ES
    ),
    # No file in the body: the gestionnaire gets the validation message (400); other roles 403.
    "api:dossier-piece-remplacer": Rule(
        {"es_gestionnaire", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero", "piece": "piece"},
        visible=LECTURE_ETAB,
    ),
    "api:dossier-commentaires": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    # Exports: whoever may read the dossier (the ARS, before the first dépôt, gets the header
    # only: tests/dossiers/test_pdf.py). The dépôt routes (accusé, deposited version) use a
    # deposited dossier of each tenant (``numero_depose``).
    "dossiers:pdf": Rule(LECTURE_ETAB, kwargs={"numero": "numero"}, visible=LECTURE_ETAB),
    "dossiers:apercu": Rule(LECTURE_ETAB, kwargs={"numero": "numero"}, visible=LECTURE_ETAB),
    "dossiers:accuse": Rule(
        LECTURE_ETAB, kwargs={"numero": "numero_depose", "rang": "rang"}, visible=LECTURE_ETAB
    ),
    "dossiers:depot_pdf": Rule(
        LECTURE_ETAB, kwargs={"numero": "numero_depose", "rang": "rang"}, visible=LECTURE_ETAB
    ),
    "api:dossier-pdf": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "api:dossier-depots": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero_depose"}, visible=LECTURE_ETAB
    ),
    "api:dossier-depot-accuse": Rule(
        LECTURE_ETAB,
        anon=401,
        kwargs={"numero": "numero_depose", "rang": "rang"},
        visible=LECTURE_ETAB,
    ),
    "api:dossier-depot-pdf": Rule(
        LECTURE_ETAB,
        anon=401,
        kwargs={"numero": "numero_depose", "rang": "rang"},
        visible=LECTURE_ETAB,
    ),
    # Notifications: one's own only; another account's is a 404 for everyone.
    "notifications:liste": Rule(AUTH),
    "notifications:lire": Rule(
        AUTH, method="post", ok=302, kwargs={"pk": "notification"}, scoped=AUTH
    ),
    "notifications:tout_lire": Rule(AUTH, method="post", ok=302),
    "api:notifications": Rule(AUTH, anon=401),
    "api:notification-lue": Rule(
        AUTH, anon=401, method="post", kwargs={"pk": "notification"}, scoped=AUTH
    ),
    # Operations of the periodic tasks: the national level.
    "taches:operations": Rule(NATIONAL),
    # --- Envelopes: pages, annual synthesis, API (issue 5) -----------------------------------
    # An envelope is read by the ARS of its région and the national level; own tenant: HN
    # Rhône-Alpes (former région 82, managed by ARS 84), other: HOP'EN Île-de-France. Outside
    # the scope (another région, or no ARS/national role at all) an envelope is a 404.
    # The pilotage dashboards (issue 16): /pilotage/ redirects to the first programme's; the
    # national one sends an ARS to its région; the regional one: own ARS 84 (HN), other
    # Île-de-France (HOP'EN). Établissement staff and administrators: 403.
    "pilotage:accueil": Rule(ARS | NATIONAL, ok=302),
    "pilotage:nationale": Rule(
        NATIONAL, kwargs={"programme": "programme"}, codes=dict.fromkeys(ARS, 302)
    ),
    "pilotage:regionale": Rule(
        ARS | NATIONAL, kwargs={"programme": "programme", "region": "region_actuelle"}, scoped=ARS
    ),
    "enveloppes:syntheses": Rule(ARS | NATIONAL),
    # The national synthesis (issue 19): every région of a programme, the national level only.
    "enveloppes:synthese_nationale_xlsx": Rule(
        NATIONAL, kwargs={"programme": "programme", "annee": "annee"}
    ),
    "enveloppes:detail": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme", "region": "region"},
        visible=ARS | NATIONAL,
    ),
    # The national pilot's redeployment form (issue 19: confirmed before it acts).
    "enveloppes:redeployer": Rule(
        {"pilote", "superuser"},
        kwargs={"programme": "programme", "region": "region"},
        visible=ARS | NATIONAL,
    ),
    "enveloppes:synthese": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme", "region": "region", "annee": "annee"},
        visible=ARS | NATIONAL,
    ),
    "enveloppes:synthese_pdf": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme", "region": "region", "annee": "annee"},
        visible=ARS | NATIONAL,
    ),
    "enveloppes:synthese_xlsx": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme", "region": "region", "annee": "annee"},
        visible=ARS | NATIONAL,
    ),
    # No dossier in the body: the CMSI is sent back to the synthesis with the message (302).
    "enveloppes:commentaire": Rule(
        {"ars_valideur", "superuser"},
        method="post",
        ok=302,
        kwargs={"programme": "programme", "region": "region", "annee": "annee"},
        visible=ARS | NATIONAL,
    ),
    # HOP'EN's amorçage by derogation (issue 16): read like the envelopes. The national page
    # shows the régions the caller may read; a région's page is HOP'EN 84 (own) / 11 (other).
    "enveloppes:derogations": Rule(ARS | NATIONAL, kwargs={"programme": "programme_derogation"}),
    "enveloppes:derogation": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme_derogation", "region": "region_derogation"},
        visible=ARS | NATIONAL,
    ),
    # API.md "Pilotage": the list of redeployments (GET; the POST, national pilot only, is
    # covered role by role in tests/enveloppes/test_redeploiement_api.py).
    "api:enveloppe-redeploiements": Rule(ARS | NATIONAL, anon=401),
    "api:enveloppes": Rule(ARS | NATIONAL, anon=401),
    "api:enveloppe-mouvements": Rule(
        ARS | NATIONAL,
        anon=401,
        kwargs={"programme": "programme", "region": "region"},
        visible=ARS | NATIONAL,
    ),
    "api:enveloppe-synthese": Rule(
        ARS | NATIONAL,
        anon=401,
        kwargs={"programme": "programme", "region": "region", "annee": "annee"},
        visible=ARS | NATIONAL,
    ),
    # --- end of envelopes -------------------------------------------------------------------
    # --- Pilotage (issue 16) ----------------------------------------------------------------
    "api:pilotage": Rule(ARS | NATIONAL, anon=401, query="?programme=HOPEN"),
    "api:pilotage-bloc": Rule(
        ARS | NATIONAL, anon=401, kwargs={"bloc": "bloc"}, query="?programme=HN"
    ),
    # --- Pilotage: the published bilan (issue 16 point 5) -----------------------------------
    # National bilan: the national level only. A région's: its ARS and the national level,
    # 404 for anyone else (own: HN 82, a former région of ARS 84; other: HOP'EN 11).
    "pilotage:bilan_pdf": Rule(NATIONAL, kwargs={"programme": "programme"}),
    "pilotage:bilan_region_pdf": Rule(
        ARS | NATIONAL,
        kwargs={"programme": "programme", "region": "region"},
        visible=ARS | NATIONAL,
    ),
    "api:pilotage-bilan": Rule(
        ARS | NATIONAL, anon=401, query="?programme=HN&region=84", visible=ARS | NATIONAL
    ),
    # --- end of the bilan -------------------------------------------------------------------
    # --- Phase suivi: reports, funding, closures (issue 5) ----------------------------------
    "dossiers:suivi": Rule(LECTURE_ETAB, kwargs={"numero": "numero"}, visible=LECTURE_ETAB),
    "api:dossier-suivi": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    "api:dossier-rapports": Rule(
        LECTURE_ETAB, anon=401, kwargs={"numero": "numero"}, visible=LECTURE_ETAB
    ),
    # Writes on the monde's dossier, still being typed: the right role reaches the rule
    # (409: not accepted; 400: the domaine is not in follow-up), the others are refused.
    "api:dossier-amorcage": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=409,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    "api:dossier-demande-cloture": Rule(
        {"es_gestionnaire", "superuser"},
        anon=401,
        method="post",
        ok=409,
        kwargs={"numero": "numero"},
        visible=LECTURE_ETAB,
    ),
    "api:domaine-financement": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=409,
        kwargs={"numero": "numero", "domaine": "domaine"},
        visible=LECTURE_ETAB,
    ),
    "api:domaine-cloture": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=409,
        kwargs={"numero": "numero", "domaine": "domaine"},
        visible=LECTURE_ETAB,
    ),
    "api:domaine-versement": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero", "domaine": "domaine"},
        visible=LECTURE_ETAB,
    ),
    "api:domaine-remboursement": Rule(
        {"ars_valideur", "superuser"},
        anon=401,
        method="post",
        ok=400,
        kwargs={"numero": "numero", "domaine": "domaine"},
        visible=LECTURE_ETAB,
    ),
    # --- end of phase suivi -----------------------------------------------------------------
    # --- MFA and API tokens (issue 17) ------------------------------------------------------
    # One's own second factor: every account (MFA is optional in this world). Without a device,
    # the second step and the backup codes send back (home, enrolment).
    "mfa:etat": Rule(AUTH),
    "mfa:activer": Rule(AUTH),
    "mfa:verifier": Rule(AUTH, ok=302),
    "mfa:codes": Rule(AUTH, ok=302),
    # A scope's administrator resets an account's device (confirmation page).
    "comptes:reinitialiser_mfa": Rule(
        ADMINS, kwargs={"username": "username"}, scoped={"es_admin", "ars_admin"}
    ),
    "api:tokens": Rule(AUTH, anon=401),
    # DELETE only: any other method is a 405 once authenticated.
    "api:token-detail": Rule(set(), anon=401, denied=405, kwargs={"pk": "attribution"}),
    "api:mfa": Rule(AUTH, anon=401),
    "api:mfa-totp": Rule(AUTH, anon=401, method="post"),
    # Empty body: the missing code (400).
    "api:mfa-totp-confirmer": Rule(AUTH, anon=401, method="post", ok=400),
    # --- end of MFA and API tokens ----------------------------------------------------------
}
RULES.update({nom: Rule(**regle) for nom, regle in matrice.REGLES.items()})  # audits (issue 13)
RULES.update({n: Rule(**r) for n, r in matrice_candidatures.REGLES.items()})  # issue 14
RULES.update({n: Rule(**r) for n, r in matrice_programmation.REGLES.items()})  # issue 14
RULES.update({n: Rule(**r) for n, r in matrice_exports.REGLES.items()})  # issue 16 (exports)
# The Django admin is the national pilots' référentiel editor: the whole namespace follows one
# rule, checked on the index and on every registered model's list.
ADMIN_RULE = Rule({"pilote", "superuser"}, not_allowed=302)


def _route_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_route_has_a_rule():
    names = set(_route_names())
    undeclared = {n for n in names if n not in RULES and not n.startswith("admin:")}
    assert not undeclared, f"routes without an access rule: {sorted(undeclared)}"
    assert not set(RULES) - names, "rules for routes that no longer exist"


# A one-page PDF: what is under test here is who may download, not WeasyPrint's rendering
# (tests/dossiers/test_pdf.py renders real PDFs).
PDF_MINIMAL = b"%PDF-1.7\n%matrice\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def medias(tmp_path_factory):
    return tmp_path_factory.mktemp("matrice-medias")


@pytest.fixture
def _settings(settings, medias):
    """Overrides the suite's per-test storage: the world's files live in the module's folder."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = _stockage(medias)


@pytest.fixture(scope="module")
def monde(django_db_setup, django_db_blocker, medias):
    """Own tenant: ES A in région 84 and ARS 84. Other tenant: an ES in Île-de-France. Each
    has a dossier being typed (HOP'EN for the own tenant) and a deposited one (HN).

    Built once for the module inside a transaction rolled back at its end (each test runs in
    a savepoint of it, so what a test writes is undone before the next); PDFs are stubbed."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(STORAGES=_stockage(medias)),
    ):
        patch.setattr(weasyprint.HTML, "write_pdf", lambda self, *a, **kw: PDF_MINIMAL)
        monde = matrice.avec_audits(_construire_le_monde())
        yield matrice_exports.avec_exports(
            matrice_programmation.avec_programmation(
                matrice_candidatures.avec_precandidatures(monde)
            )
        )
        transaction.set_rollback(True)


def _stockage(medias) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(medias)},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _construire_le_monde() -> dict:
    etab = f.EtablissementFactory()
    autre = f.EtablissementFactory(ile_de_france=True)
    users = {
        "anonyme": None,
        "es_gestionnaire": f.es_gestionnaire(etab),
        "es_lecteur": f.es_lecteur(etab),
        "es_admin": f.avec_role(Role.ADMINISTRATEUR, etablissement=etab),
        "ars_valideur": f.ars_valideur("84"),
        "ars_lecteur": f.ars_lecteur("84"),
        "ars_auditeur": f.ars_auditeur("84"),
        "ars_admin": f.avec_role(Role.ADMINISTRATEUR, region=f.region("84")),
        "pilote": f.pilote_national(),
        "lecteur_national": f.lecteur_national(),
        "superuser": f.superuser(),
    }
    compte_own = f.es_lecteur(etab)
    compte_other = f.es_lecteur(autre)
    dossier_own = en_saisie(etab, valideur=users["ars_valideur"])
    dossier_other = en_saisie(autre)
    for e in (etab, autre):  # the dossiers' forfaits (api:dossier-forfaits)
        f.ActiviteEtablissementFactory(etablissement=e)
    piece_own = piece_de(dossier_own, users["es_gestionnaire"])
    piece_other = piece_de(dossier_other, f.es_gestionnaire(autre))
    notifications_own = {
        role: NotificationFactory(destinataire=user).pk
        for role, user in users.items()
        if user is not None
    }
    notifications_own["anonyme"] = notifications_own["pilote"]
    notification_other = NotificationFactory(destinataire=compte_other).pk
    return {
        "users": users,
        "own": {
            "finess": etab.finess,
            "programme": "HN",
            "username": compte_own.username,
            "attribution": Attribution.objects.get(user=compte_own).pk,
            "numero": dossier_own.numero,
            "transition": "deposer",
            "piece": piece_own.pk,
            "page": "engagements",
            "domaine": "D2",
            "notification": notifications_own,
            "region": "82",  # HN envelope of the former région Rhône-Alpes (ARS 84)
            "programme_derogation": "HOPEN",
            "region_derogation": "84",
            "region_actuelle": "84",
            "annee": 2020,
            "numero_depose": depose(etab, code="HN").numero,
            "rang": 1,
            "uidb64": "MA",  # password reset link (not a valid one)
            "jeton": "lien-invalide",
            "bloc": "selection",
        },
        "other": {
            "finess": autre.finess,
            "programme": "HOPEN",
            "username": compte_other.username,
            "attribution": Attribution.objects.get(user=compte_other).pk,
            "numero": dossier_other.numero,
            "transition": "deposer",
            "piece": piece_other.pk,
            "page": "engagements",
            "domaine": "D2",
            "notification": dict.fromkeys(notifications_own, notification_other),
            "region": "11",  # HOP'EN envelope of Île-de-France
            "programme_derogation": "HOPEN",
            "region_derogation": "11",
            "region_actuelle": "11",
            "annee": 2020,
            "numero_depose": depose(autre, code="HN").numero,
            "rang": 1,
            "uidb64": "MA",  # password reset link (not a valid one)
            "jeton": "lien-invalide",
            "bloc": "finances",
        },
    }


@pytest.fixture(autouse=True)
def _isole(db, monde):
    """Each case in a savepoint of the module's world, with an empty cache (a dashboard cached
    by a case whose writes were rolled back must not be read by the next)."""
    cache.clear()


def expected(rule: Rule, role: str, tenant: str) -> int:
    if role == "anonyme":
        return rule.anon
    if role in rule.codes:
        return rule.codes[role]
    if rule.visible is not None:
        visible = rule.visible if tenant == "own" else rule.visible & NATIONAL
        if role not in visible:
            return 404
    if role not in rule.allowed:
        return rule.not_allowed or rule.denied
    if tenant == "other" and role in rule.scoped:
        return 404
    return rule.ok


CASES = [
    (name, role, tenant)
    for name, rule in RULES.items()
    for role in ROLES
    for tenant in (["own", "other"] if rule.kwargs else ["own"])
]


@pytest.mark.parametrize(("name", "role", "tenant"), CASES)
def test_access(client, monde, name, role, tenant):
    rule = RULES[name]
    user = monde["users"][role]
    if user is not None:
        client.force_login(user)
    # Per-account objects (notifications) are keyed by role.
    kwargs = {
        k: monde[tenant][v][role] if isinstance(monde[tenant][v], dict) else monde[tenant][v]
        for k, v in rule.kwargs.items()
    }
    url = reverse(name, kwargs=kwargs) + rule.query
    if rule.method == "post":
        response = client.post(url, rule.body or {}, content_type="application/json")
    else:
        response = client.get(url)
    if response.streaming:  # a file (exports:fichier): read, so that it is closed
        b"".join(response.streaming_content)
    assert response.status_code == expected(rule, role, tenant), (
        f"{rule.method.upper()} {url} as {role} ({tenant})"
    )
    if response.status_code == 302 and role == "anonyme" and name != "logout":
        assert response["Location"].startswith(reverse("login"))
    # --- entetes (issue 17): every answer under the CSP, never cached for a logged-in user.
    assert_security_headers(response, authenticated=user is not None)


def _admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_admin_access(client, monde, role):
    user = monde["users"][role]
    if user is not None:
        client.force_login(user)
    want = 302 if role == "anonyme" else expected(ADMIN_RULE, role, "own")
    for url in _admin_urls():
        assert client.get(url).status_code == want, f"{url} as {role}"
