"""The annual synthesis as XLSX (openpyxl) [SPEC §5]; its PDF is ``enveloppes.documents``.

Both read one :class:`enveloppes.tableaux.Synthese`, the object the page shows, so the
figures agree to the cent. The spreadsheet holds numbers as numbers (euro format), one sheet per
section.
"""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dossiers.models import DomaineDossier
from enveloppes.models import MouvementEnveloppe
from enveloppes.tableaux import COLONNES, Synthese
from hn.dates import PARIS
from hn.referentiel.models import Etablissement

FORMAT_EUROS = '#,##0.00\\ "€"'
LARGEURS = {"A": 42}


def nom_fichier(synthese: Synthese, extension: str) -> str:
    e = synthese.enveloppe
    return f"synthese-{e.programme.code}-{e.region.code}-{synthese.annee}.{extension}"


def titre(synthese: Synthese) -> str:
    e = synthese.enveloppe
    return (
        f"Synthèse annuelle {synthese.annee} — enveloppe {e.programme.code} — "
        f"{e.region.nom} ({e.region.code})"
    )


# --- XLSX -----------------------------------------------------------------------------------------


def _libelles(modele, champ: str) -> dict:
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


def xlsx_synthese(synthese: Synthese) -> bytes:
    """The synthesis, one sheet per section, in the order of the page."""
    classeur = Classeur()
    _feuille_synthese(classeur, synthese)
    montants = [libelle for _, libelle in COLONNES]
    _feuilles_repartition(classeur, synthese.tableau, montants)
    _feuille_retenus(classeur, synthese.tableau, montants)
    _feuille_commentaires(classeur, synthese.tableau)
    _feuille_mouvements(classeur, synthese)
    return classeur.contenu()


def _feuille_synthese(classeur: Classeur, synthese: Synthese) -> None:
    """1. The envelope at 31/12 and the change over the year."""
    e, style = synthese.enveloppe, classeur.style
    ws = classeur.classeur.create_sheet("Synthèse")
    gras = style(ws, font=Font(bold=True))
    euros = style(ws, number_format=FORMAT_EUROS)
    lignes = [
        [style(ws, font=Font(bold=True, size=13))(titre(synthese))],
        ["Programme", f"{e.programme.nom} ({e.programme.code})"],
        ["Région", f"{e.region.nom} ({e.region.code})"],
    ]
    if e.region.region_actuelle_id:
        lignes.append(["Région actuelle (ARS)", f"{e.region_ars.nom} ({e.region_ars.code})"])
    lignes.append(["Situation au", style(ws, number_format="DD/MM/YYYY")(synthese.fin)])
    edition = timezone.localtime(timezone.now(), PARIS).replace(tzinfo=None)
    lignes.append(["Édité le", style(ws, number_format="DD/MM/YYYY HH:MM")(edition)])
    if synthese.provisoire:
        lignes.append(["Année en cours : situation provisoire."])
    lignes.append([])
    entetes = ["Montant", f"Au 31/12/{synthese.annee}", f"Mouvements de l'année {synthese.annee}"]
    lignes.append([gras(entete) for entete in entetes])
    lignes.extend(
        [libelle, euros(fin), euros(variation)]
        for _attr, libelle, fin, variation in synthese.lignes
    )
    classeur.feuilles.append((ws, lignes, {"A": 46, "B": 24, "C": 30}))


def _feuilles_repartition(classeur: Classeur, t, montants: list[str]) -> None:
    """2-4. Breakdowns at 31/12."""
    statuts = _libelles(Etablissement, "statut")
    classeur.feuille(
        "Par établissement",
        ["FINESS", "Établissement", "Statut", *montants],
        [
            [
                lig.objet.finess,
                lig.libelle,
                statuts.get(lig.objet.statut, lig.objet.statut),
                *lig.valeurs,
            ]
            for lig in t.par_etablissement
        ],
        montants_depuis=3,
    )
    classeur.feuille(
        "Par statut",
        ["Statut", *montants],
        [[lig.libelle, *lig.valeurs] for lig in t.par_statut] + [["Total", *t.total_par_statut]],
        montants_depuis=1,
    )
    lignes = classeur.feuille(
        "Par activité",
        ["Activité", *montants],
        [[lig.libelle, *lig.valeurs] for lig in t.par_activite],
        montants_depuis=1,
    )
    lignes.append([])
    lignes.append(
        [
            "Un établissement exerçant plusieurs activités compte sous chacune d'elles : la somme "
            "des activités peut dépasser le total de l'enveloppe."
        ]
    )


def _feuille_retenus(classeur: Classeur, t, montants: list[str]) -> None:
    """5. Retained établissements and their domaines."""
    suivis = _libelles(DomaineDossier, "suivi")
    classeur.feuille(
        "Retenus",
        [
            "FINESS",
            "Établissement",
            "Dossier",
            "Domaine",
            "Libellé du domaine",
            "Suivi (à ce jour)",
            "Date cible",
            *montants,
        ],
        [
            [
                er.etablissement.finess,
                er.etablissement.raison_sociale,
                dr.dossier.numero,
                d.domaine.domaine.code,
                d.domaine.domaine.libelle,
                suivis.get(d.domaine.suivi, d.domaine.suivi),
                d.domaine.date_cible,
                *d.valeurs,
            ]
            for er in t.retenus
            for dr in er.dossiers
            for d in dr.domaines
        ],
        montants_depuis=7,
        styles={6: {"number_format": "DD/MM/YYYY"}},
    )


def _auteur(commentaire) -> str:
    return commentaire.auteur.get_full_name() or commentaire.auteur.get_username()


def _feuille_commentaires(classeur: Classeur, t) -> None:
    """6. The CMSI's comments."""
    classeur.feuille(
        "Commentaires CMSI",
        ["Dossier", "FINESS", "Établissement", "Commentaire du CMSI", "Auteur", "Modifié le"],
        [
            [
                dr.dossier.numero,
                er.etablissement.finess,
                er.etablissement.raison_sociale,
                dr.commentaire.texte if dr.commentaire else "",
                _auteur(dr.commentaire) if dr.commentaire else "",
                timezone.localtime(dr.commentaire.modifie_le, PARIS).replace(tzinfo=None)
                if dr.commentaire
                else None,
            ]
            for er in t.retenus
            for dr in er.dossiers
        ],
        styles={
            3: {"alignment": Alignment(wrap_text=True, vertical="top")},
            5: {"number_format": "DD/MM/YYYY HH:MM"},
        },
        largeurs={"D": 80},
    )


def _feuille_mouvements(classeur: Classeur, synthese: Synthese) -> None:
    """7. The year's ledger lines."""
    natures = _libelles(MouvementEnveloppe, "nature")
    classeur.feuille(
        "Mouvements de l'année",
        [
            "Date",
            "Nature",
            "Dossier",
            "FINESS",
            "Domaine",
            "Montant",
            "Dérogation",
            "Acteur",
            "Motif",
        ],
        [
            [
                m.date,
                natures.get(m.nature, m.nature),
                m.dossier.numero if m.dossier_id else "",
                m.dossier.etablissement.finess if m.dossier_id else "",
                m.domaine.domaine.code if m.domaine_id else "",
                m.montant,
                "oui" if m.derogation else "",
                m.acteur.get_username() if m.acteur_id else "système",
                m.motif,
            ]
            for m in synthese.mouvements
        ],
        styles={0: {"number_format": "DD/MM/YYYY"}, 5: {"number_format": FORMAT_EUROS}},
    )
