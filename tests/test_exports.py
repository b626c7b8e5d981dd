"""hn.exports: the CSV a French spreadsheet reads, the XLSX with typed cells, no formula."""

import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from hn import exports


def test_csv_bom_semicolon_comma_dates_and_no_formula():
    corps = exports.contenu_csv(
        ["Nom", "Montant", "Date", "Oui ?"],
        [
            ["=HYPERLINK(1)", Decimal("1234.50"), datetime.date(2024, 2, 29), True],
            ["-2+3", None, datetime.datetime(2024, 1, 1, 9, 5), False],
        ],
    )
    assert corps.startswith("\ufeff".encode())
    lignes = corps.decode("utf-8-sig").split("\r\n")
    assert lignes[0] == "Nom;Montant;Date;Oui ?"
    assert lignes[1] == "'=HYPERLINK(1);1234,50;29/02/2024;Oui"
    assert lignes[2] == "'-2+3;;01/01/2024 09:05;Non"


def test_xlsx_typed_cells_and_text_never_a_formula():
    corps = exports.contenu_xlsx(
        "Dossiers",
        ["Nom", "Montant", "Date"],
        [["=1+1", Decimal("10.5"), datetime.date(2024, 3, 1)]],
        montants=(1,),
    )
    ws = load_workbook(io.BytesIO(corps)).active
    assert ws.title == "Dossiers"
    assert [c.value for c in ws[1]] == ["Nom", "Montant", "Date"]
    nom, montant, date = ws[2]
    assert nom.value == "=1+1" and nom.data_type == "s"
    assert montant.value == 10.5 and montant.number_format == exports.FORMAT_EUROS
    assert date.value == datetime.datetime(2024, 3, 1) and date.number_format == "DD/MM/YYYY"


def test_reponse_liste_names_the_file(rf):
    reponse = exports.reponse_liste("csv", "dossiers", "Dossiers", ["A"], [[1]])
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"].startswith('attachment; filename="dossiers-')
    assert exports.format_demande(rf.get("/?format=xlsx")) == "xlsx"
    assert exports.format_demande(rf.get("/?format=pdf")) is None
