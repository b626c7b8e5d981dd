"""`python manage.py demo` (API.md "Demo data"): accounts, scopes, envelopes, idempotence."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from audits.models import Audit, Tirage
from dossiers.models import Dossier
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import Attribution, User
from hn.comptes.scopes import acces
from hn.referentiel.enums import Decoupage
from hn.referentiel.models import (
    GHT,
    ActiviteEtablissement,
    Domaine,
    Echeance,
    Etablissement,
    GrilleForfait,
    Indicateur,
    Programme,
    Region,
)

# The package's demo (tests/demo/conftest.py), loaded by one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

ES_A, ES_B, ES_C = "690000013", "690000021", "750000036"
ES_D, ES_E, ES_F = "690000047", "690000054", "690000062"  # the demo GHT's (issue 15)

# API.md: username -> (perimetre, role, FINESS or région code)
COMPTES = {
    "es_gestionnaire": (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE, ES_A),
    "es_lecteur": (Perimetre.ETABLISSEMENT, Role.ES_LECTEUR, ES_A),
    "es2_gestionnaire": (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE, ES_B),
    "es3_gestionnaire": (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE, ES_C),
    "ght_support": (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE, ES_D),
    "ght_membre": (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE, ES_E),
    "ars_valideur": (Perimetre.ARS, Role.ARS_VALIDEUR, "84"),
    "ars_lecteur": (Perimetre.ARS, Role.ARS_LECTEUR, "84"),
    "ars_auditeur": (Perimetre.ARS, Role.ARS_AUDITEUR, "84"),
    "ars11_valideur": (Perimetre.ARS, Role.ARS_VALIDEUR, "11"),
    "dgos": (Perimetre.NATIONAL, Role.NATIONAL_PILOTE, None),
}


def test_refuses_when_debug_is_off_without_force(settings):
    settings.DEBUG = False
    avant = Etablissement.objects.count(), User.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("demo", stdout=StringIO())
    message = str(exc.value)
    assert message.startswith("Refus : DEBUG est désactivé")
    assert "--force" in message
    assert (Etablissement.objects.count(), User.objects.count()) == avant


def test_output_lists_the_accounts(demo):
    assert "Démonstration : " in demo
    assert "mot de passe : $DEMO_PASSWORD, « demo » par défaut" in demo
    for username in [*COMPTES, "admin"]:
        assert f"  {username} " in demo


@pytest.mark.parametrize("username", list(COMPTES))
def test_account_has_its_role_and_scope(demo, username):
    perimetre, role, cle = COMPTES[username]
    user = User.objects.get(username=username)
    assert not user.is_superuser
    attributions = list(
        Attribution.objects.filter(user=user).select_related("etablissement", "region")
    )
    assert len(attributions) == 1, attributions
    (attribution,) = attributions
    assert (attribution.perimetre, attribution.role) == (perimetre, role)
    if perimetre == Perimetre.ETABLISSEMENT:
        assert attribution.etablissement.finess == cle
        assert attribution.region is None
        assert acces(user).etablissements == {attribution.etablissement_id: role}
    elif perimetre == Perimetre.ARS:
        assert attribution.etablissement is None
        assert attribution.region.code == cle
        assert attribution.region.decoupage == Decoupage.ACTUEL
        assert acces(user).regions == {attribution.region_id: role}
    else:
        assert attribution.etablissement is None and attribution.region is None
        assert acces(user).role_national == role
        assert acces(user).pilote


def test_admin_is_a_superuser(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert acces(admin).national


def test_demo_names_elide_and_contract_de(demo):
    """Issue 19 point 8: « Centre hospitalier de Le Puy-en-Velay », « de Annecy »."""
    import random

    from hn.referentiel.demo import _nom

    noms = set(Etablissement.objects.values_list("raison_sociale", flat=True))
    publics = {n for n in noms if n.startswith(("Centre hospitalier", "Hôpital local"))}
    assert {n for n in publics if " du " in n or " d'" in n}  # some were elided or contracted
    fautes = (" de Le ", " de Les ", " de A", " de É", " de O", " de Au", " de Ab")
    assert not {n for n in publics if any(faute in n for faute in fautes)}
    rng = random.Random(1)
    assert _nom(rng, "ch", "Le Puy-en-Velay", 1) == "Centre hospitalier du Puy-en-Velay"
    assert _nom(rng, "hl", "Annecy", 2) == "Hôpital local d'Annecy 2"
    assert _nom(rng, "chs", "La Rochelle", 1) == "Centre hospitalier spécialisé de La Rochelle"


def test_fixed_etablissements_and_their_regions(demo):
    etabs = {e.finess: e for e in Etablissement.objects.filter(finess__in=[ES_A, ES_B, ES_C])}
    assert etabs[ES_A].region.code == "84"
    assert etabs[ES_A].region.nom == "Auvergne-Rhône-Alpes"
    assert etabs[ES_B].region.code == "84"
    assert etabs[ES_C].region.code == "11"
    assert etabs[ES_C].region.nom == "Île-de-France"
    for etab in etabs.values():
        assert etab.region.decoupage == Decoupage.ACTUEL
        assert etab.region_historique.region_actuelle_id == etab.region_id
        assert set(etab.volumes.values_list("programme__code", flat=True)) == {"HN", "HOPEN"}
    # The demo GHT of région 84: ES D its support, ES A a plain member, public members only;
    # ES B (a private clinic) in no GHT.
    ght = GHT.objects.get(nom="GHT Rhône Centre (démonstration)")
    assert ght.region.code == "84"
    assert ght.support.finess == ES_D
    assert set(ght.membres.values_list("finess", flat=True)) == {ES_A, ES_D, ES_E, ES_F}
    assert set(ght.membres.values_list("statut", flat=True)) == {"public"}
    assert etabs[ES_B].ght is None
    assert not etabs[ES_A].est_support_ght


@pytest.mark.parametrize("username", [*COMPTES, "admin"])
def test_every_account_logs_in_with_the_demo_password(demo, client, username):
    assert settings.DEMO_PASSWORD == "demo"
    assert client.login(username=username, password=settings.DEMO_PASSWORD)
    assert not client.login(username=username, password="pas-demo")


def test_every_region_has_its_envelope_for_its_programme(demo):
    anciennes = set(
        Region.objects.filter(decoupage=Decoupage.ANCIEN).values_list("code", flat=True)
    )
    actuelles = set(Region.objects.actuelles().values_list("code", flat=True))
    assert len(anciennes) == 26
    assert len(actuelles) == 18
    hn = Enveloppe.objects.filter(programme__code="HN")
    hopen = Enveloppe.objects.filter(programme__code="HOPEN")
    assert hn.count() == 26
    assert hopen.count() == 18
    assert set(hn.values_list("region__code", flat=True)) == anciennes
    assert not hn.exclude(region__decoupage=Decoupage.ANCIEN).exists()
    assert set(hopen.values_list("region__code", flat=True)) == actuelles
    assert not hopen.exclude(region__decoupage=Decoupage.ACTUEL).exists()
    # Regional lines stored as published (SPEC §3): 399,999 k€ and 419,999 k€.
    assert hn.total() == 399_999_000
    assert hopen.total() == 419_999_000
    assert hn.get(region__code="82").montant_publie == 37_642_000  # Rhône-Alpes
    assert hopen.get(region__code="84").montant_publie == 49_777_000


def test_a_few_hundred_etablissements_with_activity_for_both_programmes(demo):
    avec_les_deux = Etablissement.objects.annotate(
        hn=Count("volumes", filter=Q(volumes__programme__code="HN")),
        hopen=Count("volumes", filter=Q(volumes__programme__code="HOPEN")),
    ).filter(hn=1, hopen=1)
    assert avec_les_deux.count() >= 200
    # Realistic figures: every établissement has some activity.
    assert not ActiviteEtablissement.objects.filter(
        journees_mco=0, journees_ssr=0, journees_psy=0, journees_had=0
    ).exists()
    # Every current région has établissements.
    assert Etablissement.objects.values("region").distinct().count() == 18


def _comptages():
    return {
        "users": User.objects.count(),
        "attributions": Attribution.objects.count(),
        "groupes": Group.objects.count(),
        "etablissements": Etablissement.objects.count(),
        "activites": ActiviteEtablissement.objects.count(),
        "ght": GHT.objects.count(),
        "membres_ght": Etablissement.objects.filter(ght__isnull=False).count(),
        "enveloppes": Enveloppe.objects.count(),
        "regions": Region.objects.count(),
        "programmes": Programme.objects.count(),
        "echeances": Echeance.objects.count(),
        "domaines": Domaine.objects.count(),
        "indicateurs": Indicateur.objects.count(),
        "grilles": GrilleForfait.objects.count(),
        "journees_mco": ActiviteEtablissement.objects.aggregate(s=Sum("journees_mco"))["s"],
        "dossiers": Dossier.objects.count(),
        "mouvements": MouvementEnveloppe.objects.count(),
        "tirages": Tirage.objects.count(),
        "audits": Audit.objects.count(),
    }


def test_running_twice_changes_nothing_and_force_overrides_debug(demo, settings):
    avant = _comptages()
    assert avant["users"] >= 11
    assert avant["tirages"] == 2 and avant["audits"] == 5
    settings.DEBUG = False
    call_command("demo", "--force", stdout=StringIO())
    assert _comptages() == avant
    for username in COMPTES:
        assert Attribution.objects.filter(user__username=username).count() == 1
