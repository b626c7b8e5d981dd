"""Demo dossiers (``python manage.py demo``): dossiers of both programmes in every state in
régions 84 and 11, through the same actions as the application, pending initialisation
requests, and two GHT dossiers (one in instruction, one in follow-up). What the apps above a
dossier add to an accepted one (the amorçage decided, payments, the follow-up) comes from them
through :class:`Suites`, passed by the orchestrator (``hn.demo``): this module never imports
those apps. Deterministic (the caller's random generator) and idempotent."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import actions as dossier_actions
from dossiers.analyse import analyser_piece
from dossiers.eligibilite import indicateurs_de_convergence
from dossiers.enums import (
    CategoriePiece,
    DecisionDomaine,
    DecisionPrerequis,
    EtatAnalyse,
    MotifRefus,
    TypeContact,
)
from dossiers.models import DemandeInitialisation, Dossier, ValeurIndicateur
from dossiers.pieces import ajouter_piece
from dossiers.saisie import enregistrer_saisie
from hn import antivirus
from hn.comptes.demo import gestionnaire_demo
from hn.comptes.models import User
from hn.dates import (
    PARIS,
    ajouter_mois,
    aujourd_hui,
    date_paris,
    echeance_decision,
    echeance_initialisation,
)
from hn.referentiel.demo import ES_FIXES, GHT_INSTRUCTION, GHT_SUIVI, finess_ght
from hn.referentiel.models import Etablissement, Programme

# (région, programme, state, requested domaines, selected domaines). ES A, B and C keep no
# HOP'EN dossier so that a new user can walk the whole workflow from the request on.
PLAN_DOSSIERS = [
    ("84", "HN", "accepte", ("D1", "D2", "D3"), ("D1", "D2")),
    ("84", "HN", "accepte", ("D4", "D5"), ("D4",)),
    ("84", "HN", "refuse_enveloppe", ("D2",), ()),
    ("84", "HN", "depose", ("D2", "D3"), ()),
    ("84", "HN", "reporte", ("D1",), ()),
    ("84", "HN", "en_saisie", (), ()),
    ("84", "HN", "refuse_implicite", ("D3",), ()),
    ("84", "HN", "clos", ("D1", "D2"), ("D1",)),
    ("84", "HOPEN", "accepte", ("D1", "D2", "D6"), ("D1", "D2", "D6")),
    ("84", "HOPEN", "accepte", ("D3", "D5"), ("D3",)),
    ("84", "HOPEN", "depose", ("D2", "D3"), ()),
    ("84", "HOPEN", "depose", ("D7",), ()),
    ("84", "HOPEN", "reporte", ("D2",), ()),
    ("84", "HOPEN", "en_saisie", (), ()),
    ("84", "HOPEN", "refuse_prerequis", ("D4",), ()),
    ("84", "HOPEN", "refuse_implicite", ("D5",), ()),
    ("84", "HOPEN", "clos", ("D2",), ("D2",)),
    ("11", "HN", "accepte", ("D2",), ("D2",)),
    ("11", "HN", "depose", ("D3",), ()),
    ("11", "HOPEN", "accepte", ("D2", "D3"), ("D2", "D3")),
    ("11", "HOPEN", "depose", ("D1",), ()),
    ("11", "HOPEN", "en_saisie", (), ()),
    # Deadlines (issue 4): the first sweep sends the ARS its J-15 reminder for one, and
    # refuses the other implicitly (its four months ran out yesterday).
    ("84", "HN", "depose_echeance_proche", ("D1",), ()),
    ("11", "HN", "depose_expire", ("D4",), ()),
]


def _saisie_demo(programme, domaines, rng) -> dict:
    prerequis = programme.indicateurs.filter(prerequis__isnull=False)
    return {
        "engagements": list(programme.engagements.values_list("code", flat=True)),
        "commentaire_etablissement": "Établissement engagé dans la convergence de son GHT.",
        "description_projet": "Déploiement progressif dans l'ensemble des services de soins, "
        "en lien avec la trajectoire du schéma directeur du SI.",
        "motivation": "Projet porté par la direction et la CME ; référents métiers désignés "
        "dans chaque pôle.",
        "mutualise": rng.random() < 0.3,
        "partenaires": "Établissements du GHT (dossier patient commun).",
        "contacts": [
            {
                "type": t,
                "nom": nom,
                "fonction": fonction,
                "email": f"{t}@demo.localhost",
                "telephone": "04 00 00 00 00",
            }
            for t, nom, fonction in (
                ("contact", "Claire Martin", "Chargée de mission SI"),
                ("responsable_projet", "Hugo Bernard", "Chef de projet"),
                ("dsi", "Nadia Petit", "DSI"),
                ("directeur", "Paul Durand", "Directeur"),
            )
        ],
        "domaines": [
            {
                "code": code,
                "demande": True,
                "avancement": "deploiement",
                "date_cible": f"{2017 if programme.code == 'HN' else 2022}-06-30",
                "cout": str(rng.randrange(40, 400) * 1000),
            }
            for code in domaines
        ],
        "indicateurs": [
            {"code": i.code, "valeur": True if i.type == "existence" else str(rng.randint(90, 100))}
            for i in prerequis
        ]
        + [
            {"code": i.code, "valeur": False if i.type == "existence" else str(rng.randint(5, 60))}
            for i in programme.indicateurs.filter(domaine__code__in=domaines)
        ],
    }


def _rien(*args, **kwargs):
    return None


@dataclass(frozen=True)
class Suites:
    """What the apps above a dossier do with an accepted demo dossier, in this order:
    ``amorcage(dossier)`` gives the amorçage decided at the acceptance ({domaine: montant});
    ``versements(dossier, valideur)`` records the payments that follow it; then a dossier of
    the plan's state ``clos`` is closed, and any other goes on with
    ``suivi(dossier, valideur, gestionnaire)``."""

    amorcage: Callable = _rien
    versements: Callable = _rien
    suivi: Callable = _rien


def charger_dossiers(par_region_actuelle, rng, *, suites: Suites = Suites()) -> int:
    """The dossiers of :data:`PLAN_DOSSIERS` on the établissements of régions 84 and 11 (ES A, B
    and C excepted), each brought to its state. Returns how many were created."""
    valideurs = {
        "84": User.objects.get(username="ars_valideur"),
        "11": User.objects.get(username="ars11_valideur"),
    }
    fixes = {finess for finess, *_ in ES_FIXES}
    candidats = {
        code: [e for e in par_region_actuelle[code] if e.finess not in fixes] for code in valideurs
    }
    rangs: dict[tuple[str, str], int] = {}
    cree = 0
    for region, code, etat, demandes, selectionnes in PLAN_DOSSIERS:
        cle = (region, code)
        rangs[cle] = rangs.get(cle, -1) + 1
        if rangs[cle] >= len(candidats[region]):
            continue  # a smaller demo (tests) has fewer établissements than the plan
        etab = candidats[region][rangs[cle]]
        programme = Programme.objects.get(code=code)
        if Dossier.objects.filter(programme=programme, etablissement=etab).exists():
            continue
        valideur = valideurs[region]
        gestionnaire = gestionnaire_demo(etab)
        dossier = dossier_actions.initialiser_dossier(
            programme=programme, etablissement=etab, nom="", acting_user=valideur
        )
        cree += 1
        if etat == "en_saisie":
            enregistrer_saisie(
                dossier=dossier,
                data={"engagements": list(programme.engagements.values_list("code", flat=True))},
                acting_user=gestionnaire,
            )
            continue
        enregistrer_saisie(
            dossier=dossier, data=_saisie_demo(programme, demandes, rng), acting_user=gestionnaire
        )
        dossier = dossier_actions.deposer(dossier=dossier, acting_user=gestionnaire)
        _decider(dossier, etat, demandes, selectionnes, valideur, gestionnaire, suites)
    return cree


def _decider(dossier, etat, demandes, selectionnes, valideur, gestionnaire, suites):
    """A deposited dossier brought to its planned state by the ARS (or the system)."""
    if etat == "depose_echeance_proche":
        _antidater_depot(dossier, echeance=aujourd_hui() + timedelta(days=10))
    elif etat == "depose_expire":
        _antidater_depot(dossier, echeance=aujourd_hui() - timedelta(days=1))
    if etat.startswith("depose"):
        return
    if etat == "reporte":
        dossier_actions.reporter(
            dossier=dossier,
            commentaire="Merci de joindre les justificatifs des indicateurs P1.1 et P1.3.",
            acting_user=valideur,
        )
    elif etat.startswith("refuse_") and etat != "refuse_implicite":
        motif = MotifRefus.ENVELOPPE if etat == "refuse_enveloppe" else MotifRefus.PREREQUIS
        dossier_actions.refuser(
            dossier=dossier,
            motif=motif,
            commentaire="Enveloppe régionale de l'année engagée."
            if motif == "enveloppe"
            else "Prérequis de sécurité non atteints à ce jour.",
            acting_user=valideur,
        )
    elif etat == "refuse_implicite":
        # The 4 months ran out: the dépôt is moved back in time, then the system acts.
        depose_le = timezone.now() - timedelta(days=200)
        Dossier.objects.filter(pk=dossier.pk).update(
            depose_le=depose_le,
            echeance_decision=echeance_decision(date_paris(depose_le)),
        )
        dossier_actions.refuser_implicitement(dossier=dossier)
    elif etat in ("accepte", "clos"):
        _accepter(dossier, etat, demandes, selectionnes, valideur, gestionnaire, suites)


def _accepter(dossier, etat, demandes, selectionnes, valideur, gestionnaire, suites):
    """Prérequis accepted, the planned domaines selected, accepted; then what the apps above
    add (:class:`Suites`); a ``clos`` dossier is closed after its payments."""
    programme = dossier.programme
    dossier_actions.valider_prerequis(
        dossier=dossier,
        decisions={p.code: DecisionPrerequis.ACCEPTE for p in programme.prerequis.all()},
        commentaire="",
        acting_user=valideur,
    )
    dossier_actions.valider_domaines(
        dossier=dossier,
        decisions={
            c: (
                DecisionDomaine.SELECTIONNE
                if c in selectionnes
                else DecisionDomaine.NON_SELECTIONNE,
                "" if c in selectionnes else "Hors de la priorité régionale.",
            )
            for c in demandes
        },
        acting_user=valideur,
    )
    dossier = dossier_actions.accepter(
        dossier=dossier, acting_user=valideur, amorcage=suites.amorcage(dossier)
    )
    suites.versements(dossier, valideur)
    if etat == "clos":
        dossier_actions.clore(
            dossier=dossier,
            motif="cibles_inatteignables",
            commentaire="Le projet ne pourra pas atteindre ses cibles avant la fin du "
            "programme (changement d'éditeur).",
            acting_user=valideur,
        )
        return
    suites.suivi(dossier, valideur, gestionnaire)


def etablissements_des_demandes(par_region_actuelle) -> list:
    """The établissements :func:`charger_demandes` asks for: the last two of région 84 (the
    dossiers' plan takes from its start), never ES A/B/C. HOP'EN's gate wants their
    pré-selection first (the orchestrator has ``candidatures.demo`` give it)."""
    fixes = {finess for finess, *_ in ES_FIXES}
    return [e for e in reversed(par_region_actuelle["84"]) if e.finess not in fixes][:2]


def charger_demandes(par_region_actuelle) -> int:
    """Pending requests in région 84: one overdue (asked 50 days ago), one recent, on
    :func:`etablissements_des_demandes`."""
    programme = Programme.objects.get(code="HOPEN")
    libres = etablissements_des_demandes(par_region_actuelle)
    cree = 0
    for etab, il_y_a in zip(libres, (50, 3), strict=False):
        if etab.dossiers.exists() or etab.demandes.exists():
            continue
        demande = dossier_actions.demander_initialisation(
            programme=programme, etablissement=etab, acting_user=gestionnaire_demo(etab)
        )
        demandee_le = timezone.now() - timedelta(days=il_y_a)
        DemandeInitialisation.objects.filter(pk=demande.pk).update(
            demandee_le=demandee_le, echeance=echeance_initialisation(date_paris(demandee_le))
        )
        cree += 1
    return cree


# GHT dossiers of région 84 (issue 15), on the fixed GHT of ``hn.referentiel.demo.ES_GHT``:
# (GHT, state, requested domaines, selected domaines). Every member of the GHT is a candidate.
PLAN_GHT = [
    (GHT_INSTRUCTION, "depose", ("D2", "D3"), ()),
    (GHT_SUIVI, "accepte", ("D2", "D5"), ("D2",)),
]


def etablissements_des_ght() -> list:
    """The supports of :data:`PLAN_GHT`'s GHT: HOP'EN's gate wants their pré-selection before
    they request the GHT dossier (the orchestrator has ``candidatures.demo`` give it)."""
    finess = [finess_ght(nom)[0] for nom, *_ in PLAN_GHT]
    return sorted(Etablissement.objects.filter(finess__in=finess), key=lambda e: e.finess)


def charger_dossiers_ght(*, suites: Suites = Suites()) -> int:
    """The GHT dossiers of :data:`PLAN_GHT`, through the application's actions: the support's
    gestionnaire requests it for every member, the ARS initialises it, the support types it
    (each member's value of every indicator of the requested domaines) and deposits it, then
    the ARS brings it to its state (an accepted one engaged on the envelope). Its own
    generator: the rest of the demo does not move. Returns how many were created."""
    rng = random.Random(15)
    programme = Programme.objects.get(code="HOPEN")
    valideur = User.objects.get(username="ars_valideur")
    cree = 0
    for nom, etat, demandes, selectionnes in PLAN_GHT:
        finess = finess_ght(nom)
        support = Etablissement.objects.get(finess=finess[0])
        if Dossier.objects.filter(programme=programme, etablissement=support).exists():
            continue
        gestionnaire = gestionnaire_demo(support)
        demande = dossier_actions.demander_initialisation(
            programme=programme, etablissement=support, acting_user=gestionnaire, membres=finess
        )
        dossier = dossier_actions.initialiser_dossier(
            programme=programme, etablissement=support, nom=nom, acting_user=valideur,
            demande=demande,
        )  # fmt: skip
        cree += 1
        data = _saisie_demo(programme, demandes, rng)
        # The domaine indicators are per member [SPEC §10]: the dossier keeps the prérequis'.
        prerequis = set(
            programme.indicateurs.filter(prerequis__isnull=False).values_list("code", flat=True)
        )
        data["indicateurs"] = [i for i in data["indicateurs"] if i["code"] in prerequis]
        # The support's pre-selection may have requested others: only the plan's are.
        data["domaines"] += [
            {"code": code, "demande": False}
            for code in programme.domaines.exclude(code__in=demandes).values_list("code", flat=True)
        ]
        conditions = _conditions_ght(programme, demandes)
        data |= conditions | {"contacts": data["contacts"] + conditions["contacts"]}
        enregistrer_saisie(dossier=dossier, data=data, acting_user=gestionnaire)
        sdsi = ajouter_piece(
            dossier=dossier,
            fichier=SimpleUploadedFile(f"SDSI {nom}.pdf", PDF_SDSI),
            categorie=CategoriePiece.SDSI_GHT,
            acting_user=gestionnaire,
        )
        _analyser(sdsi)
        _valeurs_des_membres(dossier, demandes, rng)
        dossier = dossier_actions.deposer(dossier=dossier, acting_user=gestionnaire)
        _decider(dossier, etat, demandes, selectionnes, valideur, gestionnaire, suites)
    return cree


class DemoImpossible(Exception):
    """The demo cannot be loaded as planned (its message says why, in French)."""


MSG_ANTIVIRUS = (
    "La démonstration dépose des dossiers de GHT avec leur schéma directeur SI, que l'antivirus "
    "doit analyser avant le dépôt : {cause}. Relancez quand clamd répond, ou avec ANTIVIRUS=aucun."
)


def exiger_antivirus() -> None:
    """Called before the demo writes anything: with ``ANTIVIRUS=clamd``, clamd must answer
    (the GHT dossiers' SDSI is scanned before their dépôt)."""
    if antivirus.actif() and not antivirus.ping():
        raise DemoImpossible(MSG_ANTIVIRUS.format(cause="clamd ne répond pas"))


def _analyser(piece) -> None:
    """Scans the demo's attachment now, before its dépôt. The upload's own scan runs once the
    demo commits (``dossiers.analyse.programmer``), too late: a dépôt is refused while a piece
    waits for the antivirus. With ``ANTIVIRUS=clamd``, clamd must answer."""
    if piece.etat_analyse == EtatAnalyse.EN_ANALYSE:
        etat = analyser_piece(piece.pk)
        if etat != EtatAnalyse.SAINE:
            piece.refresh_from_db()
            cause = f"« {piece.nom} » non analysé ({piece.analyse_detail or etat})"
            raise DemoImpossible(MSG_ANTIVIRUS.format(cause=cause))


# The GHT's schéma directeur SI, a one-page PDF (the SDSI condition wants the attachment).
PDF_SDSI = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _conditions_ght(programme, demandes) -> dict:
    """The GHT conditions met [003 §5.3.1]: the support director's validations, the GHT's DSI,
    a convergence answer for each convergence indicator (converged on the prérequis, not yet
    on the domaines: the project's aim)."""
    indicateurs = programme.indicateurs.select_related("domaine")
    return {
        "validation_directeur_support": True,
        "dsi_ght_valide": True,
        "convergence": {
            ind.code: ind.prerequis_id is not None
            for ind in indicateurs_de_convergence(indicateurs, set(demandes))
        },
        "contacts": [
            {
                "type": TypeContact.DSI_GHT.value,
                "nom": "Camille Moreau",
                "fonction": "DSI du GHT",
                "email": "dsi@ght.demo",
                "telephone": "0472000000",
            }
        ],
    }


def _valeurs_des_membres(dossier, domaines, rng):
    """Each candidate member's value of every indicator of ``domaines``: below the targets,
    as at a dépôt."""
    indicateurs = list(dossier.programme.indicateurs.filter(domaine__code__in=domaines))
    ValeurIndicateur.objects.bulk_create(
        ValeurIndicateur(
            dossier=dossier,
            indicateur=ind,
            etablissement=membre.etablissement,
            valeur=0 if ind.type == "existence" else rng.randint(5, 60),
        )
        for membre in dossier.membres.select_related("etablissement")
        for ind in indicateurs
    )


def _antidater_depot(dossier, *, echeance):
    """Move a demo dépôt back in time so that its decision deadline falls on ``echeance``."""
    jour = ajouter_mois(echeance, -4)
    depose_le = datetime.combine(jour, time(10), tzinfo=PARIS)
    Dossier.objects.filter(pk=dossier.pk).update(
        depose_le=depose_le, echeance_decision=echeance_decision(jour)
    )


def charger_dossiers_acceptes(
    etablissements, code, *, valideur, decide_le, rng, suites=Suites()
) -> list:
    """Dossiers of programme ``code`` accepted in the past (for the audits' demo draw of a past
    year): one per établissement of ``etablissements``, through the same actions as the plan's
    accepted ones, then their dates moved back — created three months and deposited two months
    before ``decide_le``, numbered on their creation day (as ``_antidater_depot``: the actions'
    trace keeps its real time). Returns the dossiers."""
    programme = Programme.objects.get(code=code)
    codes = list(programme.domaines.order_by("code").values_list("code", flat=True))
    acceptes = []
    for n, etab in enumerate(etablissements):
        gestionnaire = gestionnaire_demo(etab)
        dossier = dossier_actions.initialiser_dossier(
            programme=programme, etablissement=etab, nom="", acting_user=valideur
        )
        demandes = tuple(sorted(rng.sample(codes, 2)))
        enregistrer_saisie(
            dossier=dossier, data=_saisie_demo(programme, demandes, rng), acting_user=gestionnaire
        )
        dossier = dossier_actions.deposer(dossier=dossier, acting_user=gestionnaire)
        _accepter(dossier, "accepte", demandes, demandes[:1], valideur, gestionnaire, suites)
        jour = decide_le - timedelta(days=3 * n)
        _antidater(dossier, cree=jour - timedelta(days=91), depose=jour - timedelta(days=61))
        Dossier.objects.filter(pk=dossier.pk).update(decide_le=jour)
        dossier.refresh_from_db()
        acceptes.append(dossier)
    return acceptes


def _antidater(dossier, *, cree, depose):
    """Creation and dépôt moved back to those days, the numéro following its creation day."""
    prefixe = f"{dossier.region.code}-{cree:%Y%m%d}-"
    rang = Dossier.objects.filter(numero__startswith=prefixe).count() + 1
    Dossier.objects.filter(pk=dossier.pk).update(
        numero=f"{prefixe}{rang:03d}",
        cree_le=datetime.combine(cree, time(9), tzinfo=PARIS),
        depose_le=datetime.combine(depose, time(10), tzinfo=PARIS),
        echeance_decision=echeance_decision(depose),
    )
