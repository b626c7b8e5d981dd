"""Reading a list page's files (``?format=csv|xlsx``) and its table's headers in the tests."""

import csv
import datetime as dt
import html as html_
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def lignes_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    texte = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texte), delimiter=";"))


def lignes_xlsx(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in ligne] for ligne in ws.iter_rows()]


def fichiers(client, url: str, **params) -> tuple[list, list]:
    """The CSV's and the XLSX's rows (headers first) of ``url`` with these filters."""
    return (
        lignes_csv(client.get(url, {**params, "format": "csv"})),
        lignes_xlsx(client.get(url, {**params, "format": "xlsx"})),
    )


def entetes_de_la_page(html: str, caption: str) -> list[str]:
    """The header cells of the page's table whose caption starts with ``caption``."""
    table = re.search(rf"<caption>{re.escape(caption)}.*?</thead>", html, re.S)
    assert table, caption
    cellules = re.findall(r"<th[^>]*>(.*?)</th>", table.group(0), re.S)
    return [html_.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cellules]


def en_texte(valeur) -> str:
    """An XLSX cell as the CSV writes it (to compare both files row by row)."""
    if valeur is None:
        return ""
    if isinstance(valeur, dt.datetime):
        if valeur.time() == dt.time(0):
            return valeur.strftime("%d/%m/%Y")
        return valeur.strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, float | Decimal):
        return str(valeur).replace(".", ",")
    return str(valeur)
