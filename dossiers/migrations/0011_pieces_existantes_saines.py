"""The pieces stored before the antivirus existed are marked ``saine`` with a note saying they
were never analysed (they were already readable by the ARS; keeping them ``en_analyse`` would
block every dossier until a scanner ran over them). To analyse them after the fact, set them back
to ``en_analyse``: the periodic sweep scans them (dossiers.analyse)."""

from django.db import migrations

NOTE = "Déposée avant la mise en place de l'antivirus : non analysée."


def marquer_saines(apps, schema_editor):
    PieceJointe = apps.get_model("dossiers", "PieceJointe")
    PieceJointe.objects.filter(etat_analyse="en_analyse").update(
        etat_analyse="saine", analyse_detail=NOTE
    )


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0010_piece_analyse_antivirus")]

    operations = [migrations.RunPython(marquer_saines, migrations.RunPython.noop)]
