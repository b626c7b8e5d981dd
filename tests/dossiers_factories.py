"""Dossier factories with business-named states, built through the real actions so every
state is reachable only the way the product reaches it."""

import factory

from dossiers import actions
from dossiers.enums import DecisionDomaine, DecisionPrerequis, MotifRefus
from dossiers.models import (
    Commentaire,
    Contact,
    DecisionPrerequisDossier,
    DemandeInitialisation,
    Depot,
    DomaineDossier,
    Dossier,
    ValeurIndicateur,
)
from dossiers.saisie import enregistrer_saisie
from hn.referentiel.models import Programme
from tests import factories as f


def programme(code="HOPEN") -> Programme:
    return Programme.objects.get(code=code)


def saisie_complete(prog: Programme, domaines=("D2", "D3"), *, atteints=False) -> dict:
    """A PATCH body that fills every mandatory field; requested domaines 'deploiement'."""
    valeur_domaine = "100" if atteints else "10"
    return {
        "engagements": list(prog.engagements.values_list("code", flat=True)),
        "description_projet": "Déploiement du DPI dans tous les services.",
        "motivation": "Direction et communauté médicale impliquées.",
        "mutualise": False,
        "contacts": [
            {"type": t, "nom": f"Nom {t}", "email": f"{t}@ch.test", "telephone": "0400000000"}
            for t in ("contact", "responsable_projet", "dsi", "directeur")
        ],
        "domaines": [
            {
                "code": c,
                "demande": True,
                "avancement": "deploiement",
                "date_cible": "2022-06-30",
                "cout": "100000",
            }
            for c in domaines
        ],
        "indicateurs": [
            {"code": i.code, "valeur": True if i.type == "existence" else "95"}
            for i in prog.indicateurs.filter(prerequis__isnull=False)
        ]
        + [
            {"code": i.code, "valeur": (atteints if i.type == "existence" else valeur_domaine)}
            for i in prog.indicateurs.filter(domaine__code__in=domaines)
        ],
    }


def preselectionne(etablissement, code="HOPEN"):
    """HOP'EN selects through its 2019 AMI: an établissement may ask for a dossier only once
    its pré-candidature is pre-selected [SPEC §7]. The pré-candidature (D2, target 2020 S2) is
    brought there through the real actions; nothing for HN, which has no call."""
    if code != "HOPEN":
        return None
    from candidatures.models import Precandidature
    from tests.candidatures.aides import preselectionnee

    deja = Precandidature.objects.filter(
        etablissement=etablissement, etat="preselectionnee"
    ).first()
    return deja or preselectionnee(etablissement)


def en_saisie(etablissement=None, *, code="HOPEN", valideur=None) -> Dossier:
    etablissement = etablissement or f.EtablissementFactory()
    valideur = valideur or f.ars_valideur(etablissement.region.code)
    return actions.initialiser_dossier(
        programme=programme(code), etablissement=etablissement, nom="", acting_user=valideur
    )


def complet(etablissement=None, *, code="HOPEN", domaines=("D2", "D3")):
    """(dossier, gestionnaire) with every mandatory field filled, not yet deposited."""
    dossier = en_saisie(etablissement, code=code)
    # Its reference-year activity: the forfaits engaged at acceptance are computed from it.
    f.ActiviteEtablissementFactory(etablissement=dossier.etablissement, programme=dossier.programme)
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    enregistrer_saisie(
        dossier=dossier,
        data=saisie_complete(dossier.programme, domaines),
        acting_user=gestionnaire,
    )
    return dossier, gestionnaire


def depose(etablissement=None, **kw) -> Dossier:
    dossier, gestionnaire = complet(etablissement, **kw)
    return actions.deposer(dossier=dossier, acting_user=gestionnaire)


def valideur_de(dossier):
    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    attribution = Attribution.objects.filter(
        region=dossier.etablissement.region, role=Role.ARS_VALIDEUR
    ).first()
    return attribution.user if attribution else f.ars_valideur(dossier.etablissement.region.code)


def prerequis_acceptes(dossier) -> Dossier:
    return actions.valider_prerequis(
        dossier=dossier,
        decisions={p.code: DecisionPrerequis.ACCEPTE for p in dossier.programme.prerequis.all()},
        commentaire="",
        acting_user=valideur_de(dossier),
    )


