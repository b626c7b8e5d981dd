"""The régions' versions (``dossiers.VersionPerimetre``): database triggers that bump a
région's version in the same transaction as any change its dashboard shows.

The dashboards (``dossiers.tableau``) are cached under these versions, so a change is seen by
every process at its commit, whatever the code path (ORM, ``update()``, raw SQL, COPY, admin,
worker). Migrations 0008 (creation) and 0009 (no orphan rows) install them through
:func:`versionner_par_region`; the bench's bulk loader switches them off during its COPY
(:func:`declencheurs_de_version`) and bumps every région once after
(:func:`incrementer_toutes_les_regions`).
"""

from contextlib import contextmanager

from django.db import connection, migrations

# Where a new row's version starts: random, below 2**40 so that sums never overflow, so that
# versions never repeat after a rollback (tests) or a restore.
VERSIONS = "dossiers_versionperimetre"
REGIONS = "referentiel_region"
PG_DEPART = "floor(random() * 1099511627776)::bigint"
SQLITE_DEPART = "abs(random() % 1099511627776)"
SUFFIXES_PG = ("ecriture", "modification")
SUFFIXES_SQLITE = ("insertion", "suppression", "modification")
ORPHELINS = f"{REGIONS}_perimetre_orphelin"

# The tables whose changes a région's dashboard shows: (table, columns shown, SQL giving a
# row's région with ``{ligne}`` standing for NEW or OLD).
TABLES_VERSIONNEES = [
    (
        "dossiers_dossier",
        [
            "etat",
            "nom",
            "numero",
            "echeance_decision",
            "prochain_rapport_le",
            "region_id",
            "etablissement_id",
        ],
        "{ligne}.region_id",
    ),
    (
        "dossiers_domainedossier",
        ["suivi", "dossier_id"],
        "(SELECT region_id FROM dossiers_dossier WHERE id = {ligne}.dossier_id)",
    ),
    (
        "dossiers_demandeinitialisation",
        [
            "initialisee_le",
            "annulee_le",
            "echeance",
            "demandee_le",
            "programme_id",
            "etablissement_id",
        ],
        "(SELECT region_id FROM referentiel_etablissement WHERE id = {ligne}.etablissement_id)",
    ),
    ("referentiel_etablissement", ["raison_sociale", "finess", "region_id"], "{ligne}.region_id"),
]


def _incrementer(region: str, ligne: str, depart: str, distinct: str = "", sauf: str = "") -> str:
    """Bump the région of ``ligne``; of ``NEW`` only when it differs from ``sauf``'s. A région
    that no longer exists gets no row: deleting rows after their région (SQLite's flush deletes
    table by table, in any order) must never re-insert the version of a deleted région."""
    condition = f" AND r {distinct} {region.format(ligne=sauf)}" if sauf else ""
    return (
        f"INSERT INTO {VERSIONS} (region_id, version) "
        f"SELECT r, {depart} FROM (SELECT {region.format(ligne=ligne)} AS r) AS s "
        f"WHERE r IS NOT NULL{condition} AND EXISTS (SELECT 1 FROM {REGIONS} WHERE id = r) "
        f"ON CONFLICT (region_id) DO UPDATE SET version = {VERSIONS}.version + 1;"
    )


def _postgresql(table: str, colonnes: list[str], region: str) -> tuple[str, str]:
    nom = f"{table}_version"
    change = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in colonnes)
    creer = f"""
CREATE OR REPLACE FUNCTION {nom}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_incrementer(region, "NEW", PG_DEPART)} END IF;
    IF TG_OP <> 'INSERT' THEN {_incrementer(region, "OLD", PG_DEPART)} END IF;
    IF TG_OP = 'UPDATE' THEN
        {_incrementer(region, "NEW", PG_DEPART, "IS DISTINCT FROM", "OLD")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {nom}_{SUFFIXES_PG[0]} AFTER INSERT OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {nom}();
CREATE TRIGGER {nom}_{SUFFIXES_PG[1]} AFTER UPDATE OF {", ".join(colonnes)} ON {table}
    FOR EACH ROW WHEN ({change}) EXECUTE FUNCTION {nom}();
"""
    supprimer = "".join(f"DROP TRIGGER IF EXISTS {nom}_{s} ON {table};" for s in SUFFIXES_PG)
    return creer, supprimer + f"DROP FUNCTION IF EXISTS {nom}();"


def _sqlite(table: str, colonnes: list[str], region: str) -> tuple[list[str], list[str]]:
    nom = f"{table}_version"
    change = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in colonnes)
    creer = [
        f"CREATE TRIGGER {nom}_insertion AFTER INSERT ON {table} "
        f"BEGIN {_incrementer(region, 'NEW', SQLITE_DEPART)} END;",
        f"CREATE TRIGGER {nom}_suppression AFTER DELETE ON {table} "
        f"BEGIN {_incrementer(region, 'OLD', SQLITE_DEPART)} END;",
        f"CREATE TRIGGER {nom}_modification AFTER UPDATE OF {', '.join(colonnes)} ON {table} "
        f"WHEN {change} "
        f"BEGIN {_incrementer(region, 'OLD', SQLITE_DEPART)} "
        f"{_incrementer(region, 'NEW', SQLITE_DEPART, 'IS NOT', 'OLD')} END;",
    ]
    return creer, [f"DROP TRIGGER IF EXISTS {nom}_{s};" for s in SUFFIXES_SQLITE]


