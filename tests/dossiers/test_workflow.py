"""The dossier instruction workflow at the actions level (SPEC §4, §9; dossiers/actions.py):
transitions per state, rights per role, the dépôt and its frozen snapshot, the ARS's
validations and decisions, and the trace of every action."""

import copy
import hashlib
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from dossiers import actions
from dossiers.contenu import contenu
from dossiers.models import (
    Commentaire,
    DecisionPrerequisDossier,
    Depot,
    DomaineDossier,
    Dossier,
    ValeurIndicateur,
)
from dossiers.pages import pages
from dossiers.saisie import enregistrer_saisie
from hn.comptes.enums import Role
from hn.comptes.models import Attribution
from hn.journal.models import Evenement
from tests import dossiers_factories as d
from tests import factories as f

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
LIBELLES_ETATS = {
    "en_saisie": "En cours de saisie",
    "depose": "Déposé",
    "reporte": "Reporté par l'ARS",
    "refuse": "Refusé",
    "refuse_implicite": "Refusé implicitement",
    "accepte": "Accepté",
}


# --- helpers ----------------------------------------------------------------------------------


def recharger(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def gestionnaire_de(dossier):
    attribution = Attribution.objects.filter(
        etablissement=dossier.etablissement, role=Role.ES_GESTIONNAIRE
    ).first()
    return attribution.user if attribution else f.es_gestionnaire(dossier.etablissement)


def evenements(dossier):
    return Evenement.objects.filter(objet_type="dossiers.dossier", objet_id=str(dossier.pk))


def pret_a_accepter(dossier) -> Dossier:
    """Déposé, every prérequis accepted and D2 selected: only the decision is left."""
    d.prerequis_acceptes(dossier)
    return actions.valider_domaines(
        dossier=dossier,
        decisions={"D2": ("selectionne", "Domaine retenu."), "D3": ("non_selectionne", "Non.")},
        acting_user=d.valideur_de(dossier),
    )


def refuse_implicitement() -> Dossier:
    with time_machine.travel(datetime(2026, 1, 12, 10, 0, tzinfo=PARIS), tick=False):
        dossier = d.depose()
    assert dossier.echeance_decision == date(2026, 5, 12)
    with time_machine.travel(datetime(2026, 5, 13, 10, 0, tzinfo=PARIS), tick=False):
        return actions.refuser_implicitement(dossier=dossier)


def en_etat(etat) -> Dossier:
    """A complete HOP'EN dossier (D2, D3 requested) in the given state."""
    if etat == "en_saisie":
        return d.complet()[0]
    if etat == "depose":
        return pret_a_accepter(d.depose())
    if etat == "reporte":
        return d.reporte()
    if etat == "refuse":
        return d.refuse()
    if etat == "refuse_implicite":
        return refuse_implicitement()
    if etat == "accepte":
        return d.accepte()
    raise AssertionError(etat)


def faire(transition, dossier):
    """Attempt ``transition`` with the right actor and a well-formed input."""
    if transition == "deposer":
        return actions.deposer(dossier=dossier, acting_user=gestionnaire_de(dossier))
    if transition == "saisie":
        return enregistrer_saisie(
            dossier=dossier,
            data={"motivation": "Motivation revue."},
            acting_user=gestionnaire_de(dossier),
        )
    valideur = d.valideur_de(dossier)
    if transition == "reporter":
        return actions.reporter(dossier=dossier, commentaire="À compléter.", acting_user=valideur)
    if transition == "refuser":
        return actions.refuser(
            dossier=dossier, motif="autre", commentaire="Projet hors cible.", acting_user=valideur
        )
    if transition == "accepter":
        return actions.accepter(dossier=dossier, acting_user=valideur)
    raise AssertionError(transition)


# --- transitions per state ----------------------------------------------------------------------

ETATS = ["en_saisie", "depose", "reporte", "refuse", "refuse_implicite", "accepte"]
PERMISES = {
    # transition: {source state: target state}
    "deposer": {"en_saisie": "depose", "reporte": "depose"},
    "saisie": {"en_saisie": "en_saisie", "reporte": "reporte"},
    "reporter": {"depose": "reporte"},
    "refuser": {"depose": "refuse"},
    "accepter": {"depose": "accepte"},
}


@pytest.mark.parametrize("etat", ETATS)
@pytest.mark.parametrize("transition", list(PERMISES))
def test_transition_allowed_or_refused_per_state(transition, etat):
    dossier = en_etat(etat)
    assert recharger(dossier).etat == etat
    nb_depots = dossier.depots.count()
    cible = PERMISES[transition].get(etat)
    if cible is not None:
        faire(transition, dossier)
        assert recharger(dossier).etat == cible
        return
    nb_evenements = evenements(dossier).count()
    with pytest.raises(actions.TransitionRefusee) as exc:
        faire(transition, dossier)
    assert exc.value.etat == etat
    libelle = LIBELLES_ETATS[etat]
    if transition == "saisie":
        assert exc.value.message == f"Le dossier est « {libelle} » : il n'est plus modifiable."
    else:
        assert exc.value.message.startswith("Impossible d")
        assert exc.value.message.endswith(f" : le dossier est « {libelle} ».")
    apres = recharger(dossier)
    assert apres.etat == etat
    assert apres.motivation == "Direction et communauté médicale impliquées."
    assert apres.depots.count() == nb_depots
    assert evenements(dossier).count() == nb_evenements


@pytest.mark.parametrize(
    ("transition", "attendu"),
    [
        ("deposer", "Impossible de déposer : le dossier est « Accepté »."),
        ("reporter", "Impossible de reporter le dossier : le dossier est « Accepté »."),
        ("refuser", "Impossible de refuser le dossier : le dossier est « Accepté »."),
        # French elision: "Impossible d'accepter", never "Impossible de accepter".
        ("accepter", "Impossible d'accepter le dossier : le dossier est « Accepté »."),
    ],
)
def test_refused_transition_message_is_correct_french(transition, attendu):
    dossier = d.accepte()
    with pytest.raises(actions.TransitionRefusee) as exc:
        faire(transition, dossier)
    assert exc.value.message == attendu


def test_state_field_is_protected():
    dossier = d.en_saisie()
    with pytest.raises(AttributeError, match="Direct etat modification is not allowed"):
        dossier.etat = "accepte"
    assert recharger(dossier).etat == "en_saisie"


def test_new_dossier_starts_en_saisie_in_phase_instruction():
    dossier = d.en_saisie()
    assert (dossier.etat, dossier.phase, dossier.editable) == ("en_saisie", "instruction", True)
    assert d.accepte().phase == "suivi"


# --- rights per role ------------------------------------------------------------------------------

ROLES = [
    "es_gestionnaire",
    "es_gestionnaire_autre_etablissement",
    "es_lecteur",
    "ars_valideur",
    "ars_valideur_autre_region",
    "ars_lecteur",
    "pilote_national",
    "lecteur_national",
]


def acteur(role, dossier):
    etab = dossier.etablissement
    return {
        "es_gestionnaire": lambda: gestionnaire_de(dossier),
        "es_gestionnaire_autre_etablissement": lambda: f.es_gestionnaire(),
        "es_lecteur": lambda: f.es_lecteur(etab),
        "ars_valideur": lambda: d.valideur_de(dossier),
        "ars_valideur_autre_region": lambda: f.ars_valideur("11"),
        "ars_lecteur": lambda: f.ars_lecteur(etab.region.code),
        "pilote_national": f.pilote_national,
        "lecteur_national": f.lecteur_national,
    }[role]()


def _saisie(dossier, user):
    return enregistrer_saisie(
        dossier=dossier, data={"motivation": "Par un autre rôle."}, acting_user=user
    )


def _prerequis(dossier, user):
    return actions.valider_prerequis(
        dossier=dossier,
        decisions={p.code: "accepte" for p in dossier.programme.prerequis.all()},
        commentaire="",
        acting_user=user,
    )


def _domaines(dossier, user):
    return actions.valider_domaines(
        dossier=dossier, decisions={"D2": ("selectionne", "")}, acting_user=user
    )


def _commenter(dossier, user):
    return actions.commenter(dossier=dossier, texte="Un commentaire.", acting_user=user)


OPERATIONS = {
    # name: (builder, call, roles that may, check of the success)
    "saisie": (
        lambda: d.complet()[0],
        _saisie,
        {"es_gestionnaire"},
        lambda x: x.motivation == "Par un autre rôle.",
    ),
    "deposer": (
        lambda: d.complet()[0],
        lambda x, u: actions.deposer(dossier=x, acting_user=u),
        {"es_gestionnaire"},
        lambda x: x.etat == "depose",
    ),
    "valider_prerequis": (
        d.depose,
        _prerequis,
        {"ars_valideur"},
        lambda x: x.decisions_prerequis.filter(decision="accepte").count() == 4,
    ),
    "valider_domaines": (
        lambda: d.prerequis_acceptes(d.depose()),
        _domaines,
        {"ars_valideur"},
        lambda x: x.domaines.get(domaine__code="D2").decision == "selectionne",
    ),
    "reporter": (
        d.depose,
        lambda x, u: actions.reporter(dossier=x, commentaire="À revoir.", acting_user=u),
        {"ars_valideur"},
        lambda x: x.etat == "reporte",
    ),
    "refuser": (
        d.depose,
        lambda x, u: actions.refuser(
            dossier=x, motif="enveloppe", commentaire="Enveloppe épuisée.", acting_user=u
        ),
        {"ars_valideur"},
        lambda x: x.etat == "refuse",
    ),
    "accepter": (
        lambda: pret_a_accepter(d.depose()),
        lambda x, u: actions.accepter(dossier=x, acting_user=u),
        {"ars_valideur"},
        lambda x: x.etat == "accepte",
    ),
    "commenter": (
        d.depose,
        _commenter,
        {"ars_valideur"},
        lambda x: x.commentaires.count() == 1,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_each_role_may_or_may_not(operation, role):
    builder, call, permis, verifie = OPERATIONS[operation]
    dossier = builder()
    user = acteur(role, dossier)
    avant = recharger(dossier)
    nb_evenements = evenements(dossier).count()
    if role in permis:
        call(dossier, user)
        assert verifie(recharger(dossier))
        # The acceptance also traces the engagement of its forfaits on the envelope.
        traces = 2 if operation == "accepter" else 1
        assert evenements(dossier).count() == nb_evenements + traces
        assert evenements(dossier).order_by("-pk").first().acteur == user
        return
    with pytest.raises(PermissionDenied):
        call(dossier, user)
    apres = recharger(dossier)
    assert apres.etat == avant.etat
    assert apres.motivation == avant.motivation
    assert not verifie(apres)
    assert evenements(dossier).count() == nb_evenements


def test_permission_denied_messages_are_french():
    dossier = d.depose()
    lecteur = f.es_lecteur(dossier.etablissement)
    with pytest.raises(PermissionDenied, match="Seul le valideur \\(CMSI\\) de l'ARS"):
        actions.refuser(dossier=dossier, motif="autre", commentaire="x", acting_user=lecteur)
    autre = d.complet()[0]
    with pytest.raises(PermissionDenied, match="Seul le gestionnaire de l'établissement"):
        actions.deposer(dossier=autre, acting_user=f.ars_valideur("84"))


# --- the dépôt: completeness and page numbers ---------------------------------------------------

CONTACT = "Contact du programme (coordination avec l'ARS)"
RESPONSABLE = "Responsable du projet"
DSI = "Directeur des systèmes d'information (DSI)"
DIRECTEUR = "Directeur de l'établissement"
PREREQUIS_HOPEN = {
    "5": ["P1.1", "P1.2", "P1.3", "P1.4"],
    "6": ["P2.1", "P2.2", "P2.4", "P2.5"],
    "7": ["P3.2", "P3.3", "P3.4", "P3.6"],
    "8": ["P4.1", "P4.2", "P4.3"],
}


def test_depot_of_an_empty_dossier_lists_every_missing_field_with_its_page():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    with pytest.raises(actions.DepotIncomplet) as exc:
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    attendus = [
        ("1", "engagements", "Toutes les cases d'engagement doivent être cochées"),
        ("3", "contacts.contact.nom", f"{CONTACT} : nom"),
        ("3", "contacts.contact.email", f"{CONTACT} : adresse électronique"),
        ("3", "contacts.contact.telephone", f"{CONTACT} : téléphone"),
        ("3", "contacts.responsable_projet.nom", f"{RESPONSABLE} : nom"),
        ("3", "contacts.responsable_projet.email", f"{RESPONSABLE} : adresse électronique"),
        ("4", "contacts.dsi.nom", f"{DSI} : nom"),
        ("4", "contacts.dsi.email", f"{DSI} : adresse électronique"),
        ("4", "contacts.directeur.nom", f"{DIRECTEUR} : nom"),
        *[
            (page, f"indicateurs.{code}", f"Indicateur {code}")
            for page, codes in PREREQUIS_HOPEN.items()
            for code in codes
        ],
        ("9", "description_projet", "Description du projet"),
        ("9", "motivation", "Motivation de l'établissement"),
        ("9", "domaines", "Au moins un domaine fonctionnel demandé"),
    ]
    assert [(m["page"], m["champ"], m["libelle"]) for m in exc.value.manquants] == attendus
    assert exc.value.message == (
        "Le dossier ne peut pas être déposé : 27 informations obligatoires manquantes."
    )
    apres = recharger(dossier)
    assert apres.etat == "en_saisie"
    assert apres.depose_le is None
    assert apres.echeance_decision is None
    assert not Depot.objects.filter(dossier=dossier).exists()
    assert not evenements(dossier).filter(action="dossier_depose").exists()


def _saisie_sans(prog, domaines, *, sans_indicateurs=(), sans_cout=(), non_demarres=()):
    body = d.saisie_complete(prog, domaines)
    body["indicateurs"] = [i for i in body["indicateurs"] if i["code"] not in sans_indicateurs]
    for item in body["domaines"]:
        if item["code"] in sans_cout:
            del item["cout"]
        if item["code"] in non_demarres:
            item["avancement"] = "non_demarre"
    return body


def _manquants_du_depot(dossier, gestionnaire):
    with pytest.raises(actions.DepotIncomplet) as exc:
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    assert recharger(dossier).etat == "en_saisie"
    assert not dossier.depots.exists()
    return {(m["page"], m["champ"], m["libelle"]) for m in exc.value.manquants}


def test_domaine_indicator_pages_follow_the_prerequis_and_project_pages_hopen():
    """HOP'EN: 4 prérequis on pages 5-8, projet page 9, the first started domaine page 10."""
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    enregistrer_saisie(
        dossier=dossier,
        data=_saisie_sans(
            dossier.programme,
            ("D2", "D3"),
            sans_indicateurs=("D2.2", "D3.1", "P4.3"),
            sans_cout=("D3",),
        ),
        acting_user=gestionnaire,
    )
    assert _manquants_du_depot(dossier, gestionnaire) == {
        ("8", "indicateurs.P4.3", "Indicateur P4.3"),
        ("10", "indicateurs.D2.2", "Indicateur D2.2"),
        ("11", "indicateurs.D3.1", "Indicateur D3.1"),
        ("12", "domaines.D3.cout", "D3 : coût du projet"),
    }
    numeros = {p.slug: p.numero for p in pages(recharger(dossier))}
    assert numeros == {
        "engagements": 1,
        "etablissement": 2,
        "contacts": 3,
        "direction": 4,
        "prerequis-P1": 5,
        "prerequis-P2": 6,
        "prerequis-P3": 7,
        "prerequis-P4": 8,
        "projet": 9,
        "domaine-D2": 10,
        "domaine-D3": 11,
        "couts": 12,
    }


def test_pages_shift_when_a_requested_domaine_is_not_started():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    enregistrer_saisie(
        dossier=dossier,
        data=_saisie_sans(
            dossier.programme,
            ("D2", "D3"),
            sans_indicateurs=("D2.2", "D3.1"),
            sans_cout=("D3",),
            non_demarres=("D2",),
        ),
        acting_user=gestionnaire,
    )
    # D2 "non démarré": no indicator page, D2.2 not required; D3 moves up to page 10.
    assert _manquants_du_depot(dossier, gestionnaire) == {
        ("10", "indicateurs.D3.1", "Indicateur D3.1"),
        ("11", "domaines.D3.cout", "D3 : coût du projet"),
    }


def test_domaine_indicator_pages_hn_three_prerequis():
    """HN: 3 prérequis on pages 5-7, projet page 8, the first started domaine page 9."""
    dossier = d.en_saisie(code="HN")
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    enregistrer_saisie(
        dossier=dossier,
        data=_saisie_sans(
            dossier.programme, ("D1", "D4"), sans_indicateurs=("P3.5", "D1.1", "D4.4")
        ),
        acting_user=gestionnaire,
    )
    assert _manquants_du_depot(dossier, gestionnaire) == {
        ("7", "indicateurs.P3.5", "Indicateur P3.5"),
        ("9", "indicateurs.D1.1", "Indicateur D1.1"),
        ("10", "indicateurs.D4.4", "Indicateur D4.4"),
    }


def test_mutualised_project_requires_its_partners_at_depot():
    dossier, gestionnaire = d.complet()
    enregistrer_saisie(
        dossier=dossier, data={"mutualise": True, "partenaires": "  "}, acting_user=gestionnaire
    )
    assert _manquants_du_depot(dossier, gestionnaire) == {
        ("9", "partenaires", "Établissements de la mutualisation")
    }


def test_one_missing_field_message_is_singular():
    dossier, gestionnaire = d.complet()
    enregistrer_saisie(dossier=dossier, data={"motivation": ""}, acting_user=gestionnaire)
    with pytest.raises(actions.DepotIncomplet) as exc:
        actions.deposer(dossier=dossier, acting_user=gestionnaire)
    assert exc.value.message == (
        "Le dossier ne peut pas être déposé : 1 information obligatoire manquante."
    )
    assert [m["champ"] for m in exc.value.manquants] == ["motivation"]


def test_non_applicable_indicator_counts_as_answered():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    body = _saisie_sans(dossier.programme, ("D2",), sans_indicateurs=("P1.1",))
    body["indicateurs"].append({"code": "P1.1", "valeur": None, "non_applicable": True})
    enregistrer_saisie(dossier=dossier, data=body, acting_user=gestionnaire)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    assert recharger(dossier).etat == "depose"


# --- saisie: engagement gate, all-or-nothing, mutualisation --------------------------------------

GATE = "Cochez toutes les cases d'engagement avant de saisir le reste du dossier."


def test_nothing_else_can_be_entered_before_every_engagement_box():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    codes = list(dossier.programme.engagements.values_list("code", flat=True))
    assert len(codes) == 5
    nb_evenements = evenements(dossier).count()
    for data in (
        {"description_projet": "Texte avant engagement."},
        {"engagements": codes[:-1], "description_projet": "Texte avant engagement."},
        {"engagements": codes[:-1], "indicateurs": [{"code": "P1.1", "valeur": "80"}]},
        {"engagements": codes[:-1], "domaines": [{"code": "D2", "demande": True}]},
    ):
        with pytest.raises(actions.DossierError) as exc:
            enregistrer_saisie(dossier=dossier, data=data, acting_user=gestionnaire)
        assert exc.value.errors == {"engagements": [GATE]}
        assert exc.value.message == "Certaines valeurs sont invalides ; rien n'a été enregistré."
        apres = recharger(dossier)
        assert apres.engagements == []
        assert apres.description_projet == ""
        assert not ValeurIndicateur.objects.filter(dossier=dossier).exists()
        assert not DomaineDossier.objects.filter(dossier=dossier, demande=True).exists()
    assert evenements(dossier).count() == nb_evenements

    # Ticking boxes alone is always possible, one at a time.
    enregistrer_saisie(dossier=dossier, data={"engagements": codes[:2]}, acting_user=gestionnaire)
    assert recharger(dossier).engagements == sorted(codes[:2])
    # Once every box is ticked, the rest opens.
    enregistrer_saisie(
        dossier=dossier,
        data={"engagements": codes, "description_projet": "Texte après engagement."},
        acting_user=gestionnaire,
    )
    apres = recharger(dossier)
    assert apres.engagements == sorted(codes)
    assert apres.description_projet == "Texte après engagement."
    # Later edits need not repeat the boxes.
    enregistrer_saisie(dossier=dossier, data={"motivation": "Motivée."}, acting_user=gestionnaire)
    assert recharger(dossier).motivation == "Motivée."


def test_unknown_engagement_is_refused():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    with pytest.raises(actions.DossierError) as exc:
        enregistrer_saisie(
            dossier=dossier, data={"engagements": ["inexistant"]}, acting_user=gestionnaire
        )
    assert exc.value.errors == {"engagements": ["Engagement inconnu pour ce programme."]}
    assert recharger(dossier).engagements == []


def test_one_invalid_value_among_valid_ones_saves_nothing():
    dossier, gestionnaire = d.complet()
    avant = contenu(recharger(dossier))
    nb_evenements = evenements(dossier).count()
    with pytest.raises(actions.DossierError) as exc:
        enregistrer_saisie(
            dossier=dossier,
            data={
                "description_projet": "Nouvelle description valide.",
                "motivation": "Nouvelle motivation valide.",
                "contacts": [{"type": "dsi", "nom": "Nouveau DSI"}],
                "domaines": [{"code": "D5", "demande": True, "avancement": "etude"}],
                "indicateurs": [
                    {"code": "P1.1", "valeur": "42"},
                    {"code": "P1.3", "valeur": "101"},
                ],
            },
            acting_user=gestionnaire,
        )
    assert exc.value.errors == {"indicateurs.P1.3": ["La valeur doit être entre 0 et 100."]}
    assert exc.value.message == "Certaines valeurs sont invalides ; rien n'a été enregistré."
    assert contenu(recharger(dossier)) == avant
    assert evenements(dossier).count() == nb_evenements


def test_every_invalid_value_is_reported_per_field():
    dossier, gestionnaire = d.complet()
    avant = contenu(recharger(dossier))
    with pytest.raises(actions.DossierError) as exc:
        enregistrer_saisie(
            dossier=dossier,
            data={
                "contacts": [{"type": "secretaire", "nom": "X"}],
                "domaines": [
                    {"code": "D9"},
                    {"code": "D2", "avancement": "fini"},
                    {"code": "D3", "date_cible": "31/12/2022", "cout": "-5"},
                    {"code": "D4", "cout": "beaucoup"},
                ],
                "indicateurs": [
                    {"code": "Z9.9", "valeur": "1"},
                    {"code": "P1.2", "valeur": "peut-être"},
                    {"code": "P1.1", "valeur": "-1"},
                ],
            },
            acting_user=gestionnaire,
        )
    assert exc.value.errors == {
        "contacts": ["Type de contact inconnu : secretaire."],
        "domaines": ["Domaine inconnu : D9."],
        "domaines.D2.avancement": ["État d'avancement inconnu."],
        "domaines.D3.date_cible": ["Saisissez une date (AAAA-MM-JJ)."],
        "domaines.D3.cout": ["La valeur doit être ≥ 0."],
        "domaines.D4.cout": ["Saisissez un nombre."],
        "indicateurs": ["Indicateur inconnu : Z9.9."],
        "indicateurs.P1.2": ["Répondez oui ou non."],
        "indicateurs.P1.1": ["La valeur doit être entre 0 et 100."],
    }
    assert contenu(recharger(dossier)) == avant


def test_valid_saisie_is_stored_with_typed_values():
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    body = d.saisie_complete(dossier.programme, ("D2",))
    body["indicateurs"] = [
        {"code": "P1.1", "valeur": "87,5"},
        {"code": "P1.2", "valeur": "oui"},
        {"code": "P2.1", "valeur": False},
        {"code": "D2.2", "valeur": None, "non_applicable": True},
    ]
    enregistrer_saisie(dossier=dossier, data=body, acting_user=gestionnaire)
    valeurs = {
        v.indicateur.code: (v.valeur, v.non_applicable)
        for v in ValeurIndicateur.objects.filter(dossier=dossier).select_related("indicateur")
    }
    assert valeurs == {
        "P1.1": (87.5, False),
        "P1.2": (100, False),
        "P2.1": (0, False),
        "D2.2": (None, True),
    }
    dd = DomaineDossier.objects.get(dossier=dossier, domaine__code="D2")
    assert (dd.demande, dd.avancement, dd.date_cible, dd.cout) == (
        True,
        "deploiement",
        date(2022, 6, 30),
        100000,
    )


def test_mutualise_false_clears_the_partners():
    dossier, gestionnaire = d.complet()
    enregistrer_saisie(
        dossier=dossier,
        data={"mutualise": True, "partenaires": "CH de Vienne, CH de Givors"},
        acting_user=gestionnaire,
    )
    apres = recharger(dossier)
    assert (apres.mutualise, apres.partenaires) == (True, "CH de Vienne, CH de Givors")
    enregistrer_saisie(dossier=dossier, data={"mutualise": False}, acting_user=gestionnaire)
    apres = recharger(dossier)
    assert (apres.mutualise, apres.partenaires) == (False, "")
    # Partners typed while the box is unticked are not kept either.
    enregistrer_saisie(
        dossier=dossier, data={"partenaires": "CH fantôme"}, acting_user=gestionnaire
    )
    assert recharger(dossier).partenaires == ""


# --- the dépôt: dates and frozen snapshot ---------------------------------------------------------


def _empreinte_canonique(data) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@time_machine.travel(datetime(2025, 10, 31, 16, 45, tzinfo=PARIS), tick=False)
def test_depot_sets_dates_and_freezes_a_snapshot():
    dossier, gestionnaire = d.complet()
    attendu = contenu(recharger(dossier))
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    dossier = recharger(dossier)
    assert dossier.etat == "depose"
    assert dossier.editable is False
    assert dossier.depose_le == datetime(2025, 10, 31, 16, 45, tzinfo=PARIS)
    # 31 October + 4 months: end of February.
    assert dossier.echeance_decision == date(2026, 2, 28)
    depot = Depot.objects.get(dossier=dossier)
    assert depot.rang == 1
    assert depot.depose_par == gestionnaire
    assert depot.depose_le == dossier.depose_le
    assert depot.contenu == attendu
    assert depot.contenu["description_projet"] == "Déploiement du DPI dans tous les services."
    assert depot.empreinte == _empreinte_canonique(attendu)
    assert len(depot.empreinte) == 64
    row = evenements(dossier).get(action="dossier_depose")
    assert row.apres["empreinte"] == depot.empreinte
    assert row.apres["echeance_decision"] == "2026-02-28"


@time_machine.travel(datetime(2025, 10, 31, 23, 30, tzinfo=UTC), tick=False)
def test_depot_late_in_the_evening_uses_the_paris_date():
    """31 October 23:30 UTC is 1 November in Paris: the échéance is 1 March."""
    dossier = d.depose()
    assert recharger(dossier).echeance_decision == date(2026, 3, 1)


def test_snapshot_cannot_be_modified_or_deleted():
    dossier = d.depose()
    depot = Depot.objects.get(dossier=dossier)
    original = (copy.deepcopy(depot.contenu), depot.empreinte)
    depot.contenu["description_projet"] = "Réécrit après coup."
    with pytest.raises(ValueError, match=r"Un dépôt est figé : il ne peut pas être modifié\."):
        depot.save()
    with pytest.raises(ValueError, match=r"Un dépôt est figé : il ne peut pas être supprimé\."):
        depot.delete()
    stored = Depot.objects.get(pk=depot.pk)
    assert (stored.contenu, stored.empreinte) == original


def test_snapshot_cannot_be_rewritten_through_the_queryset_either():
    """Like the journal, bulk updates and deletes must not bypass the immutability."""
    dossier = d.depose()
    depot = Depot.objects.get(dossier=dossier)
    original = (copy.deepcopy(depot.contenu), depot.empreinte)
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        Depot.objects.filter(pk=depot.pk).update(contenu={"falsifie": True})
    with pytest.raises(Exception):  # noqa: B017
        Depot.objects.filter(pk=depot.pk).delete()
    stored = Depot.objects.get(pk=depot.pk)
    assert (stored.contenu, stored.empreinte) == original


def test_first_snapshot_unchanged_by_report_new_edits_and_second_depot():
    with time_machine.travel(datetime(2026, 2, 2, 9, 0, tzinfo=PARIS), tick=False):
        dossier = d.depose()
    gestionnaire = gestionnaire_de(dossier)
    premier = Depot.objects.get(dossier=dossier)
    contenu_1, empreinte_1 = copy.deepcopy(premier.contenu), premier.empreinte

    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=PARIS), tick=False):
        actions.reporter(
            dossier=dossier, commentaire="Précisez le D3.", acting_user=d.valideur_de(dossier)
        )
        enregistrer_saisie(
            dossier=dossier,
            data={
                "description_projet": "Description corrigée après report.",
                "domaines": [
                    {
                        "code": "D5",
                        "demande": True,
                        "avancement": "non_demarre",
                        "date_cible": "2022-12-31",
                        "cout": "5000",
                    }
                ],
            },
            acting_user=gestionnaire,
        )
        attendu_2 = contenu(recharger(dossier))
    with time_machine.travel(datetime(2026, 4, 30, 9, 0, tzinfo=PARIS), tick=False):
        actions.deposer(dossier=dossier, acting_user=gestionnaire)

    depots = list(Depot.objects.filter(dossier=dossier).order_by("rang"))
    assert [x.rang for x in depots] == [1, 2]
    un, deux = depots
    assert un.contenu == contenu_1
    assert un.empreinte == empreinte_1 == _empreinte_canonique(contenu_1)
    assert un.contenu["description_projet"] == "Déploiement du DPI dans tous les services."
    assert un.depose_le == datetime(2026, 2, 2, 9, 0, tzinfo=PARIS)
    assert deux.contenu == attendu_2
    assert deux.contenu["description_projet"] == "Description corrigée après report."
    assert deux.empreinte == _empreinte_canonique(attendu_2) != empreinte_1
    assert deux.depose_le == datetime(2026, 4, 30, 9, 0, tzinfo=PARIS)
    # A new dépôt restarts the decision clock (SPEC §9).
    dossier = recharger(dossier)
    assert dossier.depose_le == deux.depose_le
    assert dossier.echeance_decision == date(2026, 8, 30)


# --- ARS: report, refusal ------------------------------------------------------------------------


@pytest.mark.parametrize("commentaire", ["", "   ", None])
def test_report_requires_a_comment(commentaire):
    dossier = d.depose()
    echeance = recharger(dossier).echeance_decision
    with pytest.raises(actions.DossierError) as exc:
        actions.reporter(
            dossier=dossier, commentaire=commentaire, acting_user=d.valideur_de(dossier)
        )
    assert exc.value.message == "Indiquez à l'établissement ce qu'il doit corriger."
    assert exc.value.errors == {
        "commentaire": ["Le commentaire est obligatoire pour reporter un dossier."]
    }
    apres = recharger(dossier)
    assert (apres.etat, apres.echeance_decision) == ("depose", echeance)


def test_report_returns_the_dossier_to_the_es_and_stops_the_clock():
    dossier = d.depose()
    depose_le = recharger(dossier).depose_le
    actions.reporter(
        dossier=dossier, commentaire="  Joindre la preuve P2.  ", acting_user=d.valideur_de(dossier)
    )
    apres = recharger(dossier)
    assert apres.etat == "reporte"
    assert apres.editable is True
    assert apres.echeance_decision is None
    assert apres.depose_le == depose_le
    assert apres.commentaire_ars_decision == "Joindre la preuve P2."
    # The ES edits again.
    enregistrer_saisie(
        dossier=apres, data={"motivation": "Complétée."}, acting_user=gestionnaire_de(apres)
    )
    assert recharger(dossier).motivation == "Complétée."


@pytest.mark.parametrize(
    ("motif", "commentaire", "errors"),
    [
        (
            "budget",
            "Refus.",
            {"motif": ["Choisissez le motif du refus : enveloppe, prerequis ou autre."]},
        ),
        (
            "",
            "Refus.",
            {"motif": ["Choisissez le motif du refus : enveloppe, prerequis ou autre."]},
        ),
        (
            "autre",
            "  ",
            {"commentaire": ["Le commentaire est obligatoire pour refuser un dossier."]},
        ),
        (
            None,
            "",
            {
                "motif": ["Choisissez le motif du refus : enveloppe, prerequis ou autre."],
                "commentaire": ["Le commentaire est obligatoire pour refuser un dossier."],
            },
        ),
    ],
)
def test_refusal_requires_a_motif_and_a_comment(motif, commentaire, errors):
    dossier = d.depose()
    with pytest.raises(actions.DossierError) as exc:
        actions.refuser(
            dossier=dossier,
            motif=motif,
            commentaire=commentaire,
            acting_user=d.valideur_de(dossier),
        )
    assert exc.value.message == "Le refus doit être motivé."
    assert exc.value.errors == errors
    apres = recharger(dossier)
    assert (apres.etat, apres.motif_refus, apres.decide_le) == ("depose", "", None)


@pytest.mark.parametrize("motif", ["enveloppe", "prerequis", "autre"])
def test_refusal_with_each_motif(motif):
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=PARIS), tick=False):
        dossier = d.depose()
    with time_machine.travel(datetime(2026, 7, 14, 22, 30, tzinfo=UTC), tick=False):
        actions.refuser(
            dossier=dossier,
            motif=motif,
            commentaire="Non retenu.",
            acting_user=d.valideur_de(dossier),
        )
    apres = recharger(dossier)
    assert apres.etat == "refuse"
    assert apres.motif_refus == motif
    assert apres.decide_le == date(2026, 7, 15)  # the Paris date
    assert apres.commentaire_ars_decision == "Non retenu."
    assert apres.phase == "instruction"


