"""The 10x national data set of the benchmark (issue 6), generated fast.

    DATABASE_URL=postgres://hn:hn@127.0.0.1:5432/hn_bench python -m bench.generer [--force]

Steps: migrate, load the référentiel and the demo accounts (API.md), then bulk rows written with
PostgreSQL ``COPY`` (a multi-row ``INSERT`` on other databases, for the tests), bypassing the
ORM: établissements with valid FINESS over the 18 current régions, their activity, GHT, one
gestionnaire account each, dossiers of both programmes in every state with their domaines,
contacts, prérequis decisions, deposited snapshots, indicator values, ARS comments,
initialisation requests (pending, overdue, answered) and the journal rows of all of it.

One function per table (``Generateur.table_*``), called in dependency order by
:meth:`Generateur.generer`: a new table (semester reports, ledger lines) is one more function.

Dates are relative to the generation time. By default nothing is due: every deposited dossier
is within its 4 months. ``--dus 0.10`` (or :func:`marquer_dus`) moves 10% of the deposited
dossiers' decision deadline into the past so that ``run_deadlines`` has work;
:func:`restaurer_dus` puts them back.

A complete data set is recorded in the table ``bench_jeu`` with its sizes: a second run with the
same sizes does nothing; ``--force`` drops the schema and regenerates.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://hn:hn@127.0.0.1:5432/hn_bench")

TABLE_MARQUEUR = "bench_jeu"


@dataclass(frozen=True)
class Tailles:
    """What to generate. Defaults: 10x the national HOP'EN volumes (seed 004)."""

    etablissements: int = 32_000
    dossiers: int = 66_000
    demandes_en_attente: int = 3_000
    graine: int = 20_190_215


# Share of the dossiers per programme, and the mix of states per programme (weights).
PART_PROGRAMMES = {"HN": 32, "HOPEN": 34}
MIX_ETATS = {
    "HN": {
        "en_saisie": 4,
        "depose": 10,
        "reporte": 3,
        "accepte": 49,
        "clos": 8,
        "refuse": 14,
        "refuse_implicite": 12,
    },
    "HOPEN": {
        "en_saisie": 22,
        "depose": 25,
        "reporte": 6,
        "accepte": 31,
        "clos": 2,
        "refuse": 9,
        "refuse_implicite": 5,
    },
}
# Pending initialisation requests per programme (weights); a few more are cancelled.
PART_DEMANDES = {"HN": 1, "HOPEN": 4}
ETATS_REFUSES = ("refuse", "refuse_implicite")

# (statut, kind, weight), as the demo, plus the CLCC HOP'EN distinguishes.
PROFILS = [
    ("public", "ch", 30),
    ("public", "chs", 6),
    ("public", "hl", 6),
    ("prive_lucratif", "clinique", 22),
    ("prive_lucratif", "ssr", 8),
    ("prive_non_lucratif", "espic", 10),
    ("prive_non_lucratif", "had", 3),
    ("clcc", "clcc", 1),
]
ACTIVITES = {
    "ch": (True, True, False, False),
    "chs": (False, False, True, False),
    "hl": (True, True, False, False),
    "clinique": (True, False, False, False),
    "ssr": (False, True, False, False),
    "espic": (True, True, False, True),
    "had": (False, False, False, True),
    "clcc": (True, False, False, False),
}
TAILLE_MCO = {
    "ch": (20_000, 320_000),
    "hl": (3_000, 15_000),
    "clinique": (8_000, 70_000),
    "espic": (15_000, 120_000),
    "clcc": (10_000, 60_000),
}
NOMS = {
    "ch": "Centre hospitalier de {ville}",
    "chs": "Centre hospitalier spécialisé de {ville}",
    "hl": "Hôpital local de {ville}",
    "clinique": "Clinique {prive} — {ville}",
    "ssr": "Centre de soins de suite {prive} — {ville}",
    "espic": "Hôpital privé {prive} — {ville}",
    "had": "HAD {prive} — {ville}",
    "clcc": "Centre de lutte contre le cancer {prive} — {ville}",
}
PRENOMS = ["Claire", "Hugo", "Nadia", "Paul", "Sophie", "Karim", "Julie", "Marc", "Ines", "Luc"]
NOMS_FAMILLE = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"]
FONCTIONS = {
    "contact": "Chargée de mission SI",
    "responsable_projet": "Chef de projet",
    "dsi": "DSI",
    "directeur": "Directeur",
}
TEXTES = {
    "commentaire_etablissement": "Établissement engagé dans la convergence de son GHT.",
    "commentaire_contacts": "Référents métiers désignés dans chaque pôle.",
    "description_projet": "Déploiement progressif dans l'ensemble des services de soins, en "
    "lien avec la trajectoire du schéma directeur du SI.",
    "motivation": "Projet porté par la direction et la CME ; référents métiers désignés dans "
    "chaque pôle.",
    "partenaires": "Établissements du GHT (dossier patient commun).",
}
COMMENTAIRES_ARS = [
    "Merci de préciser le calendrier de déploiement du domaine.",
    "Justificatifs des indicateurs P1.1 et P1.3 reçus.",
    "Point d'étape prévu avec la direction lors de la revue de projet.",
    "Dossier présenté en comité régional.",
]
MOTIFS_REFUS = [("enveloppe", 40), ("prerequis", 45), ("autre", 15)]
MOTIFS_CLOTURE = ["cibles_inatteignables", "declarations_erronees", "demande_etablissement"]

VALEURS = [f"{i}.00" for i in range(101)]
# ActiviteEtablissement volume columns, in the order of the plan's tuples.
VOLUMES = (
    "journees_mco",
    "seances_mco",
    "hdj_chirurgie_ambulatoire",
    "hdj_hors_chirurgie_ambulatoire",
    "journees_ssr",
    "journees_psy",
    "journees_had",
)
# Months between two follow-up reports (set by the ARS, 1 to 6) and their weights.
FREQUENCES_SUIVI = [(1, 20), (2, 55), (3, 25)]
RAPPORTS_MAX = 10  # numeric(6,2) as PostgreSQL returns it
JOUR = timedelta(days=1)


def _setup():
    import django

    django.setup()


def _paris(moment: datetime) -> date:
    from hn.dates import date_paris

    return date_paris(moment)


def _choix(rng, pondere):
    valeurs, poids = zip(*pondere, strict=True)
    return rng.choices(valeurs, weights=poids)[0]


def repartir(total: int, poids: dict) -> dict:
    """``total`` split by weights, rounded so that the parts add up (largest remainder)."""
    somme = sum(poids.values())
    exact = {k: total * p / somme for k, p in poids.items()}
    parts = {k: int(v) for k, v in exact.items()}
    reste = total - sum(parts.values())
    for k in sorted(exact, key=lambda k: exact[k] - parts[k], reverse=True)[:reste]:
        parts[k] += 1
    return parts


# --- writing rows ----------------------------------------------------------------------------


