"""Demo accounts (``python manage.py demo``): the superuser and the accounts of API.md with
their scopes, and the gestionnaire of a demo établissement. Idempotent."""

from django.conf import settings

from hn.comptes import actions
from hn.comptes.enums import Role
from hn.comptes.models import Attribution, User
from hn.referentiel.enums import Decoupage
from hn.referentiel.models import Etablissement, Region

COMPTES = [
    # username, first, last, role, scope kind, scope key
    ("es_gestionnaire", "Élise", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "690000013"),
    ("es_lecteur", "Étienne", "Lecteur", Role.ES_LECTEUR, "es", "690000013"),
    ("es2_gestionnaire", "Bérénice", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "690000021"),
    ("es3_gestionnaire", "Camille", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "750000036"),
    # The demo GHT of région 84 (hn.referentiel.demo.ES_GHT): its support ES D, a member ES E.
    ("ght_support", "Gaspard", "Support GHT", Role.ES_GESTIONNAIRE, "es", "690000047"),
    ("ght_membre", "Margaux", "Membre GHT", Role.ES_GESTIONNAIRE, "es", "690000054"),
    ("es_admin", "Adèle", "Administratrice", Role.ADMINISTRATEUR, "es", "690000013"),
    ("ars_valideur", "Valérie", "CMSI", Role.ARS_VALIDEUR, "ars", "84"),
    ("ars_lecteur", "Louis", "Lecteur ARS", Role.ARS_LECTEUR, "ars", "84"),
    ("ars_auditeur", "Aude", "Auditrice", Role.ARS_AUDITEUR, "ars", "84"),
    ("ars_admin", "Arnaud", "Administrateur ARS", Role.ADMINISTRATEUR, "ars", "84"),
    ("ars11_valideur", "Victor", "CMSI Île-de-France", Role.ARS_VALIDEUR, "ars", "11"),
    ("dgos", "Diane", "Pilote DGOS", Role.NATIONAL_PILOTE, "national", None),
    ("dgos_lecteur", "Denis", "Lecteur DGOS", Role.NATIONAL_LECTEUR, "national", None),
]


def charger_comptes() -> list[tuple[str, str, str]]:
    """The superuser ``admin`` and the accounts of API.md with their roles (password
    ``settings.DEMO_PASSWORD``). Returns (username, role, scope) rows for the command's output."""
    actuelles = {r.code: r for r in Region.objects.filter(decoupage=Decoupage.ACTUEL)}
    password = settings.DEMO_PASSWORD
    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "is_superuser": True,
            "is_staff": True,
            "first_name": "Administrateur",
            "last_name": "technique",
            "email": "admin@demo.localhost",
        },
    )
    admin.set_password(password)
    admin.save()
    rows = [("admin", "Superutilisateur", "—")]
    for username, first, last, role, kind, key in COMPTES:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.localhost",
            },
        )
        user.set_password(password)
        user.save()
        etablissement = Etablissement.objects.get(finess=key) if kind == "es" else None
        region = actuelles[key] if kind == "ars" else None
        existe = Attribution.objects.filter(
            user=user, role=role, etablissement=etablissement, region=region
        ).exists()
        if not existe:
            actions.attribuer_role(
                user=user,
                role=role,
                etablissement=etablissement,
                region=region,
                acting_user=admin,
            )
        portee = etablissement or region
        rows.append((username, Role(role).label, str(portee) if portee else "National"))
    return rows


def gestionnaire_demo(etab):
    """A gestionnaire for a demo établissement (no password: it cannot log in)."""
    user, created = User.objects.get_or_create(
        username=f"gest_{etab.finess}",
        defaults={"first_name": "Gestionnaire", "last_name": etab.raison_sociale[:100]},
    )
    if created:
        user.set_unusable_password()
        user.save()
        actions.attribuer_role(
            user=user,
            role=Role.ES_GESTIONNAIRE,
            etablissement=etab,
            acting_user=None,
            systeme=True,
        )
    return user
