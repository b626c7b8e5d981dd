"""On PostgreSQL the trace is append-only at the database level too: UPDATE and DELETE on
journal_evenement raise. (SQLite, the embedded dev database, relies on the model guards.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION journal_evenement_immuable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Le journal ne peut être ni modifié ni supprimé.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER journal_evenement_immuable
    BEFORE UPDATE OR DELETE ON journal_evenement
    FOR EACH ROW EXECUTE FUNCTION journal_evenement_immuable();
"""

DROP = """
DROP TRIGGER IF EXISTS journal_evenement_immuable ON journal_evenement;
DROP FUNCTION IF EXISTS journal_evenement_immuable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