# --- implicit refusal (4 months without a decision) ----------------------------------------------


def test_implicit_refusal_only_after_the_deadline_and_dated_on_it():
    with time_machine.travel(datetime(2025, 10, 31, 10, 0, tzinfo=PARIS), tick=False):
        dossier = d.depose()
    with (
        time_machine.travel(datetime(2026, 2, 28, 20, 0, tzinfo=PARIS), tick=False),
        pytest.raises(actions.TransitionRefusee) as exc,
    ):
        actions.refuser_implicitement(dossier=dossier)
    assert exc.value.message == (
        "Le délai de décision de l'ARS n'est pas expiré (échéance : 28/02/2026)."
    )
    assert recharger(dossier).etat == "depose"
    with time_machine.travel(datetime(2026, 3, 1, 0, 1, tzinfo=PARIS), tick=False):
        actions.refuser_implicitement(dossier=dossier)
    apres = recharger(dossier)
    assert apres.etat == "refuse_implicite"
    assert apres.decide_le == date(2026, 2, 28)
    row = evenements(dossier).get(action="dossier_refuse_implicitement")
    assert (row.acteur, row.acteur_nom) == (None, "systeme")
    assert row.avant == {"etat": "depose"}
    assert row.apres == {"etat": "refuse_implicite", "refuse_le": "2026-02-28"}


