"""The annual synthesis as XLSX (openpyxl) [SPEC §5]; its PDF is ``enveloppes.documents``.

Both read one :class:`enveloppes.tableaux.Synthese`, the object the page shows, so the
figures agree to the cent. The spreadsheet holds numbers as numbers (euro format), one sheet per
section.
"""

import io

from django.utils import timezone

from enveloppes.tableaux import COLONNES, Synthese
from hn.dates import PARIS

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


def xlsx_synthese(synthese: Synthese) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    gras = Font(bold=True)
    classeur = Workbook()
    e, t = synthese.enveloppe, synthese.tableau

    def feuille(titre, entetes, lignes, *, montants_depuis=None):
        """A sheet: bold headers, frozen, amounts (from column ``montants_depuis`` + 1) in
        euros."""
        ws = classeur.create_sheet(titre)
        ws.append(entetes)
        for cellule in ws[ws.max_row]:
            cellule.font = gras
        debut = ws.max_row
        for ligne in lignes:
            ws.append(list(ligne))
        if montants_depuis is not None:
            for row in ws.iter_rows(min_row=debut + 1, min_col=montants_depuis + 1):
                for cellule in row:
                    cellule.number_format = FORMAT_EUROS
        ws.freeze_panes = ws.cell(row=debut + 1, column=1)
        for i, entete in enumerate(entetes, start=1):
            lettre = get_column_letter(i)
            ws.column_dimensions[lettre].width = LARGEURS.get(lettre, max(14, len(str(entete)) + 4))
        return ws

    # 1. The envelope at 31/12 and the change over the year.
    ws = classeur.active
    ws.title = "Synthèse"
    ws.append([titre(synthese)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["Programme", f"{e.programme.nom} ({e.programme.code})"])
    ws.append(["Région", f"{e.region.nom} ({e.region.code})"])
    if e.region.region_actuelle_id:
        ws.append(["Région actuelle (ARS)", f"{e.region_ars.nom} ({e.region_ars.code})"])
    ws.append(["Situation au", synthese.fin])
    ws.cell(row=ws.max_row, column=2).number_format = "DD/MM/YYYY"
    ws.append(["Édité le", timezone.localtime(timezone.now(), PARIS).replace(tzinfo=None)])
    ws.cell(row=ws.max_row, column=2).number_format = "DD/MM/YYYY HH:MM"
    if synthese.provisoire:
        ws.append(["Année en cours : situation provisoire."])
    ws.append([])
    ws.append(["Montant", f"Au 31/12/{synthese.annee}", f"Mouvements de l'année {synthese.annee}"])
    for cellule in ws[ws.max_row]:
        cellule.font = gras
    for _attr, libelle, fin, variation in synthese.lignes:
        ws.append([libelle, fin, variation])
        for cellule in ws[ws.max_row][1:]:
            cellule.number_format = FORMAT_EUROS
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 30

    montants = [libelle for _, libelle in COLONNES]
    # 2-4. Breakdowns at 31/12.
    feuille(
        "Par établissement",
        ["FINESS", "Établissement", "Statut", *montants],
        [
            [lig.objet.finess, lig.libelle, lig.objet.get_statut_display(), *lig.valeurs]
            for lig in t.par_etablissement
        ],
        montants_depuis=3,
    )
    feuille(
        "Par statut",
        ["Statut", *montants],
        [[lig.libelle, *lig.valeurs] for lig in t.par_statut] + [["Total", *t.total_par_statut]],
        montants_depuis=1,
    )
    ws = feuille(
        "Par activité",
        ["Activité", *montants],
        [[lig.libelle, *lig.valeurs] for lig in t.par_activite],
        montants_depuis=1,
    )
    ws.append([])
    ws.append(
        [
            "Un établissement exerçant plusieurs activités compte sous chacune d'elles : la somme "
            "des activités peut dépasser le total de l'enveloppe."
        ]
    )
    # 5. Retained établissements and their domaines.
    feuille(
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
                d.domaine.get_suivi_display(),
                d.domaine.date_cible,
                *d.valeurs,
            ]
            for er in t.retenus
            for dr in er.dossiers
            for d in dr.domaines
        ],
        montants_depuis=7,
    )
    ws = classeur["Retenus"]
    for (cellule,) in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        cellule.number_format = "DD/MM/YYYY"
    # 6. The CMSI's comments.
    ws = feuille(
        "Commentaires CMSI",
        ["Dossier", "FINESS", "Établissement", "Commentaire du CMSI", "Auteur", "Modifié le"],
        [
            [
                dr.dossier.numero,
                er.etablissement.finess,
                er.etablissement.raison_sociale,
                dr.commentaire.texte if dr.commentaire else "",
                (dr.commentaire.auteur.get_full_name() or dr.commentaire.auteur.get_username())
                if dr.commentaire
                else "",
                timezone.localtime(dr.commentaire.modifie_le, PARIS).replace(tzinfo=None)
                if dr.commentaire
                else None,
            ]
            for er in t.retenus
            for dr in er.dossiers
        ],
    )
    ws.column_dimensions["D"].width = 80
    for row in ws.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
        row[5].number_format = "DD/MM/YYYY HH:MM"
    # 7. The year's ledger lines.
    ws = feuille(
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
                m.get_nature_display(),
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
    )
    for row in ws.iter_rows(min_row=2):
        row[0].number_format = "DD/MM/YYYY"
        row[5].number_format = FORMAT_EUROS

    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()