def copier(model, champs: list[str] | str, lignes) -> int:
    """Write ``lignes`` (tuples in the order of ``champs``, JSON fields as JSON text) into the
    model's table: ``COPY`` on PostgreSQL, multi-row ``INSERT`` elsewhere. Returns the count."""
    from django.db import connection

    if isinstance(champs, str):
        champs = champs.split()
    fields = [model._meta.get_field(nom) for nom in champs]
    complements = _complements(model, fields)
    if complements:
        fields += [f for f, _ in complements]
        suite = tuple(v for _, v in complements)
        lignes = (ligne + suite for ligne in lignes)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    colonnes = ", ".join(qn(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({colonnes}) FROM STDIN") as copy:
                for ligne in lignes:
                    copy.write_row(ligne)
                    n += 1
            return n
        from django.db.models import JSONField

        sql = f"INSERT INTO {table} ({colonnes}) VALUES ({', '.join(['%s'] * len(fields))})"
        prep = [
            (lambda v: v)
            if isinstance(f, JSONField)
            else (lambda v, f=f: f.get_db_prep_save(v, connection))
            for f in fields
        ]
        lot = []
        for ligne in lignes:
            lot.append([p(v) for p, v in zip(prep, ligne, strict=True)])
            n += 1
            if len(lot) == 2000:
                cursor.executemany(sql, lot)
                lot = []
        if lot:
            cursor.executemany(sql, lot)
    return n


def _complements(model, donnes) -> list[tuple]:
    """The model's columns that a table function does not give, with the field's default:
    a field added later by a migration (with a default) keeps the generator working."""
    from django.db.models import JSONField

    result = []
    for f in model._meta.concrete_fields:
        if f in donnes or f.primary_key or (f.null and not f.has_default()):
            continue
        valeur = f.get_default()
        if valeur is None and not f.null:
            raise ValueError(
                f"{model._meta.label}.{f.name} : colonne obligatoire sans valeur par défaut, "
                "à ajouter à la fonction de sa table."
            )
        result.append((f, _json(valeur) if isinstance(f, JSONField) else valeur))
    return result


def _prochain_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reinitialiser_sequences(models):
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _json(data) -> str:
    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)


class _Compte:
    n = 0


@contextmanager
def cles_etrangeres_suspendues(models):
    """PostgreSQL: drop the foreign keys of ``models``' tables for the bulk load and add them
    back, same names and definitions, at the end: each is then validated by one join over the
    table instead of one deferred trigger per inserted row at commit (what pg_restore does).
    The caller's transaction makes it all or nothing. Elsewhere: nothing to do."""
    from django.db import connection

    compte = _Compte()
    if connection.vendor != "postgresql":
        yield compte
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        # Rows written by the ORM earlier in the transaction: check them now (a table with
        # pending deferred checks cannot be altered).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        cles = cursor.fetchall()
        for table, nom, _ in cles:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{nom}"')
    yield compte
    with connection.cursor() as cursor:
        for table, nom, definition in cles:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{nom}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    compte.n = len(cles)


@contextmanager
def versions_suspendues():
    """PostgreSQL: the triggers that version the régions' dashboards (``hn.db``) are switched
    off for the bulk load (one version bump per copied row otherwise), then every région's
    version is bumped once: a dashboard cached before the load is never read again. Elsewhere:
    nothing to do."""
    from django.db import connection

    from hn.db import declencheurs_de_version, incrementer_toutes_les_regions

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        declencheurs = declencheurs_de_version(cursor)
        for table, nom in declencheurs:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {nom}")
    yield
    with connection.cursor() as cursor:
        for table, nom in declencheurs:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {nom}")
        incrementer_toutes_les_regions(cursor)


# --- the plan of a dossier -------------------------------------------------------------------


@dataclass(slots=True)
class PlanEtab:
    id: int
    finess: str
    raison_sociale: str
    region_id: int
    region_code: str
    statut: str
    kind: str
    mco: int = 0
    gestionnaire_id: int | None = None
    ght_id: int | None = None

    def __str__(self):  # as Etablissement.__str__
        return f"{self.raison_sociale} ({self.finess})"


@dataclass(slots=True)
class PlanDossier:
    id: int
    programme: str
    etab: PlanEtab
    etat: str
    graine: int
    numero: str = ""
    cree_le: datetime | None = None
    depots: list = field(default_factory=list)  # dépôt datetimes, oldest first
    reporte_le: list = field(default_factory=list)  # report datetimes (before a new dépôt)
    decide_le: date | None = None
    echeance: date | None = None
    clos_le: date | None = None
    motif_refus: str = ""
    motif_cloture: str = ""
    demande_id: int | None = None
    demandee_le: datetime | None = None
    saisie: str = "complete"  # complete / partielle / engagements / vide
    mutualise: bool = False
    domaines: dict = field(default_factory=dict)  # code -> (demande, avancement, date, cout)
    selection: dict = field(default_factory=dict)  # code -> decision
    prerequis: dict = field(default_factory=dict)  # code -> decision
    contacts: int = 4
    commentaires: int = 0
    # phase suivi (accepted and closed dossiers)
    frequence: int = 6  # months between two reports
    rapports: list = field(default_factory=list)  # (rang, arrete_le, attendu_le, depose_le)
    prochain_rapport_le: date | None = None
    suivi: dict = field(default_factory=dict)  # code -> PlanSuivi


@dataclass(slots=True)
class PlanSuivi:
    """A selected domaine in the follow-up: its state and dates (DomaineDossier.suivi)."""

    etat: str = "selectionne"
    cibles_le: date | None = None  # cibles_atteintes_le: the report that showed the targets
    finance_le: date | None = None
    clos_le: date | None = None
    motif: str = ""
    usage: bool = False  # usage notified (funding) before a closure


class Generateur:
    """Builds the plan in memory, then writes each table with one ``table_*`` function."""

    def __init__(self, tailles: Tailles, *, sortie=None):
        self.tailles = tailles
        self.rng = random.Random(tailles.graine)
        self.maintenant = self._maintenant()
        self.sortie = sortie or sys.stdout
        self.compte: dict[str, int] = {}
        self.vitrines: dict[str, str] = {}
        self._charger_referentiel()

    @staticmethod
    def _maintenant():
        from django.utils import timezone

        return timezone.now().replace(microsecond=0)

    def _log(self, message):
        print(message, file=self.sortie, flush=True)

    # --- référentiel and existing rows ------------------------------------------------------

    def _charger_referentiel(self):
        from django.contrib.auth.models import Permission

        from enveloppes.models import Enveloppe
        from enveloppes.parametres import parametres_de
        from hn.referentiel.models import Programme, Region

        self.programmes = {}
        for p in Programme.objects.filter(code__in=PART_PROGRAMMES):
            domaines = list(p.domaines.order_by("ordre", "pk"))
            indicateurs = list(
                p.indicateurs.select_related("prerequis", "domaine").order_by("ordre", "pk")
            )
            self.programmes[p.code] = {
                "id": p.pk,
                "regles": p.regles(),
                "parametres": parametres_de(p),
                "domaines": [(d.pk, d.code) for d in domaines],
                "prerequis": [(x.pk, x.code) for x in p.prerequis.order_by("ordre", "pk")],
                "engagements": sorted(p.engagements.values_list("code", flat=True)),
                "indicateurs": [
                    (
                        i.pk,
                        i.code,
                        i.type,
                        int(i.cible) if i.cible is not None else None,
                        i.prerequis.code if i.prerequis_id else None,
                        i.domaine.code if i.domaine_id else None,
                    )
                    for i in indicateurs
                ],
            }
        manquants = set(PART_PROGRAMMES) - set(self.programmes)
        if manquants:
            raise RuntimeError(
                f"Référentiel incomplet : programme(s) {', '.join(sorted(manquants))} absent(s) "
                "(lancez load_referentiel)."
            )
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.actuelles = {r.code: r for r in self.regions.values() if r.region_actuelle_id is None}
        # Former régions weighted by their HN envelope, as the demo.
        self.poids_anciennes = {
            e.region_id: int(e.montant_publie)
            for e in Enveloppe.objects.filter(programme__code="HN")
        }
        # (programme code, région id) -> (envelope id, amorçage cap to the cent)
        self.enveloppes = {
            (e.programme.code, e.region_id): (
                e.pk,
                (e.montant_publie * e.programme.part_amorcage).quantize(
                    Decimal("0.01"), rounding=ROUND_FLOOR
                ),
            )
            for e in Enveloppe.objects.select_related("programme")
        }
        self.permissions = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                content_type__app_label="referentiel",
                codename__in=("consulter_dossiers", "saisir_dossiers"),
            )
        }

    # --- plan -------------------------------------------------------------------------------

    def planifier(self):
        self._planifier_etablissements()
        self._planifier_ghts()
        self._planifier_activites()
        self._planifier_dossiers()
        self._planifier_suivi()

    def _planifier_ghts(self):
        """One GHT per département grouping its public établissements (about 100, as the 135
        real ones); the support is the largest."""
        from hn.referentiel.models import GHT

        groupes: dict[tuple, list[PlanEtab]] = {}
        for e in self.etabs:
            if e.statut == "public":
                dept, ville = self.etabs_dept[e.id]
                groupes.setdefault((e.region_id, dept, ville), []).append(e)
        prochain = _prochain_id(GHT)
        self.ghts = []
        for (region_id, _dept, ville), etabs in sorted(groupes.items()):
            if len(etabs) < 2:
                continue
            support = max(etabs, key=lambda e: (e.mco, -e.id))
            self.ghts.append((prochain, f"GHT {ville}", region_id, support.id))
            for e in etabs:
                e.ght_id = prochain
            prochain += 1

    def _planifier_etablissements(self):
        from hn.referentiel.demo import DEPARTEMENTS, MAYOTTE, NOMS_PRIVES
        from hn.referentiel.finess import completer_finess
        from hn.referentiel.models import Etablissement

        rng = self.rng
        existants = set(Etablissement.objects.values_list("finess", flat=True))
        par_code = {r.code: r for r in self.regions.values() if r.region_actuelle_id}
        anciennes = sorted(
            ((self.regions[pk], poids) for pk, poids in self.poids_anciennes.items()),
            key=lambda x: x[0].code,
        )
        # 0.3% for Mayotte (current région 06 only: HN's Océan Indien maps onto La Réunion).
        poids = {r.code: p for r, p in anciennes}
        poids["mayotte"] = sum(poids.values()) * 3 // 1000
        quotas = repartir(self.tailles.etablissements, poids)
        kinds = [(s, k) for s, k, w in PROFILS for _ in range(w)]
        self.etabs: list[PlanEtab] = []
        self.etabs_hist: dict[int, int | None] = {}
        self.etabs_dept: dict[int, tuple[str, str]] = {}
        sequences: Counter = Counter()
        numeros: Counter = Counter()
        prochain = _prochain_id(Etablissement)
        for code, quota in sorted(quotas.items()):
            if code == "mayotte":
                departements, ancienne, actuelle = MAYOTTE, None, self.actuelles["06"]
            else:
                ancienne = par_code[code]
                departements = DEPARTEMENTS[code]
                actuelle = self.regions[ancienne.region_actuelle_id]
            for i in range(quota):
                dept, ville = departements[i % len(departements)]
                statut, kind = kinds[rng.randrange(len(kinds))]
                while True:  # FINESS payloads clear of the demo's (sequences from 500000)
                    sequences[dept] += 1
                    longueur = 8 - len(dept)
                    seq = 10 ** (longueur - 1) * 5 + sequences[dept]
                    finess = completer_finess(f"{dept}{seq:0{longueur}d}")
                    if finess not in existants:
                        break
                numeros[(kind, ville)] += 1
                nom = NOMS[kind].format(ville=ville, prive=rng.choice(NOMS_PRIVES))
                if numeros[(kind, ville)] > 1:
                    nom = f"{nom} {numeros[(kind, ville)]}"
                etab = PlanEtab(
                    id=prochain,
                    finess=finess,
                    raison_sociale=nom[:200],
                    region_id=actuelle.pk,
                    region_code=actuelle.code,
                    statut=statut,
                    kind=kind,
                )
                lo, hi = TAILLE_MCO.get(kind, (0, 0))
                etab.mco = rng.randint(lo, hi) if ACTIVITES[kind][0] else 0
                self.etabs.append(etab)
                self.etabs_hist[etab.id] = ancienne.pk if ancienne else None
                self.etabs_dept[etab.id] = (dept, ville)
                prochain += 1

    def _planifier_activites(self):
        """Reference-year activity per établissement and programme (the forfaits engaged on
        the envelopes are computed from it)."""
        from hn.referentiel.models import Programme

        references = dict(Programme.objects.values_list("code", "annee_reference_activite"))
        rng = random.Random(self.tailles.graine + 2)
        self.volumes: dict[tuple[int, str], tuple[int, ...]] = {}
        for e in self.etabs:
            _, ssr, psy, had = ACTIVITES[e.kind]
            mco = e.mco
            base = (
                mco,
                rng.randint(0, mco // 8) if mco else 0,
                rng.randint(mco // 40, mco // 10) if mco else 0,
                rng.randint(0, mco // 12) if mco else 0,
                rng.randint(4_000, 45_000) if ssr else 0,
                rng.randint(20_000, 120_000) if psy else 0,
                rng.randint(5_000, 30_000) if had else 0,
            )
            for code in PART_PROGRAMMES:
                facteur = 1 if references[code] <= 2011 else rng.randint(92, 112) / 100
                self.volumes[(e.id, code)] = tuple(int(v * facteur) for v in base)

    def forfaits(self, d: PlanDossier) -> dict[str, int]:
        """Standard forfait of each domaine (``enveloppes.actions.forfaits_du_dossier``)."""
        from hn.referentiel import regles as regles_referentiel

        prog = self.programmes[d.programme]
        volumes = dict(zip(VOLUMES, self.volumes[(d.etab.id, d.programme)], strict=True))
        activite = regles_referentiel.activite_combinee(volumes, prog["regles"].coefficients)
        return {
            code: standard
            for code, (standard, _avance) in regles_referentiel.forfaits_par_domaine(
                prog["regles"], activite
            ).items()
        }

    def _planifier_dossiers(self):
        from dossiers.models import DemandeInitialisation, Dossier

        rng = self.rng
        parts = repartir(self.tailles.dossiers, PART_PROGRAMMES)
        self.dossiers: list[PlanDossier] = []
        self.demandes_en_attente: list[tuple] = []  # (programme, etab, demandee_le, annulee)
        prochain = _prochain_id(Dossier)
        for code in PART_PROGRAMMES:
            etats = repartir(parts[code], MIX_ETATS[code])
            ouverts = sum(n for e, n in etats.items() if e not in ETATS_REFUSES)
            if ouverts > len(self.etabs):
                raise ValueError(
                    f"{ouverts} dossiers {code} ouverts pour {len(self.etabs)} établissements : "
                    "un seul dossier ouvert par établissement et programme. Augmentez le nombre "
                    "d'établissements."
                )
            ordre = self.etabs[:]
            rng.shuffle(ordre)
            libres = iter(ordre)
            liste = [e for e, n in etats.items() for _ in range(n)]
            rng.shuffle(liste)
            for etat in liste:
                etab = ordre[rng.randrange(len(ordre))] if etat in ETATS_REFUSES else next(libres)
                d = PlanDossier(
                    id=prochain, programme=code, etab=etab, etat=etat, graine=rng.getrandbits(48)
                )
                prochain += 1
                self._planifier_dates(d)
                self._planifier_contenu(d)
                self.dossiers.append(d)
            # Pending requests: établissements without an open dossier in this programme.
            sans_dossier = list(libres)
            attente = repartir(self.tailles.demandes_en_attente, PART_DEMANDES)[code]
            for etab in sans_dossier[:attente]:
                demandee = self.maintenant - timedelta(seconds=rng.randrange(0, 90 * 86_400))
                self.demandes_en_attente.append((code, etab, demandee, None))
            for etab in sans_dossier[attente : attente + max(1, attente // 20)]:
                demandee = self.maintenant - timedelta(seconds=rng.randrange(60, 300) * 86_400)
                self.demandes_en_attente.append((code, etab, demandee, demandee + 20 * JOUR))
        self._choisir_vitrines()
        # Dossiers come from a request (70%); dossier numbers follow their creation date.
        prochain_demande = _prochain_id(DemandeInitialisation)
        for d in self.dossiers:
            if rng.random() < 0.7:
                d.demande_id = prochain_demande
                prochain_demande += 1
                d.demandee_le = d.cree_le - timedelta(seconds=rng.randrange(86_400, 40 * 86_400))
        self._numeroter()

    def _planifier_suivi(self):
        """Accepted and closed dossiers: reports every ``frequence`` months since the decision
        (up to ten; a few late), and each selected domaine's follow-up state consistent with
        them: targets met at a report, funding notified after it, partial closures; a closed
        dossier's domaines are all closed on its closure date."""
        from hn.dates import ajouter_mois

        aujourd_hui = _paris(self.maintenant)
        for d in self.dossiers:
            if d.etat not in ("accepte", "clos"):
                continue
            rng = random.Random(d.graine + 3)
            d.frequence = _choix(rng, FREQUENCES_SUIVI)
            fin = d.clos_le if d.etat == "clos" else aujourd_hui
            # At most ten reports: a longer follow-up gets a longer period (≤ 6 months), so
            # that no report is missed (the next one is due after ``fin``).
            while (
                d.frequence < 6
                and ajouter_mois(d.decide_le, d.frequence * (RAPPORTS_MAX + 1)) <= fin
            ):
                d.frequence += 1
            attendus = []
            for rang in range(1, RAPPORTS_MAX + 2):
                attendu = ajouter_mois(d.decide_le, d.frequence * rang)
                attendus.append(attendu)
                if attendu > fin:
                    break
            faits = [a for a in attendus if a <= fin][:RAPPORTS_MAX]
            if d.etat == "accepte" and faits and rng.random() < 0.03:
                faits.pop()  # the last report is late
            for rang, attendu in enumerate(faits, 1):
                arrete = attendu - timedelta(days=rng.randrange(0, 10))
                depose = datetime.combine(
                    min(arrete + timedelta(days=rng.randrange(0, 8)), aujourd_hui),
                    datetime.min.time(),
                    tzinfo=self.maintenant.tzinfo,
                ) + timedelta(hours=rng.randrange(7, 18), minutes=rng.randrange(60))
                d.rapports.append((rang, arrete, attendu, min(depose, self.maintenant)))
            if d.etat == "accepte":
                d.prochain_rapport_le = ajouter_mois(d.decide_le, d.frequence * (len(faits) + 1))
            selectionnes = sorted(c for c, dec in d.selection.items() if dec == "selectionne")
            for code in selectionnes:
                plan = PlanSuivi()
                arretes = [r[1] for r in d.rapports]
                tirage = rng.random()
                if arretes and tirage < 0.45:
                    plan.cibles_le = rng.choice(arretes)
                    plan.etat = "cibles_atteintes" if tirage < 0.10 else "finance"
                    if plan.etat == "finance":
                        plan.finance_le = min(
                            plan.cibles_le + timedelta(days=rng.randrange(5, 60)), fin
                        )
                        plan.usage = True
                if d.etat == "clos":
                    plan.etat, plan.clos_le, plan.motif = "clos", d.clos_le, d.motif_cloture
                elif (
                    arretes and len(selectionnes) > 1 and code == selectionnes[-1] and tirage > 0.9
                ):
                    # Partial closure of one domaine of an accepted dossier.
                    plan.etat, plan.usage, plan.finance_le = "clos", False, None
                    plan.cibles_le = None
                    plan.clos_le = min(rng.choice(arretes) + timedelta(days=15), fin)
                    plan.motif = rng.choice(MOTIFS_CLOTURE)
                d.suivi[code] = plan

    def _choisir_vitrines(self):
        """The dossiers the benchmark reads: a full accepted HOP'EN dossier and a deposited one
        in région 84 (the demo ARS), and a full HN dossier of the demo's ES A."""
        from hn.referentiel.models import Etablissement

        def premier(code, etat):
            return next(
                (
                    d
                    for d in self.dossiers
                    if d.programme == code and d.etat == etat and d.etab.region_code == "84"
                ),
                None,
            )

        plein = premier("HOPEN", "accepte")
        if plein is not None:
            self._remplir(plein)
            plein.commentaires = 3
            self.vitrines["pdf"] = plein
        depose = premier("HOPEN", "depose")
        if depose is not None:
            self._remplir(depose)
            self.vitrines["instruction"] = depose
        es_a = Etablissement.objects.filter(finess="690000013").select_related("region").first()
        gestionnaire = self._utilisateur("es_gestionnaire")
        if es_a is not None and gestionnaire is not None:
            etab = PlanEtab(
                id=es_a.pk,
                finess=es_a.finess,
                raison_sociale=es_a.raison_sociale,
                region_id=es_a.region_id,
                region_code=es_a.region.code,
                statut=es_a.statut,
                kind="ch",
                gestionnaire_id=gestionnaire,
            )
            d = PlanDossier(
                id=self.dossiers[-1].id + 1 if self.dossiers else 1,
                programme="HN",
                etab=etab,
                etat="accepte",
                graine=self.rng.getrandbits(48),
            )
            self._planifier_dates(d)
            self._planifier_contenu(d)
            self._remplir(d)
            self.dossiers.append(d)
            self.vitrines["es"] = d

    def _remplir(self, d: PlanDossier):
        """Every domaine requested and started; selected when the dossier is accepted."""
        rng = random.Random(d.graine)
        d.saisie = "complete"
        d.mutualise = True
        d.contacts = 4
        fin = 2017 if d.programme == "HN" else 2022
        for _pk, code in self.programmes[d.programme]["domaines"]:
            d.domaines[code] = (
                True,
                "deploiement",
                date(fin, 6, 30),
                Decimal(rng.randrange(40, 900) * 1000),
            )
            if d.etat in ("accepte", "clos"):
                d.selection[code] = "selectionne"

    def _planifier_dates(self, d: PlanDossier):
        from hn.dates import echeance_decision

        rng = self.rng
        t = self.maintenant

        def il_y_a(jours_min, jours_max):
            return t - timedelta(seconds=rng.randrange(jours_min * 86_400, jours_max * 86_400))

        etat = d.etat
        if etat == "en_saisie":
            d.cree_le = il_y_a(0, 200)
            return
        if etat in ETATS_REFUSES:
            dernier = il_y_a(900, 1400)
        elif etat in ("accepte", "clos"):
            dernier = il_y_a(150, 880)
        elif etat == "depose":
            dernier = il_y_a(1, 110)  # echeance (4 months) still ahead: nothing due
        else:  # reporte: the last dépôt was sent back
            dernier = il_y_a(20, 200)
        redepose = etat != "reporte" and rng.random() < 0.15
        if redepose:
            premier = dernier - timedelta(seconds=rng.randrange(30 * 86_400, 90 * 86_400))
            d.depots = [premier, dernier]
            d.reporte_le = [premier + timedelta(seconds=rng.randrange(86_400, 25 * 86_400))]
        else:
            d.depots = [dernier]
        d.cree_le = d.depots[0] - timedelta(seconds=rng.randrange(10 * 86_400, 120 * 86_400))
        jour_depot = _paris(dernier)
        d.echeance = echeance_decision(jour_depot)
        if etat == "reporte":
            rapporte = dernier + timedelta(seconds=rng.randrange(86_400, 18 * 86_400))
            d.reporte_le.append(min(rapporte, t))
            d.echeance = None
        elif etat == "refuse_implicite":
            d.decide_le = d.echeance
        elif etat in ("refuse", "accepte", "clos"):
            d.decide_le = jour_depot + timedelta(days=rng.randrange(15, 110))
            if etat == "refuse":
                d.motif_refus = _choix(rng, MOTIFS_REFUS)
            if etat == "clos":
                d.clos_le = min(d.decide_le + timedelta(days=rng.randrange(90, 600)), t.date())
                d.motif_cloture = rng.choice(MOTIFS_CLOTURE)

    def _planifier_contenu(self, d: PlanDossier):
        rng = self.rng
        prog = self.programmes[d.programme]
        if d.etat == "en_saisie":
            d.saisie = _choix(rng, [("vide", 20), ("engagements", 20), ("partielle", 60)])
            d.contacts = 0 if d.saisie != "partielle" else rng.choice([0, 2, 4, 4])
        d.mutualise = rng.random() < 0.3
        codes = [c for _, c in prog["domaines"]]
        if d.saisie in ("vide", "engagements"):
            return
        nb = min(len(codes), _choix(rng, [(1, 25), (2, 35), (3, 25), (4, 10), (5, 5)]))
        demandes = set(rng.sample(codes, nb))
        fin = 2017 if d.programme == "HN" else 2022
        for code in codes:
            if code in demandes:
                avancement = _choix(rng, [("deploiement", 60), ("etude", 32), ("non_demarre", 8)])
                d.domaines[code] = (
                    True,
                    avancement,
                    date(fin, rng.randint(1, 12), 28),
                    Decimal(rng.randrange(40, 900) * 1000),
                )
            else:
                d.domaines[code] = (False, "", None, None)
        prerequis = [c for _, c in prog["prerequis"]]
        if d.etat in ("accepte", "clos"):
            d.prerequis = dict.fromkeys(prerequis, "accepte")
            choisis = [c for c in codes if c in demandes and rng.random() < 0.8]
            if not choisis:
                choisis = [sorted(demandes)[0]]
            d.selection = {
                c: "selectionne" if c in choisis else "non_selectionne" for c in sorted(demandes)
            }
        elif (d.etat == "refuse" and d.motif_refus == "prerequis") or (
            d.etat == "reporte" and rng.random() < 0.5
        ):
            refuse = rng.choice(prerequis)
            d.prerequis = {c: "non_accepte" if c == refuse else "accepte" for c in prerequis}
        elif d.etat == "depose" and rng.random() < 0.3:
            d.prerequis = dict.fromkeys(prerequis[: rng.randint(1, len(prerequis))], "accepte")
        if d.etat != "en_saisie" and rng.random() < 0.25:
            d.commentaires = rng.randint(1, 2)

    def _numeroter(self):
        """``RR-AAAAMMJJ-NNN``: région, Paris creation date, rank in the région that day,
        after the dossiers already there."""
        from dossiers.models import Dossier

        rangs = Counter(
            n.rsplit("-", 1)[0] for n in Dossier.objects.values_list("numero", flat=True)
        )
        for d in sorted(self.dossiers, key=lambda d: (d.cree_le, d.id)):
            prefixe = f"{d.etab.region_code}-{_paris(d.cree_le):%Y%m%d}"
            rangs[prefixe] += 1
            if rangs[prefixe] > 999:
                raise ValueError(f"Plus de 999 dossiers le même jour : {prefixe}.")
            d.numero = f"{prefixe}-{rangs[prefixe]:03d}"

    # --- per-dossier content ----------------------------------------------------------------

    def valeurs(self, d: PlanDossier) -> list[tuple[int, str, str | None, bool]]:
        """(indicateur id, code, valeur, non applicable): every indicator once the ES has
        deposited; a part of them while it types. Deterministic per dossier."""
        if d.saisie in ("vide", "engagements"):
            return []
        rng = random.Random(d.graine)
        indicateurs = self.programmes[d.programme]["indicateurs"]
        if d.saisie == "partielle":
            indicateurs = indicateurs[: rng.randint(0, len(indicateurs))]
        result = []
        for pk, code, type_, cible, prerequis, _domaine in indicateurs:
            if prerequis is not None:  # mostly met at dépôt
                if type_ == "existence":
                    valeur = VALEURS[100] if rng.random() < 0.95 else VALEURS[0]
                elif rng.random() < 0.9:
                    valeur = VALEURS[rng.randint(cible or 0, 100)]
                else:
                    valeur = VALEURS[rng.randint(0, max((cible or 50) - 1, 0))]
                result.append((pk, code, valeur, False))
            elif rng.random() < 0.01:
                result.append((pk, code, None, True))
            elif type_ == "existence":
                result.append((pk, code, VALEURS[100] if rng.random() < 0.3 else VALEURS[0], False))
            else:
                result.append((pk, code, VALEURS[rng.randint(0, 95)], False))
        return result

    def contacts(self, d: PlanDossier) -> list[tuple[str, str, str, str, str]]:
        rng = random.Random(d.graine + 1)
        result = []
        for type_ in list(FONCTIONS)[: d.contacts]:
            prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS_FAMILLE)
            result.append(
                (
                    type_,
                    f"{prenom} {nom}",
                    FONCTIONS[type_],
                    f"{prenom}.{nom}.{d.etab.finess}@etab.localhost".lower(),
                    f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
            )
        return result

    def textes(self, d: PlanDossier) -> dict:
        if d.saisie in ("vide", "engagements"):
            return dict.fromkeys(TEXTES, "")
        textes = dict(TEXTES)
        if not d.mutualise:
            textes["partenaires"] = ""
        return textes

    def engagements(self, d: PlanDossier) -> list[str]:
        return [] if d.saisie == "vide" else self.programmes[d.programme]["engagements"]

    def contenu(self, d: PlanDossier) -> dict:
        """The content dict of ``dossiers.contenu.contenu`` for the generated rows."""
        from dossiers.enums import TypeContact

        contacts = {c[0]: c for c in self.contacts(d)}
        valeurs = {v[0]: v for v in self.valeurs(d)}
        textes = self.textes(d)
        return {
            "engagements": self.engagements(d),
            "commentaire_etablissement": textes["commentaire_etablissement"],
            "commentaire_contacts": textes["commentaire_contacts"],
            "contacts": [
                {
                    "type": t.value,
                    "nom": contacts[t.value][1] if t.value in contacts else "",
                    "fonction": contacts[t.value][2] if t.value in contacts else "",
                    "email": contacts[t.value][3] if t.value in contacts else "",
                    "telephone": contacts[t.value][4] if t.value in contacts else "",
                }
                for t in TypeContact
            ],
            "mutualise": d.mutualise,
            "partenaires": textes["partenaires"],
            "description_projet": textes["description_projet"],
            "motivation": textes["motivation"],
            "domaines": [
                {
                    "code": code,
                    "demande": dom[0],
                    "avancement": dom[1],
                    "date_cible": dom[2].isoformat() if dom[2] else None,
                    "cout": None if dom[3] is None else f"{dom[3]:.2f}",
                }
                for code, dom in (
                    (code, d.domaines.get(code, (False, "", None, None)))
                    for _, code in self.programmes[d.programme]["domaines"]
                )
            ],
            "indicateurs": [
                {
                    "code": code,
                    "valeur": valeurs[pk][2] if pk in valeurs else None,
                    "non_applicable": bool(pk in valeurs and valeurs[pk][3]),
                }
                for pk, code, *_ in self.programmes[d.programme]["indicateurs"]
            ],
            "pieces": [],
        }

    # --- generation -------------------------------------------------------------------------

    TABLES = (
        "etablissements",
        "activites",
        "ghts",
        "comptes_es",
        "demandes",
        "dossiers",
        "domaines",
        "contacts",
        "valeurs",
        "decisions_prerequis",
        "depots",
        "commentaires",
        "evenements",
        "mouvements",
        "rapports",
        "valeurs_suivi",
        "avancements_suivi",
    )

    def generer(self) -> dict:
        """Plan, then write every table (inside the caller's transaction)."""
        debut = time.perf_counter()
        self.planifier()
        self._log(f"  plan : {time.perf_counter() - debut:.1f} s")
        self.valideurs = self._valideurs()
        with cles_etrangeres_suspendues(self._modeles()) as revalider, versions_suspendues():
            self._ecrire_tables()
            t = time.perf_counter()
        self._log(
            f"  {'clés étrangères':<20} {revalider.n:>10} revalidées "
            f"{time.perf_counter() - t:6.1f} s"
        )
        self._reinitialiser_sequences()
        return self.compte

    def _ecrire_tables(self):
        for nom in self.TABLES:
            t = time.perf_counter()
            n = getattr(self, f"table_{nom}")()
            self.compte[nom] = n
            self._log(f"  {nom:<20} {n:>10,} lignes  {time.perf_counter() - t:6.1f} s")

    def _reinitialiser_sequences(self):
        _reinitialiser_sequences(self._modeles())

    @staticmethod
    def _modeles():
        """The tables the generator writes."""
        from django.contrib.auth.models import Group

        from dossiers import models as dm
        from enveloppes.models import MouvementEnveloppe
        from hn.comptes.models import Attribution, User
        from hn.journal.models import Evenement
        from hn.referentiel import models as rm
        from indicateurs import models as im

        return [
            rm.Etablissement,
            rm.ActiviteEtablissement,
            rm.GHT,
            rm.EtablissementGroupObjectPermission,
            User,
            User.groups.through,
            Group,
            Attribution,
            dm.DemandeInitialisation,
            dm.Dossier,
            dm.DomaineDossier,
            dm.Contact,
            dm.ValeurIndicateur,
            dm.DecisionPrerequisDossier,
            dm.Depot,
            dm.Commentaire,
            Evenement,
            MouvementEnveloppe,
            im.RapportSuivi,
            im.ValeurSuivi,
            im.AvancementSuivi,
        ]

    def _utilisateur(self, username) -> int | None:
        from hn.comptes.models import User

        return User.objects.filter(username=username).values_list("pk", flat=True).first()

    def _valideurs(self) -> dict[str, int]:
        """The CMSI of each région: the demo's for 84 and 11, a bench account elsewhere."""
        from hn.comptes import actions
        from hn.comptes.enums import Role
        from hn.comptes.models import Attribution, User

        existants = dict(
            Attribution.objects.filter(role=Role.ARS_VALIDEUR)
            .order_by("pk")
            .values_list("region__code", "user_id")
        )
        result = {}
        for code, region in sorted(self.actuelles.items()):
            if code in existants:
                result[code] = existants[code]
                continue
            user, created = User.objects.get_or_create(
                username=f"bench_valideur_{code}",
                defaults={"first_name": "CMSI", "last_name": region.nom[:150]},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            actions.attribuer_role(
                user=user,
                role=Role.ARS_VALIDEUR,
                region=region,
                acting_user=None,
                systeme=True,
            )
            result[code] = user.pk
        return result

    # --- one function per table -------------------------------------------------------------

    def table_etablissements(self) -> int:
        from hn.referentiel.models import Etablissement

        def lignes():
            for e in self.etabs:
                mco, ssr, psy, had = ACTIVITES[e.kind]
                yield (
                    e.id,
                    e.finess,
                    e.raison_sociale,
                    e.region_id,
                    self.etabs_hist[e.id],
                    e.statut,
                    mco,
                    ssr,
                    psy,
                    had,
                    e.ght_id,
                )

        return copier(
            Etablissement,
            "id finess raison_sociale region region_historique statut mco ssr psy had ght",
            lignes(),
        )

    def table_activites(self) -> int:
        from hn.referentiel.models import ActiviteEtablissement

        prochain = _prochain_id(ActiviteEtablissement)

        def lignes():
            nonlocal prochain
            for e in self.etabs:
                for code in PART_PROGRAMMES:
                    yield (prochain, e.id, self.programmes[code]["id"], *self.volumes[(e.id, code)])
                    prochain += 1

        return copier(
            ActiviteEtablissement, "id etablissement programme " + " ".join(VOLUMES), lignes()
        )

    def table_ghts(self) -> int:
        """Written after the établissements that point to them: foreign keys are checked at
        commit (deferred), so the circular GHT <-> support reference needs no update."""
        from hn.referentiel.models import GHT

        return copier(GHT, ["id", "nom", "region", "support"], self.ghts)

    def table_comptes_es(self) -> int:
        """One gestionnaire per établissement (``gest_<FINESS>``, no usable password) with its
        attribution and guardian group, as ``hn.comptes.actions.attribuer_role`` makes them."""
        from django.contrib.auth.models import Group

        from hn.comptes.models import Attribution, User
        from hn.referentiel.models import EtablissementGroupObjectPermission

        user_id = _prochain_id(User)
        group_id = _prochain_id(Group)
        membre_id = _prochain_id(User.groups.through)
        for i, e in enumerate(self.etabs):
            e.gestionnaire_id = user_id + i
        t = self.maintenant
        n = copier(
            User,
            (
                "id password is_superuser username first_name last_name email is_staff "
                "is_active date_joined"
            ),
            (
                (
                    e.gestionnaire_id,
                    "!banc-d-essai",
                    False,
                    f"gest_{e.finess}",
                    "Gestionnaire",
                    e.raison_sociale[:150],
                    f"gest_{e.finess}@etab.localhost",
                    False,
                    True,
                    t,
                )
                for e in self.etabs
            ),
        )
        copier(
            Group,
            ["id", "name"],
            (
                (group_id + i, f"etablissement:{e.finess}:es_gestionnaire")
                for i, e in enumerate(self.etabs)
            ),
        )
        copier(
            User.groups.through,
            ["id", "user", "group"],
            ((membre_id + i, e.gestionnaire_id, group_id + i) for i, e in enumerate(self.etabs)),
        )
        perm_id = _prochain_id(EtablissementGroupObjectPermission)
        codenames = ("consulter_dossiers", "saisir_dossiers")
        copier(
            EtablissementGroupObjectPermission,
            ["id", "permission", "group", "content_object"],
            (
                (perm_id + 2 * i + j, self.permissions[c], group_id + i, e.id)
                for i, e in enumerate(self.etabs)
                for j, c in enumerate(codenames)
            ),
        )
        attribution_id = _prochain_id(Attribution)
        copier(
            Attribution,
            ["id", "user", "perimetre", "role", "etablissement", "region", "cree_le"],
            (
                (
                    attribution_id + i,
                    e.gestionnaire_id,
                    "etablissement",
                    "es_gestionnaire",
                    e.id,
                    None,
                    t,
                )
                for i, e in enumerate(self.etabs)
            ),
        )
        return n

    def table_demandes(self) -> int:
        from dossiers.models import DemandeInitialisation
        from hn.dates import echeance_initialisation

        self.demandes_attente_ids = []
        prochain = max(
            [_prochain_id(DemandeInitialisation)]
            + [d.demande_id + 1 for d in self.dossiers if d.demande_id]
        )

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                if d.demande_id:
                    yield (
                        d.demande_id,
                        self.programmes[d.programme]["id"],
                        d.etab.id,
                        d.etab.gestionnaire_id,
                        d.demandee_le,
                        echeance_initialisation(_paris(d.demandee_le)),
                        d.cree_le,
                        None,
                    )
            for code, etab, demandee, annulee in self.demandes_en_attente:
                self.demandes_attente_ids.append((prochain, code, etab, demandee, annulee))
                yield (
                    prochain,
                    self.programmes[code]["id"],
                    etab.id,
                    etab.gestionnaire_id,
                    demandee,
                    echeance_initialisation(_paris(demandee)),
                    None,
                    annulee,
                )
                prochain += 1

        return copier(
            DemandeInitialisation,
            "id programme etablissement demandeur demandee_le echeance initialisee_le annulee_le",
            lignes(),
        )

    def table_dossiers(self) -> int:
        from dossiers.models import Dossier

        def lignes():
            for d in self.dossiers:
                textes = self.textes(d)
                decision = ""
                if d.etat == "reporte":
                    decision = "Merci de compléter les justificatifs des prérequis."
                elif d.etat == "refuse":
                    decision = "Refus motivé : voir le motif."
                elif d.etat == "clos":
                    decision = "Clôture décidée après la revue de projet."
                yield (
                    d.id,
                    d.numero,
                    self.programmes[d.programme]["id"],
                    d.etab.id,
                    d.etab.region_id,  # the établissement's current région
                    d.demande_id,
                    d.etab.raison_sociale[:200],
                    "Système d'information",
                    d.etat,
                    d.cree_le,
                    self.valideurs[d.etab.region_code],
                    d.depots[-1] if d.depots else None,
                    d.echeance,
                    d.decide_le,
                    d.motif_refus,
                    d.clos_le,
                    d.motif_cloture,
                    _json(self.engagements(d)),
                    textes["commentaire_etablissement"],
                    textes["commentaire_contacts"],
                    d.mutualise and d.saisie not in ("vide", "engagements"),
                    textes["partenaires"],
                    textes["description_projet"],
                    textes["motivation"],
                    "",
                    "",
                    "Prérequis à compléter." if "non_accepte" in d.prerequis.values() else "",
                    decision,
                    d.frequence,
                    d.prochain_rapport_le,
                )

        return copier(
            Dossier,
            (
                "id numero programme etablissement region demande nom type etat cree_le "
                "cree_par depose_le echeance_decision decide_le motif_refus clos_le "
                "motif_cloture engagements commentaire_etablissement "
                "commentaire_contacts mutualise partenaires description_projet "
                "motivation commentaire_ars_etablissement commentaire_ars_contacts "
                "commentaire_ars_prerequis commentaire_ars_decision frequence_suivi "
                "prochain_rapport_le"
            ),
            lignes(),
        )

    def table_domaines(self) -> int:
        from dossiers.models import DomaineDossier

        prochain = _prochain_id(DomaineDossier)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for pk, code in self.programmes[d.programme]["domaines"]:
                    demande, avancement, date_cible, cout = d.domaines.get(
                        code, (False, "", None, None)
                    )
                    decision = d.selection.get(code, "")
                    plan = d.suivi.get(code)
                    if plan is not None:
                        self.domaines_ids[(d.id, code)] = prochain
                    yield (
                        prochain,
                        d.id,
                        pk,
                        demande,
                        avancement,
                        date_cible,
                        cout,
                        decision,
                        "Hors de la priorité régionale." if decision == "non_selectionne" else "",
                        plan.etat if plan else "",
                        plan.cibles_le if plan else None,
                        plan.finance_le if plan else None,
                        plan.clos_le if plan else None,
                        plan.motif if plan else "",
                        "Clôture décidée par l'ARS." if plan and plan.clos_le else "",
                    )
                    prochain += 1

        self.domaines_ids: dict[tuple[int, str], int] = {}
        return copier(
            DomaineDossier,
            "id dossier domaine demande avancement date_cible cout decision commentaire_ars "
            "suivi cibles_atteintes_le finance_le clos_le motif_cloture commentaire_cloture",
            lignes(),
        )

    def table_contacts(self) -> int:
        from dossiers.models import Contact

        prochain = _prochain_id(Contact)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for contact in self.contacts(d):
                    yield (prochain, d.id, *contact)
                    prochain += 1

        return copier(
            Contact, ["id", "dossier", "type", "nom", "fonction", "email", "telephone"], lignes()
        )

    def table_valeurs(self) -> int:
        from dossiers.models import ValeurIndicateur

        prochain = _prochain_id(ValeurIndicateur)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for pk, _code, valeur, na in self.valeurs(d):
                    yield (prochain, d.id, pk, valeur, na)
                    prochain += 1

        return copier(
            ValeurIndicateur, ["id", "dossier", "indicateur", "valeur", "non_applicable"], lignes()
        )

    def table_decisions_prerequis(self) -> int:
        from dossiers.models import DecisionPrerequisDossier

        prochain = _prochain_id(DecisionPrerequisDossier)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                ids = {c: pk for pk, c in self.programmes[d.programme]["prerequis"]}
                for code, decision in d.prerequis.items():
                    yield (prochain, d.id, ids[code], decision)
                    prochain += 1

        return copier(
            DecisionPrerequisDossier, ["id", "dossier", "prerequis", "decision"], lignes()
        )

    def table_depots(self) -> int:
        from dossiers.contenu import empreinte
        from dossiers.models import Depot

        prochain = _prochain_id(Depot)
        self.empreintes: dict[int, str] = {}

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                if not d.depots:
                    continue
                data = self.contenu(d)
                texte = _json(data)
                sha = empreinte(data)
                self.empreintes[d.id] = sha
                for rang, moment in enumerate(d.depots, start=1):
                    yield (prochain, d.id, rang, moment, d.etab.gestionnaire_id, texte, sha)
                    prochain += 1

        return copier(
            Depot,
            ["id", "dossier", "rang", "depose_le", "depose_par", "contenu", "empreinte"],
            lignes(),
        )

    def table_commentaires(self) -> int:
        from dossiers.models import Commentaire

        prochain = _prochain_id(Commentaire)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for i in range(d.commentaires):
                    moment = d.depots[0] + timedelta(days=2 + 3 * i)
                    yield (
                        prochain,
                        d.id,
                        self.valideurs[d.etab.region_code],
                        COMMENTAIRES_ARS[(d.id + i) % len(COMMENTAIRES_ARS)],
                        min(moment, self.maintenant),
                    )
                    prochain += 1

        return copier(Commentaire, ["id", "dossier", "auteur", "texte", "cree_le"], lignes())

    def table_evenements(self) -> int:
        """The journal rows the same actions would have traced (``dossiers.actions``)."""
        from hn.journal.models import Evenement

        usernames = self._usernames()

        def ev(moment, action, acteur, objet, etab, avant=None, apres=None, com="", reserve=False):
            type_, id_, libelle = objet
            return (
                moment,
                acteur,
                usernames.get(acteur, "systeme") if acteur else "systeme",
                action,
                type_,
                str(id_),
                libelle[:255],
                etab.id,
                etab.region_id,
                reserve,
                None if avant is None else _json(avant),
                None if apres is None else _json(apres),
                com,
            )

        def lignes():
            for d in self.dossiers:
                yield from self._evenements_dossier(d, ev)
            for id_, code, etab, demandee, annulee in self.demandes_attente_ids:
                objet = ("dossiers.demandeinitialisation", id_, f"Demande {code} — {etab}")
                yield ev(
                    demandee,
                    "dossier_demande",
                    etab.gestionnaire_id,
                    objet,
                    etab,
                    apres={"programme": code},
                )
                if annulee:
                    yield ev(annulee, "dossier_demande_annulee", etab.gestionnaire_id, objet, etab)

        return copier(
            Evenement,
            (
                "horodatage acteur acteur_nom action objet_type objet_id objet_libelle "
                "etablissement region reserve_etablissement avant apres commentaire"
            ),
            lignes(),
        )

    # --- money and follow-up ----------------------------------------------------------------

    def mouvements(self, d: PlanDossier, reste_amorcage: dict) -> list:
        """The ledger lines of a retained dossier (``enveloppes.regles.Mouvement``, domaine =
        DomaineDossier id), as ``enveloppes.actions`` writes them: the forfait engaged per
        selected domaine at the decision, the amorçage decided (within the région's 20 %,
        ``reste_amorcage`` per envelope) and paid, the usage notified at the funding and
        paid, the closure lines of ``regles.cloture`` and some repayments received (HOP'EN:
        taken back from the envelope)."""
        from enveloppes import regles
        from enveloppes.enums import Nature

        cle = self._enveloppe_de(d)
        if cle is None:
            return []
        rng = random.Random(d.graine + 4)
        aujourd_hui = _paris(self.maintenant)
        forfaits = self.forfaits(d)
        parametres = self.programmes[d.programme]["parametres"]
        result = []
        for code, plan in sorted(d.suivi.items()):
            dd = self.domaines_ids[(d.id, code)]
            commun = {"domaine": dd, "dossier": d.id, "etablissement": d.etab.id}
            lignes = []

            def ligne(nature, montant, le, lignes=lignes, commun=commun):
                montant = Decimal(montant).quantize(regles.CENTIME)
                if montant > 0:
                    lignes.append(regles.Mouvement(nature, montant, min(le, aujourd_hui), **commun))

            forfait = Decimal(forfaits[code])
            ligne(Nature.ENGAGEMENT, forfait, d.decide_le)
            amorcage = regles.ZERO
            if rng.random() < 0.6:
                voulu = (forfait * Decimal(rng.randrange(20, 50)) / 100).quantize(Decimal(1))
                if 0 < voulu <= reste_amorcage[cle]:
                    amorcage = voulu
                    reste_amorcage[cle] -= voulu
                    ligne(Nature.AMORCAGE_DECIDE, amorcage, d.decide_le)
                    verse_le = d.decide_le + timedelta(days=rng.randrange(20, 60))
                    if verse_le <= aujourd_hui and rng.random() < 0.85:
                        ligne(Nature.AMORCAGE_VERSE, amorcage, verse_le)
            if plan.usage and plan.finance_le:
                ligne(Nature.USAGE_NOTIFIE, forfait - amorcage, plan.finance_le)
                verse_le = plan.finance_le + timedelta(days=rng.randrange(10, 45))
                if verse_le <= aujourd_hui and rng.random() < 0.7:
                    ligne(Nature.USAGE_VERSE, forfait - amorcage, verse_le)
            if plan.clos_le:
                lignes += regles.cloture(
                    regles.releve(lignes),
                    cle=dd,
                    date=plan.clos_le,
                    usage_remboursable=False,
                    dossier=d.id,
                    etablissement=d.etab.id,
                )
                du = regles.releve(lignes).du_amorcage
                recu_le = plan.clos_le + timedelta(days=rng.randrange(15, 90))
                if du > 0 and recu_le <= aujourd_hui and rng.random() < 0.5:
                    ligne(Nature.REMBOURSEMENT_AMORCAGE_RECU, du, recu_le)
                    if parametres.reprise_des_remboursements:
                        ligne(Nature.REPRISE, du, recu_le)
            result += lignes
        return result

    def _enveloppe_de(self, d: PlanDossier):
        """``enveloppes.models.enveloppe_de``: HN on the former région, HOP'EN the current."""
        region = self.etabs_hist.get(d.etab.id) if d.programme == "HN" else d.etab.region_id
        cle = (d.programme, region)
        return cle if cle in self.enveloppes else None

    def table_mouvements(self) -> int:
        from enveloppes.enums import Nature
        from enveloppes.models import MouvementEnveloppe

        prochain = _prochain_id(MouvementEnveloppe)
        reste_amorcage = {cle: plafond for cle, (_pk, plafond) in self.enveloppes.items()}
        systeme = {Nature.LIBERATION, Nature.AMORCAGE_ANNULE, Nature.USAGE_ANNULE}
        retenus = sorted((d for d in self.dossiers if d.suivi), key=lambda d: (d.decide_le, d.id))

        def lignes():
            nonlocal prochain
            for d in retenus:
                enveloppe = self.enveloppes[cle][0] if (cle := self._enveloppe_de(d)) else None
                valideur = self.valideurs[d.etab.region_code]
                for m in self.mouvements(d, reste_amorcage):
                    cloture = m.nature in systeme or m.nature.startswith(
                        "remboursement_amorcage_du"
                    )
                    yield (
                        prochain,
                        enveloppe,
                        m.dossier,
                        m.domaine,
                        m.nature,
                        m.montant,
                        m.derogation,
                        m.date,
                        valideur,
                        f"Clôture : {d.motif_cloture or 'domaine clos'}." if cloture else "",
                        datetime.combine(m.date, datetime.min.time(), tzinfo=self.maintenant.tzinfo)
                        + timedelta(hours=10),
                    )
                    prochain += 1

        return copier(
            MouvementEnveloppe,
            "id enveloppe dossier domaine nature montant derogation date acteur motif cree_le",
            lignes(),
        )

    def _suivis_au(self, d: PlanDossier, arrete: date) -> list[tuple[str, PlanSuivi]]:
        """The domaines in follow-up at a report (not closed before it)."""
        return [
            (code, plan)
            for code, plan in sorted(d.suivi.items())
            if plan.clos_le is None or arrete < plan.clos_le
        ]

    def valeurs_suivi(self, d: PlanDossier, rang: int, arrete: date) -> list[tuple]:
        """(indicateur id, valeur, non applicable) of a report: every prérequis indicator
        (met, as at the acceptance) and the indicators of the domaines still open, as
        ``dossiers.suivi.deposer_rapport`` asks them (``SUIVI_OUVERT``: selected, or targets
        met and funding not notified yet), at target from the report that showed them met."""
        rng = random.Random(d.graine * 31 + rang)
        attente = {
            code: plan.cibles_le is not None and plan.cibles_le <= arrete
            for code, plan in self._suivis_au(d, arrete)
            if plan.finance_le is None or arrete < plan.finance_le
        }
        result = []
        for pk, _code, type_, cible, prerequis, domaine in self.programmes[d.programme][
            "indicateurs"
        ]:
            if prerequis is not None:
                atteint = True
            elif domaine in attente:
                atteint = attente[domaine]
            else:
                continue
            if type_ == "existence":
                valeur = VALEURS[100 if atteint else 0]
            elif cible is None:
                valeur = VALEURS[rng.randint(0, 100)]
            elif atteint:
                valeur = VALEURS[rng.randint(cible, 100)]
            else:
                valeur = VALEURS[rng.randint(0, max(cible - 1, 0))]
            result.append((pk, valeur, False))
        return result

    def table_rapports(self) -> int:
        from indicateurs.models import RapportSuivi

        prochain = _prochain_id(RapportSuivi)
        self.rapports_ids: dict[tuple[int, int], int] = {}

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                rng = random.Random(d.graine + 5)
                auteur = d.etab.gestionnaire_id or self.valideurs[d.etab.region_code]
                budget = Decimal(0)
                for rang, arrete, attendu, depose in d.rapports:
                    self.rapports_ids[(d.id, rang)] = prochain
                    budget += Decimal(rng.randrange(5, 120) * 1000)
                    yield (
                        prochain,
                        d.id,
                        rang,
                        arrete,
                        attendu,
                        depose,
                        auteur,
                        budget,
                        Decimal(rng.randrange(5, 60)) / 10,
                        "Déploiement conforme au planning." if rng.random() < 0.3 else "",
                    )
                    prochain += 1

        return copier(
            RapportSuivi,
            "id dossier rang arrete_le attendu_le depose_le depose_par budget_engage "
            "etp_engages commentaire",
            lignes(),
        )

    def table_valeurs_suivi(self) -> int:
        from indicateurs.models import ValeurSuivi

        prochain = _prochain_id(ValeurSuivi)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for rang, arrete, _attendu, _depose in d.rapports:
                    rapport = self.rapports_ids[(d.id, rang)]
                    for pk, valeur, na in self.valeurs_suivi(d, rang, arrete):
                        yield (prochain, rapport, pk, valeur, na)
                        prochain += 1

        return copier(ValeurSuivi, "id rapport indicateur valeur non_applicable", lignes())

    def table_avancements_suivi(self) -> int:
        from indicateurs.models import AvancementSuivi

        prochain = _prochain_id(AvancementSuivi)

        def lignes():
            nonlocal prochain
            for d in self.dossiers:
                for rang, arrete, _attendu, _depose in d.rapports:
                    rapport = self.rapports_ids[(d.id, rang)]
                    for code, plan in self._suivis_au(d, arrete):
                        avancement = (
                            "deploiement" if rang > 1 or plan.cibles_le else d.domaines[code][1]
                        )
                        yield (
                            prochain,
                            rapport,
                            self.domaines_ids[(d.id, code)],
                            avancement or "deploiement",
                            False,
                            "",
                        )
                        prochain += 1

        return copier(
            AvancementSuivi,
            "id rapport domaine_dossier avancement condition_avance commentaire",
            lignes(),
        )

    def _usernames(self) -> dict[int, str]:
        from hn.comptes.models import User

        noms = {e.gestionnaire_id: f"gest_{e.finess}" for e in self.etabs}
        ids = set(self.valideurs.values()) | {
            d.etab.gestionnaire_id for d in self.vitrines.values()
        }
        noms.update(User.objects.filter(pk__in=ids).values_list("pk", "username"))
        return noms

    def _evenements_dossier(self, d: PlanDossier, ev):
        etab = d.etab
        valideur = self.valideurs[etab.region_code]
        gestionnaire = etab.gestionnaire_id
        objet = ("dossiers.dossier", d.id, f"{d.numero} — {etab.raison_sociale[:200]}")
        code = d.programme
        if d.demande_id:
            yield ev(
                d.demandee_le,
                "dossier_demande",
                gestionnaire,
                ("dossiers.demandeinitialisation", d.demande_id, f"Demande {code} — {etab}"),
                etab,
                apres={"programme": code},
            )
        yield ev(
            d.cree_le,
            "dossier_initialise",
            valideur,
            objet,
            etab,
            apres={"numero": d.numero, "etat": "en_saisie", "nom": etab.raison_sociale[:200]},
        )
        if d.saisie != "vide":
            yield ev(
                d.cree_le + timedelta(hours=2),
                "dossier_saisi",
                gestionnaire,
                objet,
                etab,
                avant={"engagements": []},
                apres={"engagements": self.engagements(d)},
                reserve=True,
            )
        etat = "en_saisie"
        for rang, moment in enumerate(d.depots, start=1):
            yield ev(
                moment,
                "dossier_depose",
                gestionnaire,
                objet,
                etab,
                avant={"etat": etat},
                apres={
                    "etat": "depose",
                    "depot": rang,
                    "empreinte": self.empreintes.get(d.id, ""),
                },
            )
            if rang <= len(d.reporte_le):
                yield ev(
                    d.reporte_le[rang - 1],
                    "dossier_reporte",
                    valideur,
                    objet,
                    etab,
                    avant={"etat": "depose"},
                    apres={"etat": "reporte"},
                    com="Merci de compléter les justificatifs des prérequis.",
                )
                etat = "reporte"
        if not d.decide_le:
            return
        moment = datetime.combine(d.decide_le, datetime.min.time(), tzinfo=self.maintenant.tzinfo)
        moment += timedelta(hours=10)
        if d.prerequis:
            yield ev(moment, "prerequis_valides", valideur, objet, etab, apres=d.prerequis)
        if d.selection:
            yield ev(moment, "domaines_valides", valideur, objet, etab, apres=d.selection)
        if d.etat in ("accepte", "clos"):
            choisis = [c for c, v in d.selection.items() if v == "selectionne"]
            yield ev(
                moment,
                "dossier_accepte",
                valideur,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "accepte", "domaines": choisis},
            )
        if d.etat == "clos":
            fin = datetime.combine(d.clos_le, datetime.min.time(), tzinfo=self.maintenant.tzinfo)
            yield ev(
                fin + timedelta(hours=10),
                "dossier_clos",
                valideur,
                objet,
                etab,
                avant={"etat": "accepte"},
                apres={"etat": "clos", "motif": d.motif_cloture},
                com="Clôture décidée après la revue de projet.",
            )
        elif d.etat == "refuse":
            yield ev(
                moment,
                "dossier_refuse",
                valideur,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "refuse", "motif": d.motif_refus},
                com="Refus motivé : voir le motif.",
            )
        elif d.etat == "refuse_implicite":
            yield ev(
                moment + JOUR,
                "dossier_refuse_implicitement",
                None,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "refuse_implicite", "refuse_le": d.decide_le},
            )


# --- data-set record, sizes, due dossiers ------------------------------------------------------


def _creer_table_marqueur():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE_MARQUEUR} (cle VARCHAR(50) PRIMARY KEY, "
            "valeur TEXT NOT NULL)"
        )


def lire_marqueur() -> dict | None:
    from django.db import connection

    if TABLE_MARQUEUR not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT valeur FROM {TABLE_MARQUEUR} WHERE cle = 'jeu'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _ecrire_marqueur(data: dict):
    from django.db import connection

    _creer_table_marqueur()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE_MARQUEUR} WHERE cle = 'jeu'")
        cursor.execute(
            f"INSERT INTO {TABLE_MARQUEUR} (cle, valeur) VALUES ('jeu', %s)", [json.dumps(data)]
        )


def tailles_du_jeu() -> dict[str, int]:
    """Rows per table of the data set (exact counts)."""
    from django.contrib.auth.models import Group

    from dossiers import models as dm
    from enveloppes.models import Enveloppe, MouvementEnveloppe
    from hn.comptes.models import Attribution, User
    from hn.journal.models import Evenement
    from hn.referentiel import models as rm
    from indicateurs import models as im

    models = [
        rm.Region,
        rm.Etablissement,
        rm.ActiviteEtablissement,
        rm.GHT,
        Enveloppe,
        User,
        Group,
        Attribution,
        rm.EtablissementGroupObjectPermission,
        dm.DemandeInitialisation,
        dm.Dossier,
        dm.DomaineDossier,
        dm.Contact,
        dm.ValeurIndicateur,
        dm.DecisionPrerequisDossier,
        dm.Depot,
        dm.Commentaire,
        Evenement,
        MouvementEnveloppe,
        im.RapportSuivi,
        im.ValeurSuivi,
        im.AvancementSuivi,
    ]
    tailles = {m._meta.db_table: m.objects.count() for m in models}
    # The "~6 million indicator values": instruction plus semester reports.
    tailles["valeurs d'indicateurs (instruction + rapports)"] = (
        tailles[dm.ValeurIndicateur._meta.db_table] + tailles[im.ValeurSuivi._meta.db_table]
    )
    return tailles


def generer_jeu(tailles: Tailles | None = None, *, sortie=None) -> dict:
    """Generate the data set on top of the référentiel (and the demo, when loaded) in one
    transaction; record it. Returns the record (sizes, duration, showcase dossiers)."""
    from django.db import transaction

    tailles = tailles or Tailles()
    debut = time.perf_counter()
    with transaction.atomic():
        gen = Generateur(tailles, sortie=sortie)
        gen.generer()
        t = time.perf_counter()
    # Outside a caller's transaction, the foreign keys (deferred) are checked at this commit.
    gen._log(f"  {'commit':<20} {'':>10}         {time.perf_counter() - t:6.1f} s")
    record = {
        "tailles": asdict(tailles),
        "genere_le": gen.maintenant.isoformat(),
        "duree_s": round(time.perf_counter() - debut, 1),
        "lignes": gen.compte,
        "vitrines": {k: d.numero for k, d in gen.vitrines.items()},
    }
    _ecrire_marqueur(record)
    return record


def marquer_dus(part: float, *, graine: int = 1) -> list[tuple]:
    """Move the decision deadline of ``part`` of the deposited dossiers into the past (1 to 30
    days ago), so that the implicit refusal is due. Returns what :func:`restaurer_dus` needs."""
    from django.db import connection, transaction

    from dossiers.models import Dossier
    from hn.dates import PARIS, ajouter_mois, aujourd_hui, echeance_decision

    ids = list(Dossier.objects.filter(etat="depose").order_by("pk").values_list("pk", flat=True))
    rng = random.Random(graine)
    choisis = sorted(rng.sample(ids, round(len(ids) * part))) if ids else []
    originaux = list(
        Dossier.objects.filter(pk__in=choisis).values_list("pk", "depose_le", "echeance_decision")
    )
    debut = ajouter_mois(aujourd_hui(), -4)
    nouvelles = []
    for pk, _, _ in originaux:
        jour = debut - timedelta(days=rng.randint(2, 31))
        moment = datetime.combine(jour, datetime.min.time(), tzinfo=PARIS) + timedelta(hours=10)
        nouvelles.append((pk, moment, echeance_decision(jour)))
    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, nouvelles)
    return originaux


