"""Demo calls for applications (``python manage.py demo``, issue 14 point 6), through the same
actions as the application (``candidatures.actions``, ``candidatures.campagnes``).

- The HOP'EN 2019 AMI (``ami-2019``, from the référentiel): pré-candidatures in every région and
  every state (brouillon, transmise, pré-sélectionnée, rejetée with its motif), about 10 %
  late (``tardive``, filed after 30/06/2019) and some ARS answers after 30/09/2019
  (``reponse_tardive``). About 76 % of the établissements answer (seed 004: 2,430 respondents,
  76 % of those registered in oSIS), on 1 to 3 domaines drawn with seed 004's shares (D2 and
  D6 the most wanted). Every établissement that holds a HOP'EN dossier in the demo (the plan's,
  the audits' and the pending requests') is pre-selected, on the domaines its dossier asks for.
  ES A, ES B and ES C are pre-selected on D2 (2020 S2) and D3 (2021 S1): they still have no
  HOP'EN dossier, and may ask for one (API.md walk-through); so is the support of the demo GHT
  (ES D, ``ght_support``), which may ask for a GHT dossier.
- Région 84's programmation transmitted once, in time (26/08/2019), within its envelope.
- One open campaign, « Appel à candidatures HOP'EN — réouverture <année> », opened 30 days
  ago and closing in 60 days, offering 8 semesters of targets from the current one, so that a
  new user files a pré-candidature from ``make run``: ES A, B and C (``es_gestionnaire``,
  ``es2_gestionnaire``, ``es3_gestionnaire``) and the GHT's ES have none in it. Two
  établissements rejected in 2019 re-apply there (a draft in région 84, one transmitted in
  région 11), so the ARS lists of the open call are not empty.

The 2019 history is written at its dates: the actions run with ``django.utils.timezone.now``
set to the day (:func:`le`), so every rule (window, lateness), timestamp and trace reads that
day. Deterministic (a generator per établissement, the demo's is left untouched) and idempotent: an
établissement that already has a pré-candidature in a campaign is left as it is, région 84's
programmation is transmitted only once, the open campaign is opened only while none of the
demo's includes today.

Called by the orchestrator (``hn.demo``) in two steps: :func:`preselectionner_reserves` before
the dossiers' pending requests (the gate of ``dossiers.actions.demander_initialisation`` needs
their pré-selection), :func:`charger_ami` and :func:`ouvrir_campagne` once the dossiers and the
audits exist."""

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from candidatures import actions, campagnes, semestres
from candidatures.enums import EtatPrecandidature, Position
from candidatures.models import Campagne, Precandidature, Version
from dossiers.models import Dossier
from hn.comptes import actions as comptes_actions
from hn.comptes.demo import gestionnaire_demo
from hn.comptes.enums import Role
from hn.comptes.models import Attribution, User
from hn.dates import PARIS, aujourd_hui
from hn.referentiel.demo import ES_FIXES, GHT_DEMO, finess_ght
from hn.referentiel.models import Region

AMI = "ami-2019"
GRAINE = 20190215  # the AMI's opening day: the seed of each établissement's generator
# ES A, B and C: pre-selected on these domaines (API.md walk-through).
DOMAINES_FIXES = {"D2": "2020S2", "D3": "2021S1"}
PARTICIPATION = 0.76  # [004] 2,430 respondents, 76 % of the établissements registered in oSIS
# [004] answers by domaine: D2 25 %, D6 19 %, the rest shared.
POIDS_DOMAINES = {"D1": 12, "D2": 25, "D3": 12, "D4": 10, "D5": 10, "D6": 19, "D7": 12}
ETATS = {"preselectionnee": 50, "rejetee": 20, "transmise": 15, "brouillon": 15}
PART_TARDIVES = 0.10
PART_REPONSES_TARDIVES = 0.20
REGION_PROGRAMMATION = "84"
PROGRAMMATION_TRANSMISE_LE = dt.date(2019, 8, 26)  # before 30/08/2019
VALIDEURS = {"84": "ars_valideur", "11": "ars11_valideur"}
MOTIFS = (
    "Prérequis HN non atteints et sans calendrier crédible à ce jour.",
    "Projet déjà financé par ailleurs sur ce domaine.",
    "Enveloppe régionale réservée aux établissements les plus avancés sur le DPI.",
)
COMPTES_GHT = ("ght_support", "ght_membre")
LIBELLE_OUVERTE = "Appel à candidatures HOP’EN — réouverture {annee}"


