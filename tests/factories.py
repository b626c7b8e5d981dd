"""factory-boy factories for every model, with business-named helpers."""

import factory
from django.contrib.auth.hashers import make_password

from enveloppes.models import Enveloppe
from hn.comptes import actions
from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import Attribution, User
from hn.journal.models import Evenement
from hn.notifications.models import Categorie as CategorieNotification
from hn.notifications.models import Notification
from hn.referentiel.enums import Decoupage, Statut, TypeIndicateur
from hn.referentiel.finess import completer_finess
from hn.referentiel.models import (
    GHT,
    ActiviteEtablissement,
    Categorie,
    CoefficientActivite,
    Domaine,
    Echeance,
    Etablissement,
    GrilleForfait,
    Indicateur,
    Prerequis,
    Programme,
    Region,
)

PASSWORD = "mot-de-passe-de-test"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code", "decoupage")

    code = "84"
    nom = "Auvergne-Rhône-Alpes"
    decoupage = Decoupage.ACTUEL


def region(code="84"):
    """A current région of the loaded référentiel."""
    return Region.objects.get(code=code, decoupage=Decoupage.ACTUEL)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TEST{n}")
    nom = factory.LazyAttribute(lambda o: f"Programme {o.code}")
    decoupage = Decoupage.ACTUEL
    annee_reference_activite = 2024
    montant_total_publie = 1_000_000
    ordre = 99


class EcheanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Echeance

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"echeance-{n}")
    libelle = "Date limite de dépôt"
    date = factory.Faker("date_object")


class CoefficientActiviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoefficientActivite

    programme = factory.SubFactory(ProgrammeFactory)
    volume = "journees_mco"
    coefficient = 1


class CategorieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Categorie

    programme = factory.SubFactory(ProgrammeFactory)
    code = "A"
    borne_min = 0
    borne_max = 10_000


class PrerequisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prerequis

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    libelle = "Identités, mouvements"


class DomaineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domaine

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    libelle = "Dossier patient informatisé"


class IndicateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicateur

    programme = factory.SubFactory(ProgrammeFactory)
    domaine = factory.SubFactory(DomaineFactory, programme=factory.SelfAttribute("..programme"))
    code = factory.Sequence(lambda n: f"X{n}.1")
    libelle = "Taux de services dont le dossier patient est informatisé"
    type = TypeIndicateur.TAUX
    cible = 80


class GrilleForfaitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrilleForfait

    domaine = factory.SubFactory(DomaineFactory)
    categorie = "A"
    montant_min = 10_000
    montant_max = 20_000


class EtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etablissement

    finess = factory.Sequence(lambda n: completer_finess(f"38{700000 + n:06d}"))
    raison_sociale = factory.Sequence(lambda n: f"Centre hospitalier de test {n}")
    region = factory.LazyFunction(lambda: region("84"))
    statut = Statut.PUBLIC
    mco = True

    class Params:
        ile_de_france = factory.Trait(
            region=factory.LazyFunction(lambda: region("11")),
            finess=factory.Sequence(lambda n: completer_finess(f"75{700000 + n:06d}")),
        )


class GHTFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GHT

    nom = factory.Sequence(lambda n: f"GHT de test {n}")
    region = factory.LazyFunction(lambda: region("84"))


class ActiviteEtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActiviteEtablissement
        django_get_or_create = ("etablissement", "programme")

    etablissement = factory.SubFactory(EtablissementFactory)
    programme = factory.LazyFunction(lambda: Programme.objects.get(code="HOPEN"))
    journees_mco = 10_000


class EnveloppeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enveloppe

    programme = factory.SubFactory(ProgrammeFactory)
    region = factory.LazyFunction(lambda: region("84"))
    montant_publie = 1_000_000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"compte{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@test.localhost")
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class AttributionFactory(factory.django.DjangoModelFactory):
    """Raw row (no guardian group): prefer :func:`avec_role` in tests of behaviour."""

    class Meta:
        model = Attribution

    user = factory.SubFactory(UserFactory)
    perimetre = Perimetre.ETABLISSEMENT
    role = Role.ES_LECTEUR
    etablissement = factory.SubFactory(EtablissementFactory)


class EvenementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evenement

    acteur_nom = "systeme"
    action = "test"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    destinataire = factory.SubFactory(UserFactory)
    cle = factory.Sequence(lambda n: f"test:{n}")
    categorie = CategorieNotification.DOSSIER
    titre = "Notification de test"
    message = "Message de test."
    lien = "/"


def superuser():
    user, _ = User.objects.get_or_create(
        username="racine", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def avec_role(role, *, etablissement=None, region=None, user=None, username=None):
    """A user holding ``role`` (through the real action, guardian groups included)."""
    user = user or UserFactory(**({"username": username} if username else {}))
    actions.attribuer_role(
        user=user,
        role=role,
        etablissement=etablissement,
        region=region,
        acting_user=superuser(),
    )
    return user


def es_gestionnaire(etablissement=None, **kw):
    return avec_role(
        Role.ES_GESTIONNAIRE, etablissement=etablissement or EtablissementFactory(), **kw
    )


def es_lecteur(etablissement=None, **kw):
    return avec_role(Role.ES_LECTEUR, etablissement=etablissement or EtablissementFactory(), **kw)


def ars_valideur(code="84", **kw):
    return avec_role(Role.ARS_VALIDEUR, region=region(code), **kw)


def ars_lecteur(code="84", **kw):
    return avec_role(Role.ARS_LECTEUR, region=region(code), **kw)


def ars_auditeur(code="84", **kw):
    return avec_role(Role.ARS_AUDITEUR, region=region(code), **kw)


def pilote_national(**kw):
    return avec_role(Role.NATIONAL_PILOTE, **kw)


def lecteur_national(**kw):
    return avec_role(Role.NATIONAL_LECTEUR, **kw)