def test_reported_dossier_is_never_refused_implicitly():
    with time_machine.travel(datetime(2026, 1, 5, 10, 0, tzinfo=PARIS), tick=False):
        dossier = d.reporte()
    with (
        time_machine.travel(datetime(2026, 9, 1, 10, 0, tzinfo=PARIS), tick=False),
        pytest.raises(actions.TransitionRefusee) as exc,
    ):
        actions.refuser_implicitement(dossier=dossier)
    assert exc.value.etat == "reporte"
    assert recharger(dossier).etat == "reporte"


# --- ARS: prérequis and domaines ---------------------------------------------------------------


@pytest.mark.parametrize(
    "decisions",
    [
        {"P1": "accepte", "P2": "non_accepte", "P3": "accepte", "P4": "accepte"},
        {"P1": "accepte", "P2": "accepte", "P3": "accepte"},  # P4 undecided
        {},
    ],
)
def test_prerequis_validation_needs_a_comment_unless_all_accepted(decisions):
    dossier = d.depose()
    with pytest.raises(actions.DossierError) as exc:
        actions.valider_prerequis(
            dossier=dossier,
            decisions=decisions,
            commentaire=" ",
            acting_user=d.valideur_de(dossier),
        )
    assert exc.value.message == "La validation des prérequis est incomplète."
    assert exc.value.errors == {
        "commentaire": [
            "Un commentaire est obligatoire quand un prérequis n'est pas accepté ou pas décidé."
        ]
    }
    assert not DecisionPrerequisDossier.objects.filter(dossier=dossier).exists()
    # With a comment, the same decisions are recorded.
    actions.valider_prerequis(
        dossier=dossier,
        decisions=decisions,
        commentaire="Preuve P2 absente.",
        acting_user=d.valideur_de(dossier),
    )
    enregistrees = dict(
        DecisionPrerequisDossier.objects.filter(dossier=dossier).values_list(
            "prerequis__code", "decision"
        )
    )
    assert enregistrees == decisions
    assert recharger(dossier).commentaire_ars_prerequis == "Preuve P2 absente."


