"""Who is told of each dossier workflow event (dossiers/notifications.py, hooked in
dossiers/actions.py::tracer_dossier): the right people, once, in the action's transaction, with the
e-mails going out after the commit (issue 4 §2, §5)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse

from dossiers import actions
from dossiers.notifications import AVIS, notifier_evenement
from dossiers.saisie import enregistrer_saisie
from hn.journal.models import Evenement
from hn.notifications.courriels import envoyer
from hn.notifications.models import Notification, StatutCourriel
from hn.taches.models import ExecutionTache
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SUJET = "[Financement HN / HOP'EN] "


class Monde:
    """One établissement of Auvergne-Rhône-Alpes (84) and everyone around it."""

    def __init__(self):
        self.etablissement = f.EtablissementFactory(raison_sociale="CH de Vienne")
        self.gestionnaire = f.es_gestionnaire(self.etablissement)
        self.es_lecteur = f.es_lecteur(self.etablissement)
        self.voisin = f.es_gestionnaire()  # another établissement of the same région
        self.valideur = f.ars_valideur("84")
        self.valideur_bis = f.ars_valideur("84")
        self.ars_lecteur = f.ars_lecteur("84")
        self.ars_auditeur = f.ars_auditeur("84")
        self.valideur_idf = f.ars_valideur("11")
        self.pilote = f.pilote_national()
        self.lecteur_national = f.lecteur_national()

    @property
    def es(self):
        return {self.gestionnaire, self.es_lecteur}

    @property
    def valideurs(self):
        return {self.valideur, self.valideur_bis}

    @property
    def nationaux(self):
        return {self.pilote, self.lecteur_national}

    def en_saisie(self):
        return d.en_saisie(self.etablissement, valideur=self.valideur)

    def complet(self):
        dossier = self.en_saisie()
        f.ActiviteEtablissementFactory(
            etablissement=self.etablissement, programme=dossier.programme
        )
        return enregistrer_saisie(
            dossier=dossier,
            data=d.saisie_complete(dossier.programme),
            acting_user=self.gestionnaire,
        )

    def depose(self):
        return actions.deposer(dossier=self.complet(), acting_user=self.gestionnaire)

    def pret_a_accepter(self):
        dossier = self.depose()
        actions.valider_prerequis(
            dossier=dossier,
            decisions={p.code: "accepte" for p in dossier.programme.prerequis.all()},
            commentaire="",
            acting_user=self.valideur,
        )
        return actions.valider_domaines(
            dossier=dossier,
            decisions={"D2": ("selectionne", ""), "D3": ("non_selectionne", "")},
            acting_user=self.valideur,
        )

    def accepte(self):
        return actions.accepter(dossier=self.pret_a_accepter(), acting_user=self.valideur)


@pytest.fixture
def monde():
    return Monde()


def dernier(action, dossier) -> Evenement:
    return Evenement.objects.filter(
        action=action, objet_type="dossiers.dossier", objet_id=str(dossier.pk)
    ).latest("pk")


def notifies(action, dossier) -> dict:
    """{recipient: notification} of the last ``action`` event of ``dossier``."""
    evenement = dernier(action, dossier)
    return {
        n.destinataire: n
        for n in Notification.objects.filter(cle=f"evenement:{evenement.pk}").select_related(
            "destinataire"
        )
    }


def instruction(dossier):
    return reverse("dossiers:instruction", args=[dossier.numero])


def detail(dossier):
    return reverse("dossiers:detail", args=[dossier.numero])


# --- each action, its recipients, its words -------------------------------------------------------


def test_initialisation_tells_the_etablissement(monde):
    dossier = monde.en_saisie()
    recus = notifies("dossier_initialise", dossier)
    assert set(recus) == monde.es
    n = recus[monde.gestionnaire]
    assert n.titre == f"Dossier {dossier.numero} initialisé"
    assert n.message == (
        f"L'ARS a initialisé le dossier {dossier.programme.nom} « CH de Vienne ». Vous pouvez "
        "le saisir puis le déposer."
    )
    assert n.lien == detail(dossier)
    assert n.categorie == "dossier"


@time_machine.travel(datetime(2025, 10, 31, 16, 45, tzinfo=PARIS), tick=False)
def test_depot_tells_the_regions_valideurs_with_the_decision_date(monde):
    dossier = monde.depose()
    assert dossier.echeance_decision == date(2026, 2, 28)
    recus = notifies("dossier_depose", dossier)
    # Not the ARS lecteur nor auditeur, not another région's valideur, not the ES, not national.
    assert set(recus) == monde.valideurs
    n = recus[monde.valideur]
    assert n.titre == f"Dossier {dossier.numero} déposé"
    assert "CH de Vienne a déposé le dossier" in n.message
    assert "Décision attendue au plus tard le 28/02/2026" in n.message
    assert "réputé refusé" in n.message
    assert n.lien == instruction(dossier)
    assert n.courriel_statut == StatutCourriel.A_ENVOYER


def test_report_tells_the_etablissement_what_to_fix(monde):
    dossier = actions.reporter(
        dossier=monde.depose(),
        commentaire="Joindre le devis signé.",
        acting_user=monde.valideur,
    )
    recus = notifies("dossier_reporte", dossier)
    assert set(recus) == monde.es
    n = recus[monde.es_lecteur]
    assert n.titre == f"Dossier {dossier.numero} reporté par l'ARS"
    assert n.message == (
        "L'ARS a reporté le dossier « CH de Vienne » pour corrections : Joindre le devis signé."
    )
    assert n.lien == detail(dossier)


def test_a_new_depot_after_a_report_is_a_new_event(monde):
    dossier = actions.reporter(
        dossier=monde.depose(), commentaire="Compléter.", acting_user=monde.valideur
    )
    dossier = actions.deposer(dossier=dossier, acting_user=monde.gestionnaire)
    depots = Notification.objects.filter(
        destinataire=monde.valideur, titre=f"Dossier {dossier.numero} déposé"
    )
    assert depots.count() == 2
    assert len(set(depots.values_list("cle", flat=True))) == 2


def test_refusal_tells_the_etablissement_the_reason(monde):
    dossier = actions.refuser(
        dossier=monde.depose(),
        motif="enveloppe",
        commentaire="Enveloppe régionale épuisée.",
        acting_user=monde.valideur,
    )
    recus = notifies("dossier_refuse", dossier)
    assert set(recus) == monde.es
    n = recus[monde.gestionnaire]
    assert n.titre == f"Dossier {dossier.numero} refusé"
    assert n.message == (
        "L'ARS a refusé le dossier « CH de Vienne » (Maîtrise de l'enveloppe) : "
        "Enveloppe régionale épuisée."
    )
    assert n.lien == detail(dossier)


def test_acceptance_tells_the_etablissement(monde):
    dossier = monde.accepte()
    recus = notifies("dossier_accepte", dossier)
    assert set(recus) == monde.es
    assert recus[monde.gestionnaire].titre == f"Dossier {dossier.numero} accepté"
    assert "Le suivi de sa mise en œuvre commence." in recus[monde.gestionnaire].message


def test_closure_tells_the_etablissement_and_the_national_level(monde):
    dossier = actions.clore(
        dossier=monde.accepte(),
        motif="cibles_inatteignables",
        commentaire="Éditeur défaillant.",
        acting_user=monde.valideur,
    )
    recus = notifies("dossier_clos", dossier)
    assert set(recus) == monde.es | monde.nationaux
    n = recus[monde.pilote]
    assert n.titre == f"Dossier {dossier.numero} clos"
    assert n.message == (
        "L'ARS a clos le dossier « CH de Vienne » de CH de Vienne (Cibles impossibles à "
        "atteindre avant la fin du programme) : Éditeur défaillant."
    )
    assert recus[monde.gestionnaire].lien == detail(dossier)


def test_implicit_refusal_tells_the_etablissement_and_the_ars(monde):
    with time_machine.travel(datetime(2026, 1, 12, 10, 0, tzinfo=PARIS), tick=False):
        dossier = monde.depose()
    with time_machine.travel(datetime(2026, 5, 13, 10, 0, tzinfo=PARIS), tick=False):
        dossier = actions.refuser_implicitement(dossier=dossier)
    recus = notifies("dossier_refuse_implicitement", dossier)
    # ES and the ARS (valideurs and lecteurs); not the auditeur, not another région.
    assert set(recus) == monde.es | monde.valideurs | {monde.ars_lecteur}
    n = recus[monde.gestionnaire]
    assert n.categorie == "refus_implicite"
    assert n.titre == f"Dossier {dossier.numero} refusé implicitement"
    assert n.message == (
        "Le dossier « CH de Vienne » de CH de Vienne, déposé le 12/01/2026, n'a pas reçu de "
        "décision de l'ARS dans le délai de quatre mois : il est réputé refusé (refus "
        "implicite) à la date du 12/05/2026. Une nouvelle candidature est possible à partir "
        "du 12/11/2026."
    )


def test_working_steps_notify_nobody(monde):
    dossier = monde.pret_a_accepter()
    actions.commenter(dossier=dossier, texte="Vu.", acting_user=monde.valideur)
    actions.commenter_page(
        dossier=dossier, page="contacts", texte="Ok.", acting_user=monde.valideur
    )
    bruyantes = {e.pk for e in Evenement.objects.filter(action__in=list(AVIS))}
    silencieuses = Evenement.objects.filter(
        action__in=["dossier_saisi", "prerequis_valides", "domaines_valides", "dossier_commente"]
    )
    assert silencieuses.count() >= 5
    assert not Notification.objects.filter(
        cle__in=[f"evenement:{e.pk}" for e in silencieuses]
    ).exists()
    assert {int(c.split(":")[1]) for c in Notification.objects.values_list("cle", flat=True)} <= (
        bruyantes
    )


# --- once -----------------------------------------------------------------------------------------


def test_an_event_notified_again_creates_nothing_more(monde):
    dossier = monde.depose()
    evenement = dernier("dossier_depose", dossier)
    avant = Notification.objects.count()
    assert notifier_evenement(evenement, dossier) == 0
    assert Notification.objects.count() == avant
    assert Notification.objects.filter(cle=f"evenement:{evenement.pk}").count() == 2


def test_each_recipient_gets_each_event_once(monde):
    dossier = actions.reporter(
        dossier=monde.depose(), commentaire="Compléter.", acting_user=monde.valideur
    )
    dossier = actions.refuser(
        dossier=actions.deposer(dossier=dossier, acting_user=monde.gestionnaire),
        motif="autre",
        commentaire="Non.",
        acting_user=monde.valideur,
    )
    titres = list(
        Notification.objects.filter(destinataire=monde.gestionnaire)
        .order_by("pk")
        .values_list("titre", flat=True)
    )
    assert titres == [
        f"Dossier {dossier.numero} initialisé",
        f"Dossier {dossier.numero} reporté par l'ARS",
        f"Dossier {dossier.numero} refusé",
    ]
    assert Notification.objects.filter(destinataire=monde.valideur).count() == 2  # 2 dépôts


def test_an_inactive_account_is_not_notified(monde):
    monde.es_lecteur.is_active = False
    monde.es_lecteur.save()
    dossier = actions.reporter(
        dossier=monde.depose(), commentaire="Compléter.", acting_user=monde.valideur
    )
    assert set(notifies("dossier_reporte", dossier)) == {monde.gestionnaire}


# --- the link opens for whoever receives it -------------------------------------------------------


def qui(user) -> str:
    return f"{user.username} ({', '.join(user.attributions.values_list('role', flat=True))})"


def _ouvre(client, notification):
    """Status of the page the link leads to (the ES's dossier page redirects to its first
    page)."""
    client.force_login(notification.destinataire)
    return client.get(notification.lien, follow=True).status_code


def test_the_depot_and_decision_links_open_for_their_recipients(client, monde):
    dossier = monde.depose()
    for n in notifies("dossier_depose", dossier).values():
        assert _ouvre(client, n) == 200, n.destinataire
    dossier = actions.reporter(
        dossier=dossier, commentaire="Compléter.", acting_user=monde.valideur
    )
    for n in notifies("dossier_reporte", dossier).values():
        assert _ouvre(client, n) == 200, n.destinataire


def test_the_closure_link_opens_for_the_national_level(client, monde):
    dossier = actions.clore(
        dossier=monde.accepte(),
        motif="demande_etablissement",
        commentaire="Projet abandonné.",
        acting_user=monde.valideur,
    )
    statuts = {qui(u): _ouvre(client, n) for u, n in notifies("dossier_clos", dossier).items()}
    assert statuts == dict.fromkeys(statuts, 200)


def test_the_implicit_refusal_link_opens_for_the_ars_lecteur(client, monde):
    with time_machine.travel(datetime(2026, 1, 12, 10, 0, tzinfo=PARIS), tick=False):
        dossier = monde.depose()
    with time_machine.travel(datetime(2026, 5, 13, 10, 0, tzinfo=PARIS), tick=False):
        dossier = actions.refuser_implicitement(dossier=dossier)
    recus = notifies("dossier_refuse_implicitement", dossier)
    statuts = {qui(u): _ouvre(client, n) for u, n in recus.items()}
    assert statuts == dict.fromkeys(statuts, 200)


# --- same transaction, e-mails after commit -------------------------------------------------------


def test_a_rolled_back_action_notifies_nobody(monde, django_capture_on_commit_callbacks):
    dossier = monde.complet()
    avant = Notification.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.deposer(dossier=dossier, acting_user=monde.gestionnaire)
        assert Notification.objects.count() == avant + 2  # written with the event
        raise RuntimeError("the caller's transaction fails")
    assert Notification.objects.count() == avant
    assert callbacks == []
    assert mail.outbox == []


def test_emails_go_out_after_commit(monde, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = monde.complet()  # the initialisation's e-mails to the ES go out here
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.deposer(dossier=dossier, acting_user=monde.gestionnaire)
    # Not before the commit.
    assert mail.outbox == []
    assert len(callbacks) == 1
    assert set(
        Notification.objects.filter(titre=f"Dossier {dossier.numero} déposé").values_list(
            "courriel_statut", flat=True
        )
    ) == {StatutCourriel.A_ENVOYER}

    callbacks[0]()  # the commit: the task runs (eagerly in tests, tests/conftest.py)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in monde.valideurs)
    assert {m.subject for m in mail.outbox} == {SUJET + f"Dossier {dossier.numero} déposé"}
    assert all(f"/dossiers/{dossier.numero}/instruction/" in m.body for m in mail.outbox)
    run = ExecutionTache.objects.filter(nom="courriels").first()  # the last one
    assert run.mode == "embarqué"
    assert run.compteurs["courriels"]["envoyes"] == 2


def test_each_action_mails_its_recipients_once(monde, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = monde.depose()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reporter(dossier=dossier, commentaire="Compléter.", acting_user=monde.valideur)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in monde.es)
    assert {m.subject for m in mail.outbox} == {
        SUJET + f"Dossier {dossier.numero} reporté par l'ARS"
    }
    # The next outbox run sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        actions.commenter(dossier=dossier, texte="Vu.", acting_user=monde.valideur)
    assert envoyer().envoyes == 0
    assert len(mail.outbox) == 2