@contextmanager
def le(jour: dt.date, heure: int = 10):
    """Everything inside runs on ``jour`` (Paris time): ``timezone.now`` is set to that moment."""
    moment = dt.datetime.combine(jour, dt.time(heure), tzinfo=PARIS)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def ami() -> Campagne:
    return Campagne.objects.get(programme__code="HOPEN", code=AMI)


def valideur_demo(region) -> User:
    """The région's CMSI: the demo account of API.md for 84 and 11, a demo account without a
    password (``cmsi_<code>``) elsewhere."""
    if region.code in VALIDEURS:
        return User.objects.get(username=VALIDEURS[region.code])
    existant = (
        Attribution.objects.filter(role=Role.ARS_VALIDEUR, region=region).order_by("pk").first()
    )
    if existant is not None:
        return existant.user
    user, created = User.objects.get_or_create(
        username=f"cmsi_{region.code}", defaults={"first_name": "CMSI", "last_name": region.nom}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    comptes_actions.attribuer_role(
        user=user, role=Role.ARS_VALIDEUR, region=region, acting_user=None, systeme=True
    )
    return user


# --- the plan of one pré-candidature -----------------------------------------------------------


@dataclass
class Plan:
    """One établissement's pré-candidature: its state, domaines and dates."""

    etablissement: object
    etat: str
    domaines: dict[str, str]
    cree: dt.date
    transmise: dt.date | None = None
    decidee: dt.date | None = None
    motif: str = ""
    donnees: dict = field(default_factory=dict)


def _rng(etab) -> random.Random:
    """The établissement's own generator: its plan does not depend on the others'."""
    return random.Random(f"{GRAINE}-{etab.finess}")


def _jour(rng, debut: dt.date, fin: dt.date) -> dt.date:
    return debut + dt.timedelta(days=rng.randint(0, (fin - debut).days))


def _domaines(rng, campagne) -> dict[str, str]:
    """1 to 3 domaines (2 to 3 on average [004]) with a forecast semester of the campaign."""
    codes = list(POIDS_DOMAINES)
    choisis: set[str] = set()
    for _ in range(rng.choice((1, 2, 2, 3, 3))):
        choisis.add(rng.choices(codes, weights=list(POIDS_DOMAINES.values()))[0])
    offerts = semestres.intervalle("2020S1", campagne.dernier_semestre_cibles)
    return {code: rng.choice(offerts) for code in sorted(choisis)}


def donnees(etab, domaines: dict[str, str], rng, *, complet: bool = True) -> dict:
    """The tabs' content (API ``PATCH`` shape); a draft has only its domaines and position."""
    d = {
        "position": Position.DEFINITIVE if rng.random() < 0.6 else Position.EN_PROJET,
        "domaines": [{"code": c, "semestre_cibles": s} for c, s in domaines.items()],
    }
    if not complet:
        return d
    hn_atteints = rng.random() < 0.7
    return {
        **d,
        "prerequis_hn_atteints": hn_atteints,
        "semestre_prerequis_hn": "" if hn_atteints else rng.choice(("2019S2", "2020S1")),
        "semestre_prerequis_hopen": rng.choice(("2019S2", "2020S1", "2020S2", "2021S1")),
        "referent": {
            "nom": "Camille Leroy",
            "fonction": "Référente HOP’EN, direction des systèmes d’information",
            "email": f"referent.{etab.finess}@demo.localhost",
            "telephone": "04 00 00 00 00",
        },
        "representant_legal": {
            "nom": "Jean Moreau",
            "fonction": "Directeur",
            "email": f"direction.{etab.finess}@demo.localhost",
        },
        "commentaire": "Projet inscrit au schéma directeur du SI du GHT.",
    }


def _plan(etab, etat, domaines, rng, *, tardive=False, reponse_tardive=False) -> Plan:
    """Dates: filed during the AMI (or late, July–November 2019), transmitted a few days later,
    answered in July–August 2019 (or after 30/09/2019 when late)."""
    if tardive:
        cree = _jour(rng, dt.date(2019, 7, 5), dt.date(2019, 11, 30))
    else:
        cree = _jour(rng, dt.date(2019, 2, 20), dt.date(2019, 6, 15))
    plan = Plan(etab, etat, domaines, cree)
    plan.donnees = donnees(etab, domaines, rng, complet=etat != "brouillon")
    if etat == "brouillon":
        return plan
    plan.transmise = min(cree + dt.timedelta(days=rng.randint(2, 12)), dt.date(2019, 6, 30))
    if tardive:
        plan.transmise = cree + dt.timedelta(days=rng.randint(2, 12))
    if etat == "transmise":
        return plan
    if tardive or reponse_tardive:
        debut = max(plan.transmise, dt.date(2019, 9, 30)) + dt.timedelta(days=1)
        plan.decidee = _jour(rng, debut, debut + dt.timedelta(days=60))
    else:
        plan.decidee = _jour(rng, dt.date(2019, 7, 2), dt.date(2019, 8, 16))
    if etat == "rejetee":
        plan.motif = rng.choice(MOTIFS)
    return plan


def valider_par_le_support(pc) -> None:
    """A GHT member's draft is validated by its support's gestionnaire before it is
    transmitted [SPEC §10]."""
    pc.refresh_from_db()
    if not pc.attend_validation_support:
        return
    support = pc.support_ght
    existant = (
        Attribution.objects.filter(etablissement=support, role=Role.ES_GESTIONNAIRE)
        .order_by("pk")
        .first()
    )
    user = existant.user if existant else gestionnaire_demo(support)
    actions.valider_support(precandidature=pc, acting_user=user)


def executer(plan: Plan, campagne) -> Precandidature:
    """The plan through the actions, each on its day."""
    etab = plan.etablissement
    gestionnaire = gestionnaire_demo(etab)
    with le(plan.cree):
        pc = actions.creer(campagne=campagne, etablissement=etab, acting_user=gestionnaire)
        actions.modifier(precandidature=pc, donnees=plan.donnees, acting_user=gestionnaire)
    if plan.transmise is None:
        return pc
    with le(plan.transmise, 11):
        valider_par_le_support(pc)
        pc = actions.transmettre(precandidature=pc, acting_user=gestionnaire)
    if plan.decidee is None:
        return pc
    valideur = valideur_demo(etab.region)
    with le(plan.decidee, 15):
        if plan.etat == EtatPrecandidature.PRESELECTIONNEE:
            return actions.preselectionner(
                precandidature=pc, acting_user=valideur, commentaire="Projet retenu."
            )
        return actions.rejeter(precandidature=pc, acting_user=valideur, commentaire=plan.motif)


# --- the 2019 AMI ------------------------------------------------------------------------------


def _deja(campagne) -> set[int]:
    return set(campagne.precandidatures.values_list("etablissement_id", flat=True))


def preselectionner_reserves(reserves) -> int:
    """ES A, B and C, and the établissements of ``reserves`` (those the demo's pending requests
    use), pre-selected in the 2019 AMI in time. Returns how many were created."""
    campagne = ami()
    fixes = {finess for finess, *_ in ES_FIXES} | {finess_ght(GHT_DEMO)[0]}
    etablissements = [
        *sorted((e for e in _etablissements_fixes() if e.finess in fixes), key=lambda e: e.finess),
        *reserves,
    ]
    deja = _deja(campagne)
    cree = 0
    for etab in etablissements:
        if etab.pk in deja:
            continue
        rng = _rng(etab)
        domaines = DOMAINES_FIXES if etab.finess in fixes else _domaines(rng, campagne)
        executer(_plan(etab, "preselectionnee", dict(domaines), rng), campagne)
        cree += 1
    return cree


def _etablissements_fixes():
    from hn.referentiel.models import Etablissement

    return Etablissement.objects.filter(
        finess__in=[f for f, *_ in ES_FIXES] + finess_ght(GHT_DEMO)[:1]
    ).select_related("region")


def _domaines_des_dossiers() -> dict[int, dict[str, str]]:
    """Établissement id → the domaines its HOP'EN dossier asks for (forecast semester: the
    semester of the target date, within the AMI's range), {} when it asks for none."""
    result: dict[int, dict[str, str]] = {}
    for dossier in Dossier.objects.filter(programme__code="HOPEN").prefetch_related(
        "domaines__domaine"
    ):
        demandes = result.setdefault(dossier.etablissement_id, {})
        for d in dossier.domaines.all():
            if d.demande:
                jour = d.date_cible or dt.date(2021, 6, 30)
                semestre = semestres.de_la_date(min(jour, dt.date(2022, 12, 31)))
                demandes[d.domaine.code] = max(semestre, "2019S2")
    return result


def _etat_et_retards(rng, etab, dossiers) -> tuple[str | None, bool, bool]:
    """(state or None for no pré-candidature, tardive, reponse_tardive)."""
    if etab.pk in dossiers:
        return "preselectionnee", False, False
    if rng.random() > PARTICIPATION:
        return None, False, False
    etat = rng.choices(list(ETATS), weights=list(ETATS.values()))[0]
    tardive = rng.random() < PART_TARDIVES
    if tardive and etat == "preselectionnee" and etab.region.code == REGION_PROGRAMMATION:
        etat = "transmise"  # région 84's programmation was transmitted in August 2019
    reponse_tardive = etat in ("preselectionnee", "rejetee") and (
        tardive or rng.random() < PART_REPONSES_TARDIVES
    )
    if reponse_tardive and etat == "preselectionnee" and etab.region.code == "84":
        reponse_tardive = False
    return etat, tardive, reponse_tardive


def comptes_libres() -> set[str]:
    """FINESS of the établissements of the demo accounts that log in (ES A, B, C, the GHT's):
    left free for the open call (ES A, B and C are pre-selected in the 2019 AMI)."""
    return {finess for finess, *_ in ES_FIXES} | set(
        Attribution.objects.filter(
            user__username__in=COMPTES_GHT, etablissement__isnull=False
        ).values_list("etablissement__finess", flat=True)
    )


def charger_ami(par_region_actuelle) -> int:
    """The 2019 AMI in every région (see the module), then région 84's programmation. The
    établissements of :func:`comptes_libres` get none unless they hold a HOP'EN dossier.
    Returns how many pré-candidatures were created."""
    campagne = ami()
    dossiers = _domaines_des_dossiers()
    deja = _deja(campagne)
    exclus = comptes_libres()
    plans = []
    for code in sorted(par_region_actuelle):
        for etab in sorted(par_region_actuelle[code], key=lambda e: e.finess):
            rng = _rng(etab)
            etat, tardive, reponse_tardive = _etat_et_retards(rng, etab, dossiers)
            domaines = dossiers.get(etab.pk) or _domaines(rng, campagne)
            if (
                etat is None
                or etab.pk in deja
                or (etab.pk not in dossiers and etab.finess in exclus)
            ):
                continue
            plans.append(
                _plan(etab, etat, domaines, rng, tardive=tardive, reponse_tardive=reponse_tardive)
            )
    for plan in plans:
        executer(plan, campagne)
    transmettre_programmation(campagne)
    return len(plans)


def transmettre_programmation(campagne) -> Version | None:
    """Région 84's programmation transmitted once, on 26/08/2019 (None when it already was, or
    has no line: a smaller demo)."""
    region = Region.objects.actuelles().get(code=REGION_PROGRAMMATION)
    if Version.objects.filter(programmation__campagne=campagne, programmation__region=region):
        return None
    if not campagne.precandidatures.filter(region=region, etat="preselectionnee").exists():
        return None
    with le(PROGRAMMATION_TRANSMISE_LE, 16):
        return actions.transmettre_programmation(
            campagne=campagne, region=region, acting_user=valideur_demo(region)
        )


# --- the open campaign -------------------------------------------------------------------------


def campagne_ouverte() -> Campagne | None:
    """The demo's open campaign whose window includes today, if any."""
    jour = aujourd_hui()
    return (
        Campagne.objects.filter(
            programme__code="HOPEN",
            libelle__startswith=LIBELLE_OUVERTE.split("{")[0],
            ouverture__lte=jour,
            tardives_jusqu_au__gte=jour,
        )
        .order_by("-ouverture")
        .first()
    )


def ouvrir_campagne() -> Campagne:
    """The open campaign (opened by ``dgos`` 30 days ago, closing in 60 days, 8 semesters of
    targets from the current one), unless the demo's previous one still includes today; then
    two établissements rejected in 2019 re-apply in it (never those of :func:`comptes_libres`)."""
    campagne = campagne_ouverte()
    if campagne is None:
        jour = aujourd_hui()
        premier = semestres.de_la_date(jour)
        cloture = jour + dt.timedelta(days=60)
        campagne = campagnes.ouvrir(
            donnees={
                "programme": "HOPEN",
                "libelle": LIBELLE_OUVERTE.format(annee=jour.year),
                "ouverture": (jour - dt.timedelta(days=30)).isoformat(),
                "cloture": cloture.isoformat(),
                "programmation_avant": (cloture + dt.timedelta(days=30)).isoformat(),
                "reponse_avant": (cloture + dt.timedelta(days=45)).isoformat(),
                "tardives_jusqu_au": (cloture + dt.timedelta(days=120)).isoformat(),
                "premier_semestre": premier,
                "dernier_semestre_prerequis": _decaler(premier, 4),
                "dernier_semestre_cibles": _decaler(premier, 7),
            },
            acting_user=User.objects.get(username="dgos"),
        )
    _candidater(campagne, comptes_libres())
    return campagne


def _decaler(semestre: str, n: int) -> str:
    s = semestres.lire(semestre)
    for _ in range(n):
        s = semestres.suivant(s)
    return semestres.ecrire(s)


def _candidater(campagne, exclus) -> int:
    """A draft in région 84 and a transmitted one in région 11, by établissements rejected in
    the 2019 AMI, filed today."""
    rejetees = Precandidature.objects.filter(campagne=ami(), etat="rejetee").select_related(
        "etablissement__region"
    )
    deja = _deja(campagne)
    rng = random.Random(GRAINE + 2)
    offerts = semestres.intervalle(campagne.premier_semestre, campagne.dernier_semestre_cibles)
    cree = 0
    for region, etat in (("84", "brouillon"), ("11", "transmise")):
        candidats = [
            pc.etablissement
            for pc in rejetees.filter(region__code=region).order_by("etablissement__finess")
            if pc.etablissement.finess not in exclus
        ]
        if not candidats or candidats[0].pk in deja:
            continue
        etab = candidats[0]
        d = donnees(etab, {"D2": offerts[2], "D6": offerts[4]}, rng, complet=etat != "brouillon")
        if etat != "brouillon":
            d["semestre_prerequis_hopen"] = offerts[1]
            d["semestre_prerequis_hn"] = "" if d["prerequis_hn_atteints"] else offerts[1]
        gestionnaire = gestionnaire_demo(etab)
        pc = actions.creer(campagne=campagne, etablissement=etab, acting_user=gestionnaire)
        actions.modifier(precandidature=pc, donnees=d, acting_user=gestionnaire)
        if etat == "transmise":
            valider_par_le_support(pc)
            actions.transmettre(precandidature=pc, acting_user=gestionnaire)
        cree += 1
    return cree
