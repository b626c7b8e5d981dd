"""Spreadsheet and CSV files of the platform's tables, one mechanism for every list.

:class:`Classeur` writes an XLSX in openpyxl's write-only mode (numbers stay numbers, amounts in
euros, dates as dates, a text never becomes a formula). :func:`reponse_liste` answers a list
page's ``?format=csv`` or ``?format=xlsx`` with the same columns as the page shows: CSV for the
French spreadsheet (UTF-8 with BOM, ``;`` between fields, decimal comma), XLSX by the Classeur.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hn.dates import PARIS

FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_DATE = "DD/MM/YYYY"
FORMAT_DATE_HEURE = "DD/MM/YYYY HH:MM"
LARGEURS = {"A": 42}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def libelles(modele, champ: str) -> dict:
    """``get_<champ>_display()`` as one dict for the thousands of rows (value -> label)."""
    return {cle: str(libelle) for cle, libelle in modele._meta.get_field(champ).flatchoices}


def _texte(cellule):
    """A text stays a text: openpyxl stores one starting with "=" (a CMSI comment, a motif, a
    name) as a formula, which the spreadsheet would evaluate."""
    if cellule.data_type == "f":
        cellule.data_type = "s"
    return cellule


def _a_garder(valeur) -> bool:
    """A plain text that openpyxl would not keep as it is (rare: "=" first, or a control)."""
    return isinstance(valeur, str) and (valeur.startswith("=") or not valeur.isprintable())


def _sans_controle(valeur):
    """Without the control characters XML cannot hold (pasted text): openpyxl refuses them,
    and the whole export failed."""
    return ILLEGAL_CHARACTERS_RE.sub("", valeur) if isinstance(valeur, str) else valeur


class Classeur:
    """The workbook in openpyxl's write-only mode (streamed through lxml): all the rows are
    built first, then each sheet is written in one pass, its widths, frozen panes and size
    first (``contenu``). Styles are registered in the order they are first asked for."""

    def __init__(self):
        self.classeur = Workbook(write_only=True)
        self.feuilles = []  # (sheet, rows, widths), written at the end

    @staticmethod
    def style(ws, **attributs):
        """A function putting a value in a cell of ``ws`` with these style attributes."""
        modele = WriteOnlyCell(ws)
        for nom, valeur in attributs.items():
            setattr(modele, nom, valeur)
        indices = modele._style  # the style registered once, shared by the cells
        return lambda valeur: _texte(
            Cell(ws, row=1, column=1, value=_sans_controle(valeur), style_array=indices)
        )

    def feuille(self, titre, entetes, lignes, *, montants_depuis=None, styles=None, largeurs=None):
        """A sheet: bold headers, frozen, amounts (from column ``montants_depuis`` + 1) in
        euros, ``styles`` (column index -> style attributes) on other columns; its rows."""
        ws = self.classeur.create_sheet(titre)
        ws.freeze_panes = "A2"
        style = self.style
        colonnes = [(i, style(ws, **attributs)) for i, attributs in sorted((styles or {}).items())]
        cellules = list(colonnes)
        if montants_depuis is not None:
            euros = style(ws, number_format=FORMAT_EUROS)
            cellules += [(i, euros) for i in range(montants_depuis, len(entetes))]
        for ligne in lignes:
            for i, cellule in cellules:
                ligne[i] = cellule(ligne[i])
        if not lignes:  # an empty row 2 all the same, under the frozen headers, in ``styles``
            lignes = [[None] * (colonnes[-1][0] + 1 if colonnes else 0)]
            for i, cellule in colonnes:
                lignes[0][i] = cellule(None)
        gras = style(ws, font=Font(bold=True))
        lignes = [[gras(entete) for entete in entetes], *lignes]
        defaut = {}
        for i, entete in enumerate(entetes, start=1):
            lettre = get_column_letter(i)
            defaut[lettre] = LARGEURS.get(lettre, max(14, len(str(entete)) + 4))
        self.feuilles.append((ws, lignes, defaut | (largeurs or {})))
        return lignes

    def contenu(self) -> bytes:
        for ws, lignes, largeurs in self.feuilles:
            for lettre, largeur in largeurs.items():
                ws.column_dimensions[lettre].width = largeur
            # The size, which the write-only writer asks for but leaves out by default (readers
            # in read-only mode go by it).
            taille = f"A1:{get_column_letter(max(map(len, lignes)))}{len(lignes)}"
            ws.calculate_dimension = lambda taille=taille: taille
            for ligne in lignes:
                ws.append(
                    [
                        _texte(Cell(ws, 1, 1, _sans_controle(v))) if _a_garder(v) else v
                        for v in ligne
                    ]
                )
        sortie = io.BytesIO()
        self.classeur.save(sortie)
        return sortie.getvalue()


# --- a list page's rows ---------------------------------------------------------------------------


def format_demande(request) -> str | None:
    """``csv`` or ``xlsx`` when the list page is asked for a file, else None (the page)."""
    valeur = request.GET.get("format")
    return valeur if valeur in FORMATS else None


def _local(valeur):
    """An aware datetime in Paris time without its zone (what a spreadsheet can hold)."""
    if isinstance(valeur, datetime.datetime) and timezone.is_aware(valeur):
        return timezone.localtime(valeur, PARIS).replace(tzinfo=None)
    return valeur


def _csv(valeur) -> str:
    """A cell as the French spreadsheet reads it: decimal comma, dates dd/mm/yyyy, and a text
    starting like a formula kept as text (a leading apostrophe: no CSV injection)."""
    valeur = _local(valeur)
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, (Decimal, float)):
        return str(valeur).replace(".", ",")
    if isinstance(valeur, datetime.datetime):
        return valeur.strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, datetime.date):
        return valeur.strftime("%d/%m/%Y")
    texte = ILLEGAL_CHARACTERS_RE.sub("", str(valeur))
    return "'" + texte if texte[:1] in ("=", "+", "-", "@", "\t", "\r") else texte


def contenu_csv(entetes, lignes) -> bytes:
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(entetes)
    for ligne in lignes:
        ecrivain.writerow([_csv(v) for v in ligne])
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")


def contenu_xlsx(titre: str, entetes, lignes, *, montants: tuple[int, ...] = ()) -> bytes:
    """One sheet: dates and datetimes formatted, the ``montants`` columns in euros."""
    lignes = [[_local(v) for v in ligne] for ligne in lignes]
    styles = {i: {"number_format": FORMAT_EUROS} for i in montants}
    for ligne in lignes[:1]:
        for i, v in enumerate(ligne):
            if isinstance(v, datetime.datetime):
                styles.setdefault(i, {"number_format": FORMAT_DATE_HEURE})
            elif isinstance(v, datetime.date):
                styles.setdefault(i, {"number_format": FORMAT_DATE})
    classeur = Classeur()
    classeur.feuille(titre[:31], list(entetes), lignes, styles=styles)
    return classeur.contenu()


def reponse_liste(format_: str, nom: str, titre: str, entetes, lignes, *, montants=()):
    """The file of a list: ``nom``-AAAAMMJJ.csv|xlsx, the rows already filtered as the page."""
    if format_ == "csv":
        corps = contenu_csv(entetes, lignes)
    else:
        corps = contenu_xlsx(titre, entetes, lignes, montants=montants)
    jour = timezone.localdate().strftime("%Y%m%d")
    reponse = HttpResponse(corps, content_type=FORMATS[format_])
    reponse["Content-Disposition"] = f'attachment; filename="{nom}-{jour}.{format_}"'
    return reponse


# --- streamed to a file (background exports, hn.taches.exports) ----------------------------------


def ecrire_csv(sortie, entetes, lignes, avancer=lambda n: None) -> None:
    """The same bytes as :func:`contenu_csv`, written row by row into the binary file
    ``sortie``; ``avancer(n)`` after each row (n rows written)."""
    texte = io.TextIOWrapper(sortie, encoding="utf-8", newline="", write_through=True)
    texte.write("\ufeff")
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(entetes)
    for n, ligne in enumerate(lignes, start=1):
        ecrivain.writerow([_csv(v) for v in ligne])
        avancer(n)
    texte.flush()
    texte.detach()  # ``sortie`` stays open for the caller


def ecrire_xlsx(
    sortie, titre: str, entetes, lignes, *, total: int, montants=(), avancer=lambda n: None
) -> None:
    """The sheet of :func:`contenu_xlsx` (bold frozen headers, widths, dates and amounts
    formatted, texts kept as texts), streamed by openpyxl's write-only mode into ``sortie``:
    ``total`` (the rows counted beforehand) gives the sheet's declared size."""
    classeur = Classeur()
    ws = classeur.classeur.create_sheet(titre[:31])
    ws.freeze_panes = "A2"
    lignes = iter(lignes)
    premiere = next(lignes, None)
    styles = {i: {"number_format": FORMAT_EUROS} for i in montants}
    for i, v in enumerate([_local(v) for v in premiere] if premiere is not None else []):
        if isinstance(v, datetime.datetime):
            styles.setdefault(i, {"number_format": FORMAT_DATE_HEURE})
        elif isinstance(v, datetime.date):
            styles.setdefault(i, {"number_format": FORMAT_DATE})
    cellules = [(i, Classeur.style(ws, **attributs)) for i, attributs in sorted(styles.items())]
    gras = Classeur.style(ws, font=Font(bold=True))
    for i, entete in enumerate(entetes, start=1):
        lettre = get_column_letter(i)
        ws.column_dimensions[lettre].width = LARGEURS.get(lettre, max(14, len(str(entete)) + 4))
    taille = f"A1:{get_column_letter(len(entetes))}{max(total, 1) + 1}"
    ws.calculate_dimension = lambda: taille
    ws.append([gras(entete) for entete in entetes])

    def rangees():
        if premiere is not None:
            yield premiere
            yield from lignes

    n = 0
    for ligne in rangees():
        ligne = [_local(v) for v in ligne]
        for i, cellule in cellules:
            ligne[i] = cellule(ligne[i])
        ws.append([_texte(Cell(ws, 1, 1, _sans_controle(v))) if _a_garder(v) else v for v in ligne])
        n += 1
        avancer(n)
    if n == 0:  # an empty row 2 all the same, under the frozen headers
        ws.append([cellule(None) for _i, cellule in cellules] or [None])
    classeur.classeur.save(sortie)