def versionner_par_region(table: str, colonnes: list[str], region: str) -> migrations.RunPython:
    """Triggers that bump the version row of a région in the same transaction as any insert,
    delete or change of ``colonnes`` in ``table``. Installing replaces the table's previous
    version triggers (migration 0009 reinstalls them without orphans)."""

    def installer(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            creer, supprimer = _postgresql(table, colonnes, region)
            schema_editor.execute(supprimer)
            schema_editor.execute(creer)
        elif vendor == "sqlite":
            creer, supprimer = _sqlite(table, colonnes, region)
            for instruction in [*supprimer, *creer]:
                schema_editor.execute(instruction)

    def desinstaller(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(_postgresql(table, colonnes, region)[1])
        elif vendor == "sqlite":
            for instruction in _sqlite(table, colonnes, region)[1]:
                schema_editor.execute(instruction)

    return migrations.RunPython(installer, desinstaller)


def _declencheurs_sqlite(installer: bool):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for table, colonnes, region in TABLES_VERSIONNEES:
            creer, supprimer = _sqlite(table, colonnes, region)
            for instruction in [*supprimer, *(creer if installer else [])]:
                schema_editor.execute(instruction)

    return operation


def sans_versions_sqlite(*operations) -> list:
    """``operations`` that rebuild a versioned table on SQLite (a new field with a default:
    SQLite copies the table into a new one), run between the removal and the reinstallation
    of every version trigger: the rebuild drops the table's own triggers, and the other
    tables' triggers that read it fail its renaming ("no such table"). PostgreSQL alters in
    place: nothing to do there."""
    return [
        migrations.RunPython(_declencheurs_sqlite(False), _declencheurs_sqlite(True)),
        *operations,
        migrations.RunPython(_declencheurs_sqlite(True), _declencheurs_sqlite(False)),
    ]


def supprimer_les_versions_orphelines() -> migrations.RunPython:
    """A région deleted takes its version row with it, in the database (any code path, and
    SQLite's flush, which deletes table by table): no row ever points to a deleted région."""
    pg_creer = f"""
CREATE OR REPLACE FUNCTION {ORPHELINS}() RETURNS trigger AS $$
BEGIN
    DELETE FROM {VERSIONS} WHERE region_id = OLD.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {ORPHELINS} ON {REGIONS};
CREATE TRIGGER {ORPHELINS} AFTER DELETE ON {REGIONS} FOR EACH ROW EXECUTE FUNCTION {ORPHELINS}();
"""
    pg_supprimer = (
        f"DROP TRIGGER IF EXISTS {ORPHELINS} ON {REGIONS}; DROP FUNCTION IF EXISTS {ORPHELINS}();"
    )
    sqlite_creer = (
        f"CREATE TRIGGER IF NOT EXISTS {ORPHELINS} AFTER DELETE ON {REGIONS} "
        f"BEGIN DELETE FROM {VERSIONS} WHERE region_id = OLD.id; END;"
    )
    sqlite_supprimer = f"DROP TRIGGER IF EXISTS {ORPHELINS};"

    def executer(sql: dict):
        def operation(apps, schema_editor):
            instruction = sql.get(schema_editor.connection.vendor)
            if instruction:
                schema_editor.execute(instruction)

        return operation

    return migrations.RunPython(
        executer({"postgresql": pg_creer, "sqlite": sqlite_creer}),
        executer({"postgresql": pg_supprimer, "sqlite": sqlite_supprimer}),
    )


def declencheurs_de_version(cursor) -> list[tuple[str, str]]:
    """PostgreSQL: (table, trigger) of every trigger :func:`versionner_par_region` created."""
    cursor.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgname = ANY(SELECT tgrelid::regclass::text || '_version_' || s "
        "FROM unnest(%s::text[]) AS s) ORDER BY 1, 2",
        [list(SUFFIXES_PG)],
    )
    return cursor.fetchall()


def incrementer_toutes_les_regions(cursor) -> None:
    """PostgreSQL: bump every région's version once (after writes made with the triggers off)."""
    cursor.execute(
        f"INSERT INTO {VERSIONS} (region_id, version) SELECT id, {PG_DEPART} "
        f"FROM {REGIONS} ON CONFLICT (region_id) DO UPDATE SET version = "
        f"{VERSIONS}.version + 1"
    )


@contextmanager
def versions_suspendues():
    """PostgreSQL: the triggers that version the régions' dashboards (this module) are switched
    off for the bulk load (one version bump per copied row otherwise), then every région's
    version is bumped once: a dashboard cached before the load is never read again. Elsewhere:
    nothing to do."""
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