def restaurer_dus(originaux: list[tuple]) -> int:
    """Put back the deposited state and dates of the dossiers :func:`marquer_dus` changed (the
    sweep may have refused them implicitly meanwhile; its journal rows stay: append-only)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, originaux, reouvrir=True)
    return len(originaux)


def _mettre_a_jour_dates(cursor, lignes, *, reouvrir=False):
    from django.db import connection

    table = connection.ops.quote_name("dossiers_dossier")
    extra = ", etat = 'depose', decide_le = NULL" if reouvrir else ""
    for pk, depose_le, echeance in lignes:
        cursor.execute(
            f"UPDATE {table} SET depose_le = %s, echeance_decision = %s{extra} WHERE id = %s",
            [depose_le, echeance, pk],
        )


def rafraichir_echeances() -> int:
    """A data set reused days later: deposited dossiers whose deadline has passed meanwhile are
    re-dated (dépôt 1 to 110 days ago) so that "nothing due" stays true. Returns the count."""
    from django.db import connection, transaction

    from dossiers.models import Dossier
    from hn.dates import aujourd_hui, date_paris, echeance_decision

    echus = list(
        Dossier.objects.filter(etat="depose", echeance_decision__lt=aujourd_hui()).values_list(
            "pk", flat=True
        )
    )
    rng = random.Random(len(echus))
    lignes = []
    maintenant = Generateur._maintenant()
    for pk in echus:
        depose = maintenant - timedelta(seconds=rng.randrange(86_400, 110 * 86_400))
        lignes.append((pk, depose, echeance_decision(date_paris(depose))))
    with transaction.atomic(), connection.cursor() as cursor:
        _mettre_a_jour_dates(cursor, lignes)
    return len(lignes)


# --- command line ----------------------------------------------------------------------------


def preparer_base(sortie=None):
    """Migrate, load the référentiel and the demo (accounts of API.md)."""
    from django.core.management import call_command

    from hn.demo import charger_demo

    sortie = sortie or sys.stdout
    call_command("migrate", verbosity=0, interactive=False)
    debut = time.perf_counter()
    resultat = charger_demo()
    print(
        f"Démonstration chargée ({resultat['etablissements']} établissements, "
        f"{resultat['dossiers']} dossiers) : {time.perf_counter() - debut:.1f} s",
        file=sortie,
    )


def _supprimer_schema():
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("--force n'est possible que sur PostgreSQL.")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def _analyser():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def afficher_tailles(tailles: dict, sortie=None):
    sortie = sortie or sys.stdout
    print("Taille du jeu de données (lignes par table) :", file=sortie)
    for table, n in tailles.items():
        print(f"  {table:<48} {n:>12,}".replace(",", " "), file=sortie)


def creer_base_si_absente():
    """``make bench`` on a fresh machine: create the bench database when the server has none
    of that name (PostgreSQL, through the maintenance database ``postgres``)."""
    import psycopg
    from django.db import connection

    reglages = connection.settings_dict
    if connection.vendor != "postgresql":
        return
    params = {
        "host": reglages["HOST"] or None,
        "port": reglages["PORT"] or None,
        "user": reglages["USER"] or None,
        "password": reglages["PASSWORD"] or None,
    }
    try:
        psycopg.connect(dbname=reglages["NAME"], **params).close()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as maintenance:
            maintenance.execute(f'CREATE DATABASE "{reglages["NAME"]}"')
        print(f"Base {reglages['NAME']} créée.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generer", description="Jeu de données 10x du banc d'essai."
    )
    defaut = Tailles()
    parser.add_argument("--etablissements", type=int, default=defaut.etablissements)
    parser.add_argument("--dossiers", type=int, default=defaut.dossiers)
    parser.add_argument("--demandes", type=int, default=defaut.demandes_en_attente)
    parser.add_argument("--graine", type=int, default=defaut.graine)
    parser.add_argument("--force", action="store_true", help="supprime tout et régénère")
    parser.add_argument(
        "--dus",
        type=float,
        default=0.0,
        help="part des dossiers déposés dont l'échéance de décision est passée (ex. 0.10)",
    )
    args = parser.parse_args(argv)
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from dossiers.models import Dossier

    tailles = Tailles(args.etablissements, args.dossiers, args.demandes, args.graine)
    debut = time.perf_counter()
    if connection.vendor != "postgresql":
        print("Le banc d'essai tourne sur PostgreSQL : définissez DATABASE_URL.", file=sys.stderr)
        return 2
    creer_base_si_absente()
    print(f"Base : {connection.settings_dict['NAME']} ({connection.vendor})")
    if args.force:
        _supprimer_schema()
        print("Schéma supprimé (--force).")
    marqueur = lire_marqueur()
    if marqueur and marqueur["tailles"] == asdict(tailles):
        call_command("migrate", verbosity=0, interactive=False)
        print(
            f"Jeu déjà généré le {marqueur['genere_le']} en {marqueur['duree_s']} s : rien à "
            "faire (--force pour le régénérer)."
        )
    elif marqueur:
        print(
            f"La base contient un jeu d'autres tailles ({marqueur['tailles']}) : relancez avec "
            "--force pour le remplacer.",
            file=sys.stderr,
        )
        return 2
    else:
        preparer_base()
        if Dossier.objects.count() > 100:
            print(
                "La base contient déjà des dossiers qui ne viennent pas du banc d'essai : "
                "choisissez une base dédiée (DATABASE_URL) ou relancez avec --force.",
                file=sys.stderr,
            )
            return 2
        print("Génération :")
        marqueur = generer_jeu(tailles)
        t = time.perf_counter()
        _analyser()
        print(f"  {'VACUUM ANALYZE':<20} {'':>10}         {time.perf_counter() - t:6.1f} s")
        marqueur["duree_totale_s"] = round(time.perf_counter() - debut, 1)
        _ecrire_marqueur(marqueur)
        print(
            f"Jeu généré en {marqueur['duree_totale_s']} s (migrations et démonstration comprises)."
        )
    n = rafraichir_echeances()
    if n:
        print(f"{n} dossiers déposés échus depuis la génération ont été redatés.")
    if args.dus:
        dus = marquer_dus(args.dus)
        print(f"{len(dus)} dossiers déposés ont désormais une échéance de décision passée.")
    afficher_tailles(tailles_du_jeu())
    print(f"Durée totale : {time.perf_counter() - debut:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
