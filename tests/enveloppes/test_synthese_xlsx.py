"""The layout of the synthesis XLSX (written in openpyxl's write-only mode): fonts, number
formats, alignment, column widths, frozen panes and declared sizes, with and without rows."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from enveloppes import exports
from enveloppes.models import CommentaireSynthese
from enveloppes.tableaux import synthese
from tests import factories as f
from tests.enveloppes import donnees as x

pytestmark = pytest.mark.django_db

EUROS = exports.FORMAT_EUROS
FEUILLES = x.FEUILLES


def classeur(annee: int) -> bytes:
    return exports.xlsx_synthese(synthese(x.enveloppe(), annee))


def tailles(data: bytes) -> dict:
    """Each sheet's size as a reader in read-only mode sees it (the declared dimension)."""
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: (ws.max_row, ws.max_column) for ws in wb.worksheets}
    finally:
        wb.close()


def commenter(dossier, texte):
    CommentaireSynthese.objects.create(
        enveloppe=x.enveloppe(),
        annee=2021,
        dossier=dossier,
        texte=texte,
        auteur=f.pilote_national(),
    )


def test_the_xlsx_keeps_its_fonts_formats_widths_and_frozen_headers():
    commenter(x.scenario_hopen_84()["dossier_a"], "Revue tenue.")
    data = classeur(2021)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == FEUILLES

    ws = wb["Synthèse"]
    assert (ws["A1"].font.bold, ws["A1"].font.size) == (True, 13)
    assert ws.freeze_panes is None
    assert {c: ws.column_dimensions[c].width for c in "ABC"} == {"A": 46, "B": 24, "C": 30}
    assert (ws["A4"].value, ws["B4"].value) == ("Situation au", dt.datetime(2021, 12, 31))
    assert ws["B4"].number_format == "DD/MM/YYYY"
    assert ws["B5"].number_format == "DD/MM/YYYY HH:MM"
    assert [c.value for c in ws[6]] == [None, None, None]
    assert [c.value for c in ws[7]] == ["Montant", "Au 31/12/2021", "Mouvements de l'année 2021"]
    assert all(c.font.bold for c in ws[7])
    assert [c.number_format for c in ws[8]] == ["General", EUROS, EUROS]

    for titre in FEUILLES[1:]:
        ws = wb[titre]
        assert ws.freeze_panes == "A2", titre
        assert all(c.font.bold for c in ws[1]), titre
        assert not any(c.font.bold for c in ws[2]), titre
        assert ws.column_dimensions["A"].width == 42, titre
    ws = wb["Par établissement"]
    assert [ws.column_dimensions[c].width for c in "BCD"] == [17, 14, 19]
    assert [c.number_format for c in ws[2]] == ["General"] * 3 + [EUROS] * 6
    assert wb["Par activité"]["A6"].value.startswith("Un établissement exerçant")
    ws = wb["Retenus"]
    assert [ws.cell(row=r, column=7).number_format for r in (2, 3, 4)] == ["DD/MM/YYYY"] * 3
    assert [c.number_format for c in ws[2][7:]] == [EUROS] * 6
    ws = wb["Commentaires CMSI"]
    assert ws.column_dimensions["D"].width == 80
    for row in (2, 3):  # with and without a comment
        assert ws.cell(row=row, column=4).alignment.wrap_text
        assert ws.cell(row=row, column=4).alignment.vertical == "top"
        assert ws.cell(row=row, column=6).number_format == "DD/MM/YYYY HH:MM"
    assert (ws["D2"].value, ws["D3"].value, ws["F3"].value) == ("Revue tenue.", None, None)
    ws = wb["Mouvements de l'année"]
    assert ws.max_row == 8
    assert (ws["A2"].number_format, ws["F2"].number_format) == ("DD/MM/YYYY", EUROS)
    assert isinstance(ws["A2"].value, dt.datetime)

    assert tailles(data) == {ws.title: (ws.max_row, ws.max_column) for ws in wb.worksheets}


def test_a_year_without_rows_keeps_the_same_layout():
    x.scenario_hopen_84()
    data = classeur(2015)  # before the programme: no établissement, no line
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == FEUILLES
    assert wb["Par établissement"].freeze_panes == "A2"
    assert wb["Par activité"]["A4"].value.startswith("Un établissement exerçant")
    assert wb["Retenus"]["G2"].number_format == "DD/MM/YYYY"
    assert wb["Mouvements de l'année"]["F2"].number_format == EUROS
    assert tailles(data) == {
        "Synthèse": (22, 3),
        "Par établissement": (2, 9),
        "Par statut": (2, 7),
        "Par activité": (4, 7),
        "Retenus": (2, 13),
        "Commentaires CMSI": (2, 6),
        "Mouvements de l'année": (2, 10),
    }


def test_a_comment_or_name_is_text_never_a_formula_nor_a_failed_export():
    """Bug: a CMSI comment starting with "=" became a formula the spreadsheet evaluates, and a
    control character (pasted text) made the whole export fail."""
    scenario = x.scenario_hopen_84()
    commenter(scenario["dossier_a"], '=HYPERLINK("http://exemple.invalid","cliquer")\x07 & <b>')
    etab = scenario["dossier_a"].etablissement
    etab.raison_sociale = "=1+1 Centre hospitalier"
    etab.save()
    wb = load_workbook(io.BytesIO(classeur(2021)))
    ws = wb["Commentaires CMSI"]
    assert ws["D2"].data_type == "s"
    assert ws["D2"].value == '=HYPERLINK("http://exemple.invalid","cliquer") & <b>'
    assert ws["D2"].alignment.wrap_text  # its column's style kept
    noms = [c for row in wb["Retenus"].iter_rows(min_row=2, max_col=2) for c in row[1:]]
    assert {c.data_type for c in noms if c.value == "=1+1 Centre hospitalier"} == {"s"}
    assert not any(
        c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row
    )