def test_prerequis_decisions_accumulate_and_all_accepted_needs_no_comment():
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    actions.valider_prerequis(
        dossier=dossier,
        decisions={"P1": "accepte", "P2": "accepte", "P3": "accepte"},
        commentaire="P4 en attente.",
        acting_user=valideur,
    )
    actions.valider_prerequis(
        dossier=dossier, decisions={"P4": "accepte"}, commentaire="", acting_user=valideur
    )
    assert dict(
        DecisionPrerequisDossier.objects.filter(dossier=dossier).values_list(
            "prerequis__code", "decision"
        )
    ) == {"P1": "accepte", "P2": "accepte", "P3": "accepte", "P4": "accepte"}
    assert recharger(dossier).commentaire_ars_prerequis == ""


def test_prerequis_validation_refuses_unknown_codes_and_decisions():
    dossier = d.depose()
    with pytest.raises(actions.DossierError) as exc:
        actions.valider_prerequis(
            dossier=dossier,
            decisions={"P9": "accepte", "P1": "peut-etre"},
            commentaire="Voir.",
            acting_user=d.valideur_de(dossier),
        )
    assert exc.value.errors == {
        "decisions": ["Prérequis inconnu : P9."],
        "decisions.P1": ["Décision inconnue."],
    }
    assert not DecisionPrerequisDossier.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize("etat", ["en_saisie", "reporte", "refuse", "accepte"])
