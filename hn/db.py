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
