"""Database-level helpers shared by migrations."""

from django.db import migrations


def ligne_immuable(table: str, message: str) -> migrations.RunPython:
    """On PostgreSQL, a trigger refusing UPDATE and DELETE on ``table`` (append-only rows:
    the journal, the deposited snapshots). SQLite, the embedded dev database, relies on the
    model and queryset guards."""
    fonction = f"{table}_immuable"
    creer = f"""
CREATE OR REPLACE FUNCTION {fonction}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{message}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {fonction}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {fonction}();
"""
    supprimer = f"""
DROP TRIGGER IF EXISTS {fonction} ON {table};
DROP FUNCTION IF EXISTS {fonction}();
"""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(creer)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(supprimer)

    return migrations.RunPython(forwards, backwards)


# The régions' versions (dossiers.VersionPerimetre) and where a new row's version starts
# (random, below 2**40 so that sums never overflow).
VERSIONS = "dossiers_versionperimetre"
PG_DEPART = "floor(random() * 1099511627776)::bigint"
SQLITE_DEPART = "abs(random() % 1099511627776)"
SUFFIXES_PG = ("ecriture", "modification")


def versionner_par_region(table: str, colonnes: list[str], region: str) -> migrations.RunPython:
    """Triggers that bump the version row of a région (``dossiers_versionperimetre``) in the
    same transaction as any insert, delete or change of ``colonnes`` in ``table``, whatever
    the code path (ORM, ``update()``, raw SQL, COPY). ``region`` is the SQL giving a row's
    région, with ``{ligne}`` standing for ``NEW`` or ``OLD``. A version row starts at a random
    value, so that versions never repeat after a rollback (tests) or a restore: the cached
    dashboards keyed by version (``dossiers.tableau``) can never be read for another state."""
    nom = f"{table}_version"
    cle = VERSIONS

    def incrementer(ligne: str, depart: str, distinct: str = "", sauf: str = "") -> str:
        """Bump the région of ``ligne``; of ``NEW`` only when it differs from ``sauf``'s."""
        condition = f" AND r {distinct} {region.format(ligne=sauf)}" if sauf else ""
        return (
            f"INSERT INTO {cle} (region_id, version) "
            f"SELECT r, {depart} FROM (SELECT {region.format(ligne=ligne)} AS r) AS s "
            f"WHERE r IS NOT NULL{condition} "
            f"ON CONFLICT (region_id) DO UPDATE SET version = {cle}.version + 1;"
        )

    pg_depart = PG_DEPART
    pg_change = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in colonnes)
    postgresql = f"""
CREATE OR REPLACE FUNCTION {nom}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {incrementer("NEW", pg_depart)} END IF;
    IF TG_OP <> 'INSERT' THEN {incrementer("OLD", pg_depart)} END IF;
    IF TG_OP = 'UPDATE' THEN {incrementer("NEW", pg_depart, "IS DISTINCT FROM", "OLD")} END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {nom}_{SUFFIXES_PG[0]} AFTER INSERT OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {nom}();
CREATE TRIGGER {nom}_{SUFFIXES_PG[1]} AFTER UPDATE OF {", ".join(colonnes)} ON {table}
    FOR EACH ROW WHEN ({pg_change}) EXECUTE FUNCTION {nom}();
"""
    sqlite_depart = SQLITE_DEPART
    sqlite_change = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in colonnes)
    sqlite = [
        f"CREATE TRIGGER {nom}_insertion AFTER INSERT ON {table} "
        f"BEGIN {incrementer('NEW', sqlite_depart)} END;",
        f"CREATE TRIGGER {nom}_suppression AFTER DELETE ON {table} "
        f"BEGIN {incrementer('OLD', sqlite_depart)} END;",
        f"CREATE TRIGGER {nom}_modification AFTER UPDATE OF {', '.join(colonnes)} ON {table} "
        f"WHEN {sqlite_change} "
        f"BEGIN {incrementer('OLD', sqlite_depart)} "
        f"{incrementer('NEW', sqlite_depart, 'IS NOT', 'OLD')} END;",
    ]

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(postgresql)
        elif schema_editor.connection.vendor == "sqlite":
            for instruction in sqlite:
                schema_editor.execute(instruction)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for suffixe in SUFFIXES_PG:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {nom}_{suffixe} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {nom}();")
        elif schema_editor.connection.vendor == "sqlite":
            for suffixe in ("insertion", "suppression", "modification"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {nom}_{suffixe};")

    return migrations.RunPython(forwards, backwards)


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
        f"FROM referentiel_region ON CONFLICT (region_id) DO UPDATE SET version = "
        f"{VERSIONS}.version + 1"
    )