def test_prerequis_and_domaines_validated_only_on_a_deposited_dossier(etat):
    dossier = en_etat(etat)
    valideur = d.valideur_de(dossier)
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.valider_prerequis(
            dossier=dossier, decisions={"P1": "accepte"}, commentaire="x", acting_user=valideur
        )
    assert exc.value.message == "Les prérequis se valident sur un dossier déposé."
    assert exc.value.etat == etat
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.valider_domaines(
            dossier=dossier, decisions={"D2": ("selectionne", "")}, acting_user=valideur
        )
    assert exc.value.message == "Les domaines se valident sur un dossier déposé."


@pytest.mark.parametrize(
    "decisions",
    [
        None,  # nothing decided
        {"P1": "accepte", "P2": "accepte", "P3": "accepte"},  # P4 undecided
        {"P1": "accepte", "P2": "accepte", "P3": "accepte", "P4": "non_accepte"},
    ],
)
def test_domaines_only_once_every_prerequis_is_accepted(decisions):
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    if decisions:
        actions.valider_prerequis(
            dossier=dossier, decisions=decisions, commentaire="Réserve.", acting_user=valideur
        )
    with pytest.raises(actions.DossierError) as exc:
        actions.valider_domaines(
            dossier=dossier, decisions={"D2": ("selectionne", "")}, acting_user=valideur
        )
    assert exc.value.message == (
        "Validez d'abord tous les prérequis avant de sélectionner des domaines."
    )
    assert DomaineDossier.objects.get(dossier=dossier, domaine__code="D2").decision == ""


