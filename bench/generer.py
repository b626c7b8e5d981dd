"""The 10x national data set of the benchmark (issue 6), generated fast.

    DATABASE_URL=postgres://hn:hn@127.0.0.1:5432/hn_bench python -m bench.generer [--force]

Steps: migrate, load the référentiel and the demo accounts (API.md), then bulk rows written with
PostgreSQL ``COPY`` (a multi-row ``INSERT`` on other databases, for the tests), bypassing the
ORM: établissements with valid FINESS over the 18 current régions, their activity, GHT, one
gestionnaire account each, dossiers of both programmes in every state with their domaines,
contacts, prérequis decisions, deposited snapshots, indicator values, ARS comments,
initialisation requests (pending, overdue, answered), the envelopes' ledger lines, the
follow-up reports and the journal rows of all of it. Then the audits (issue 13): two past
years drawn in every région through the application's draw (``audits.bench``), and the HOP'EN
2019 AMI at 10x seed 004 (issue 14, ``candidatures.bench``), both also added to a data set
generated before them.

Each app owns its data: ``hn.referentiel.bench`` (établissements, activity, GHT),
``hn.comptes.bench`` (accounts), ``dossiers.bench`` (the dossiers' plan) and
``dossiers.bench_tables`` (their rows and journal), ``enveloppes.bench`` (ledger lines),
``indicateurs.bench`` (follow-up), on the bulk tools of ``hn.bulk``. Each has one function per
table (``table_*``, listed by its ``tables()`` in dependency order); :class:`Generateur` only
plans them in order, then writes their tables in order: a new table is one more function in
its app.

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
from dataclasses import asdict, dataclass

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


def _setup():
    import django

    django.setup()


class Generateur:
    """Plans the data set with each app's bench module, then writes their tables."""

    def __init__(self, tailles: Tailles, *, sortie=None):
        from django.utils import timezone

        from dossiers.bench import PART_PROGRAMMES, DossiersBench
        from dossiers.bench_tables import TablesDossiers
        from enveloppes.bench import EnveloppesBench
        from hn.comptes.bench import ComptesBench
        from hn.referentiel.bench import ReferentielBench
        from indicateurs.bench import IndicateursBench

        self.tailles = tailles
        self.rng = random.Random(tailles.graine)
        self.maintenant = timezone.now().replace(microsecond=0)
        self.sortie = sortie or sys.stdout
        self.compte: dict[str, int] = {}
        self.referentiel = ReferentielBench(PART_PROGRAMMES, self.rng, graine=tailles.graine)
        self.comptes = ComptesBench(self.referentiel, self.maintenant)
        self.dossiers = DossiersBench(
            self.referentiel,
            self.comptes,
            self.rng,
            self.maintenant,
            nombre=tailles.dossiers,
            demandes=tailles.demandes_en_attente,
        )
        self.tables_dossiers = TablesDossiers(self.dossiers)
        self.enveloppes = EnveloppesBench(PART_PROGRAMMES, self.tables_dossiers, self.maintenant)
        self.indicateurs = IndicateursBench(self.tables_dossiers)

    @property
    def vitrines(self) -> dict:
        """The showcase dossiers the benchmark reads, by use."""
        return self.dossiers.vitrines

    def _log(self, message):
        print(message, file=self.sortie, flush=True)

    def planifier(self):
        """Établissements over the former régions weighted by their HN envelope, then the
        dossiers, then their follow-up (in that order: one random generator runs through)."""
        self.referentiel.planifier(
            self.tailles.etablissements, poids_anciennes=self.enveloppes.poids_anciennes
        )
        self.dossiers.planifier()
        self.indicateurs.planifier()

    def generer(self) -> dict:
        """Plan, then write every table (inside the caller's transaction)."""
        from dossiers.versions import versions_suspendues
        from hn.bulk import cles_etrangeres_suspendues, reinitialiser_sequences

        debut = time.perf_counter()
        self.planifier()
        self._log(f"  plan : {time.perf_counter() - debut:.1f} s")
        self.comptes.charger_valideurs()
        with cles_etrangeres_suspendues(self.modeles()) as revalider, versions_suspendues():
            self._ecrire_tables()
            t = time.perf_counter()
        self._log(
            f"  {'clés étrangères':<20} {revalider.n:>10} revalidées "
            f"{time.perf_counter() - t:6.1f} s"
        )
        reinitialiser_sequences(self.modeles())
        return self.compte

    def _ecrire_tables(self):
        modules = (
            self.referentiel,
            self.comptes,
            self.tables_dossiers,
            self.enveloppes,
            self.indicateurs,
        )
        for module in modules:
            for nom, table in module.tables():
                t = time.perf_counter()
                n = table()
                self.compte[nom] = n
                self._log(f"  {nom:<20} {n:>10,} lignes  {time.perf_counter() - t:6.1f} s")

    @staticmethod
    def modeles() -> list:
        """The tables the generator writes."""
        from dossiers import bench_tables
        from enveloppes import bench as enveloppes
        from hn.comptes import bench as comptes
        from hn.referentiel import bench as referentiel
        from indicateurs import bench as indicateurs

        return [
            *referentiel.MODELES,
            *comptes.MODELES,
            *bench_tables.MODELES,
            *enveloppes.MODELES,
            *indicateurs.MODELES,
        ]


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

    from audits import models as am
    from candidatures import models as cm
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
        am.Tirage,
        am.Audit,
        am.LigneGrille,
        cm.Precandidature,
        cm.DomaineCandidature,
        cm.Version,
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