def accepte(etablissement=None, *, selectionnes=("D2",), amorcage=None, **kw) -> Dossier:
    dossier = selection(etablissement, selectionnes=selectionnes, **kw)
    return actions.accepter(dossier=dossier, acting_user=valideur_de(dossier), amorcage=amorcage)


def selection(etablissement=None, *, selectionnes=("D2",), **kw) -> Dossier:
    """Deposited, every prérequis accepted, ``selectionnes`` selected: ready to accept."""
    dossier = prerequis_acceptes(depose(etablissement, **kw))
    demandes = [dd.domaine.code for dd in dossier.domaines.all() if dd.demande]
    actions.valider_domaines(
        dossier=dossier,
        decisions={
            c: (
                DecisionDomaine.SELECTIONNE
                if c in selectionnes
                else DecisionDomaine.NON_SELECTIONNE,
                "",
            )
            for c in demandes
        },
        acting_user=valideur_de(dossier),
    )
    return Dossier.objects.get(pk=dossier.pk)


def accepte_hors_enveloppe(etablissement=None, *, selectionnes=("D2",), **kw) -> Dossier:
    """Accepted by the workflow only — state and follow-up, without the envelope engagement
    that ``dossiers.actions.accepter`` writes: for the ledger's own tests, which call
    ``enveloppes.actions`` themselves."""
    from django.db import transaction

    from hn.dates import aujourd_hui
    from indicateurs import suivi

    dossier = selection(etablissement, selectionnes=selectionnes, **kw)
    valideur = valideur_de(dossier)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
        dossier.accepter(user=valideur, le=aujourd_hui())
        dossier.save()
        suivi.entrer_en_suivi(dossier, le=dossier.decide_le)
    return dossier


def refuse(etablissement=None, *, motif=MotifRefus.AUTRE, **kw) -> Dossier:
    dossier = depose(etablissement, **kw)
    return actions.refuser(
        dossier=dossier,
        motif=motif,
        commentaire="Dossier insuffisant.",
        acting_user=valideur_de(dossier),
    )


def reporte(etablissement=None, **kw) -> Dossier:
    dossier = depose(etablissement, **kw)
    return actions.reporter(
        dossier=dossier,
        commentaire="Compléter les justificatifs.",
        acting_user=valideur_de(dossier),
    )


PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def piece_de(
    dossier,
    gestionnaire=None,
    *,
    contenu=PDF_MINIMAL,
    nom="justificatif.pdf",
    categorie="document_projet",
    prerequis=None,
):
    """An attachment added through the real action by the établissement's gestionnaire."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.pieces import ajouter_piece

    return ajouter_piece(
        dossier=dossier,
        fichier=SimpleUploadedFile(nom, contenu),
        categorie=categorie,
        prerequis_code=prerequis,
        acting_user=gestionnaire or f.es_gestionnaire(dossier.etablissement),
    )


# Raw model factories (for tests of the models themselves).
class DemandeInitialisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandeInitialisation

    programme = factory.LazyFunction(programme)
    etablissement = factory.SubFactory(f.EtablissementFactory)
    demandeur = factory.SubFactory(f.UserFactory)
    echeance = factory.Faker("date_object")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    dossier = factory.LazyFunction(en_saisie)
    type = "contact"
    nom = "Claire Contact"


class DomaineDossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DomaineDossier
        django_get_or_create = ("dossier", "domaine")

    dossier = factory.LazyFunction(en_saisie)
    domaine = factory.LazyAttribute(lambda o: o.dossier.programme.domaines.first())


class ValeurIndicateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValeurIndicateur

    dossier = factory.LazyFunction(en_saisie)
    indicateur = factory.LazyAttribute(lambda o: o.dossier.programme.indicateurs.first())
    valeur = 50


class DecisionPrerequisDossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionPrerequisDossier

    dossier = factory.LazyFunction(depose)
    prerequis = factory.LazyAttribute(lambda o: o.dossier.programme.prerequis.first())
    decision = DecisionPrerequis.ACCEPTE


class CommentaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commentaire

    dossier = factory.LazyFunction(en_saisie)
    auteur = factory.SubFactory(f.UserFactory)
    texte = "Merci de compléter."


def depot_de(dossier) -> Depot:
    return dossier.depots.order_by("-rang").first()