def test_only_requested_domaines_can_be_decided():
    dossier = d.prerequis_acceptes(d.depose())  # D2, D3 requested
    valideur = d.valideur_de(dossier)
    with pytest.raises(actions.DossierError) as exc:
        actions.valider_domaines(
            dossier=dossier,
            decisions={"D2": ("selectionne", ""), "D5": ("selectionne", ""), "D3": ("oui", "")},
            acting_user=valideur,
        )
    assert exc.value.message == "La sélection des domaines est invalide."
    assert exc.value.errors == {
        "decisions": ["Domaine non demandé : D5."],
        "decisions.D3": ["Décision inconnue."],
    }
    assert set(
        DomaineDossier.objects.filter(dossier=dossier).values_list("decision", flat=True)
    ) == {""}
    actions.valider_domaines(
        dossier=dossier,
        decisions={"D2": ("selectionne", " Bon projet. "), "D3": ("non_selectionne", "Trop tôt.")},
        acting_user=valideur,
    )
    assert {
        dd.domaine.code: (dd.decision, dd.commentaire_ars)
        for dd in DomaineDossier.objects.filter(dossier=dossier, demande=True).select_related(
            "domaine"
        )
    } == {"D2": ("selectionne", "Bon projet."), "D3": ("non_selectionne", "Trop tôt.")}