ANNEES_AUDITEES = (2, 1)  # years back drawn for the audits (issue 13), the older one first


def generer_audits(graine: int = Tailles.graine) -> dict[str, int]:
    """``audits.bench``: the years of :data:`ANNEES_AUDITEES` drawn in every région for both
    programmes through the application's draw, audits of région 84 in progress. Idempotent
    (a drawn programme, région and year is kept): also run on a data set generated before
    the audits existed."""
    from audits import bench as audits_bench
    from hn.dates import aujourd_hui

    annee = aujourd_hui().year
    return audits_bench.generer([annee - recul for recul in ANNEES_AUDITEES], graine=graine)


def marquer_dus(part: float, *, graine: int = 1) -> list[tuple]:
    """``dossiers.bench_dus.marquer_dus``: ``part`` of the deposited dossiers made due."""
    from dossiers.bench_dus import marquer_dus as marquer

    return marquer(part, graine=graine)


def restaurer_dus(originaux: list[tuple]) -> int:
    """``dossiers.bench_dus.restaurer_dus``: the dossiers :func:`marquer_dus` changed put back."""
    from dossiers.bench_dus import restaurer_dus as restaurer

    return restaurer(originaux)


def rafraichir_echeances() -> int:
    """``dossiers.bench_dus.rafraichir_echeances``: the deadlines passed since the generation,
    re-dated."""
    from dossiers.bench_dus import rafraichir_echeances as rafraichir

    return rafraichir()


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


AUDITS_TABLES = ("audits_tirage", "audits_audit", "audits_designation", "audits_lignegrille")


def _analyser(tables=()):
    """``VACUUM (ANALYZE)`` of the database, or ``ANALYZE`` of ``tables`` only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if tables:
                cursor.execute(f"ANALYZE {', '.join(tables)}")
            else:
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


def _ajouter_audits(graine: int):
    """The audits of :func:`generer_audits`, on a new or an older data set, then their
    statistics."""
    t = time.perf_counter()
    audits = generer_audits(graine)
    if audits["tirages"] or audits["audits en cours"]:
        # Fresh statistics for the new rows (autovacuum would come later): without them the
        # planner hash-joins the 32,000 users to the list's designations.
        _analyser(AUDITS_TABLES)
        print(
            f"Audits : {audits['tirages']} tirages, {audits['audits']} audits, "
            f"{audits['audits en cours']} en cours ({time.perf_counter() - t:.1f} s)."
        )


CANDIDATURES_TABLES = ("candidatures_precandidature", "candidatures_domainecandidature")


def _ajouter_candidatures(graine: int):
    """The HOP'EN 2019 AMI at 10x seed 004 (issue 14, ``candidatures.bench``), on a new or an
    older data set, then the statistics of its tables."""
    from candidatures import bench as candidatures_bench

    t = time.perf_counter()
    compte = candidatures_bench.generer(graine=graine)
    if any(compte.values()):
        _analyser(CANDIDATURES_TABLES)
        print(
            f"Appel à manifestation d'intérêt : {compte['precandidatures']} pré-candidatures, "
            f"{compte['domaines']} domaines, {compte['versions']} programmations transmises "
            f"({time.perf_counter() - t:.1f} s)."
        )


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
    _ajouter_audits(args.graine)
    _ajouter_candidatures(args.graine)
    if args.dus:
        dus = marquer_dus(args.dus)
        print(f"{len(dus)} dossiers déposés ont désormais une échéance de décision passée.")
    afficher_tailles(tailles_du_jeu())
    print(f"Durée totale : {time.perf_counter() - debut:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
