# The version triggers reinstalled so that they never re-insert the row of a deleted région
# (SQLite's flush deletes table by table in any order: rows re-inserted for régions already
# deleted broke the flush with "FOREIGN KEY constraint failed"), and a région's deletion takes
# its version row with it. Backwards keeps the fixed triggers (0008's are the same tables).

from django.db import migrations

from dossiers.versions import (
    TABLES_VERSIONNEES,
    supprimer_les_versions_orphelines,
    versionner_par_region,
)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_version_perimetre"),
    ]

    operations = [
        *(
            migrations.RunPython(
                versionner_par_region(table, colonnes, region).code, migrations.RunPython.noop
            )
            for table, colonnes, region in TABLES_VERSIONNEES
        ),
        supprimer_les_versions_orphelines(),
    ]