# --- ARS: acceptance ------------------------------------------------------------------------------


def test_acceptance_needs_every_prerequis_accepted():
    dossier = d.depose()
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.accepter(dossier=dossier, acting_user=d.valideur_de(dossier))
    assert exc.value.message == (
        "Le dossier ne peut pas être accepté : Prérequis non acceptés : P1, P2, P3, P4. "
        "Aucun domaine sélectionné."
    )
    assert exc.value.etat == "depose"
    assert recharger(dossier).etat == "depose"
    assert not evenements(dossier).filter(action="dossier_accepte").exists()


def test_acceptance_needs_at_least_one_selected_domaine():
    dossier = d.prerequis_acceptes(d.depose())
    valideur = d.valideur_de(dossier)
    actions.valider_domaines(
        dossier=dossier,
        decisions={"D2": ("non_selectionne", "Non."), "D3": ("non_selectionne", "Non.")},
        acting_user=valideur,
    )
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.accepter(dossier=dossier, acting_user=valideur)
    assert exc.value.message == "Le dossier ne peut pas être accepté : Aucun domaine sélectionné."
    assert recharger(dossier).etat == "depose"


def test_acceptance_with_a_prerequis_not_accepted_names_it():
    dossier = d.depose()
    valideur = d.valideur_de(dossier)
    actions.valider_prerequis(
        dossier=dossier,
        decisions={"P1": "accepte", "P2": "accepte", "P3": "non_accepte", "P4": "accepte"},
        commentaire="P3 non atteint.",
        acting_user=valideur,
    )
    with pytest.raises(actions.TransitionRefusee) as exc:
        actions.accepter(dossier=dossier, acting_user=valideur)
    assert exc.value.message == (
        "Le dossier ne peut pas être accepté : Prérequis non acceptés : P3. "
        "Aucun domaine sélectionné."
    )


def test_acceptance_moves_the_dossier_to_suivi():
    with time_machine.travel(datetime(2026, 4, 1, 10, 0, tzinfo=PARIS), tick=False):
        dossier = pret_a_accepter(d.depose())
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=PARIS), tick=False):
        actions.accepter(
            dossier=dossier, commentaire=" Bravo. ", acting_user=d.valideur_de(dossier)
        )
    apres = recharger(dossier)
    assert (apres.etat, apres.phase, apres.decide_le) == ("accepte", "suivi", date(2026, 5, 20))
    assert apres.commentaire_ars_decision == "Bravo."
    row = evenements(dossier).get(action="dossier_accepte")
    assert row.apres == {"etat": "accepte", "domaines": ["D2"]}


# --- ARS comments in every state ------------------------------------------------------------------


@pytest.mark.parametrize("etat", ETATS)
def test_ars_comments_in_every_state(etat):
    dossier = en_etat(etat)
    valideur = d.valideur_de(dossier)
    commentaire = actions.commenter(
        dossier=dossier, texte="  Vu en comité.  ", acting_user=valideur
    )
    assert commentaire.texte == "Vu en comité."
    assert list(Commentaire.objects.filter(dossier=dossier).values_list("texte", "auteur")) == [
        ("Vu en comité.", valideur.pk)
    ]
    assert recharger(dossier).etat == etat
    row = evenements(dossier).get(action="dossier_commente")
    assert (row.acteur, row.commentaire) == (valideur, "Vu en comité.")


def test_empty_comment_is_refused():
    dossier = d.refuse()
    with pytest.raises(actions.DossierError) as exc:
        actions.commenter(dossier=dossier, texte="   ", acting_user=d.valideur_de(dossier))
    assert exc.value.errors == {"texte": ["Saisissez un commentaire."]}
    assert not Commentaire.objects.filter(dossier=dossier).exists()


# --- the trace ------------------------------------------------------------------------------------


def test_every_action_writes_a_journal_row_with_actor_and_states():
    dossier, gestionnaire = d.complet()
    valideur = d.valideur_de(dossier)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    actions.reporter(dossier=dossier, commentaire="Corriger P2.", acting_user=valideur)
    enregistrer_saisie(dossier=dossier, data={"motivation": "Corrigée."}, acting_user=gestionnaire)
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    pret_a_accepter(dossier)
    actions.accepter(dossier=dossier, acting_user=valideur)
    actions.commenter(dossier=dossier, texte="Suivi à prévoir.", acting_user=valideur)

    rows = [
        (
            e.action,
            e.acteur_id,
            e.acteur_nom,
            (e.avant or {}).get("etat"),
            (e.apres or {}).get("etat"),
        )
        for e in evenements(dossier).order_by("pk")
    ]
    g, v = gestionnaire, valideur
    assert rows == [
        ("dossier_initialise", v.pk, v.username, None, "en_saisie"),
        ("dossier_saisi", g.pk, g.username, None, None),
        ("dossier_depose", g.pk, g.username, "en_saisie", "depose"),
        ("dossier_reporte", v.pk, v.username, "depose", "reporte"),
        ("dossier_saisi", g.pk, g.username, None, None),
        ("dossier_depose", g.pk, g.username, "reporte", "depose"),
        ("prerequis_valides", v.pk, v.username, None, None),
        ("domaines_valides", v.pk, v.username, None, None),
        ("dossier_accepte", v.pk, v.username, "depose", "accepte"),
        ("enveloppe_engagement", v.pk, v.username, None, None),
        ("dossier_commente", v.pk, v.username, None, None),
    ]
    assert set(evenements(dossier).values_list("etablissement_id", flat=True)) == {
        dossier.etablissement_id
    }
    saisie = evenements(dossier).filter(action="dossier_saisi").order_by("pk").last()
    assert saisie.avant == {"motivation": "Direction et communauté médicale impliquées."}
    assert saisie.apres == {"motivation": "Corrigée."}
    report = evenements(dossier).get(action="dossier_reporte")
    assert report.commentaire == "Corriger P2."


def test_refusal_is_traced_with_its_motif():
    dossier = d.refuse(motif="prerequis")
    row = evenements(dossier).get(action="dossier_refuse")
    assert row.acteur == d.valideur_de(dossier)
    assert row.avant == {"etat": "depose"}
    assert row.apres == {"etat": "refuse", "motif": "prerequis"}
    assert row.commentaire == "Dossier insuffisant."


def test_saisie_without_any_change_is_not_traced():
    dossier, gestionnaire = d.complet()
    nb = evenements(dossier).count()
    enregistrer_saisie(
        dossier=dossier,
        data={"motivation": "Direction et communauté médicale impliquées."},
        acting_user=gestionnaire,
    )
    assert evenements(dossier).count() == nb
