"""The annual synthesis as XLSX (openpyxl) [SPEC §5]; its PDF is ``enveloppes.documents``.

Both read one :class:`enveloppes.tableaux.Synthese`, the object the page shows, so the
figures agree to the cent. The spreadsheet holds numbers as numbers (euro format), one sheet per
section.
"""

from django.utils import timezone
from openpyxl.styles import Alignment, Font

from dossiers.models import DomaineDossier
from enveloppes.models import MouvementEnveloppe
from enveloppes.tableaux import COLONNES, Synthese
from hn.dates import PARIS
from hn.exports import FORMAT_EUROS, Classeur, reponse_liste
from hn.exports import libelles as _libelles
from hn.referentiel.models import Etablissement


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
            "Membres du GHT (FINESS)",
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
                m.membres,
            ]
            for m in synthese.mouvements
        ],
        styles={0: {"number_format": "DD/MM/YYYY"}, 5: {"number_format": FORMAT_EUROS}},
    )


# --- the list pages' files (``?format=csv|xlsx``, hn.exports.reponse_liste) ----------------------


def fichier_liste(format_: str, programmes: list[dict], colonnes):
    """The envelopes page: every programme's table one after the other (the programme a
    column), amounts to the cent (the page rounds them to the euro)."""
    entetes = [
        "Programme",
        "Région",
        "Région actuelle",
        "Enveloppe publiée (€)",
        *(f"{libelle} (€)" for _, libelle in colonnes),
    ]
    lignes = [
        [
            p["programme"].code,
            f"{ligne['enveloppe'].region.nom} ({ligne['enveloppe'].region.code})",
            ligne["enveloppe"].region.region_actuelle.nom if p["ancien"] else "",
            ligne["enveloppe"].montant_publie,
            *ligne["valeurs"],
        ]
        for p in programmes
        for ligne in p["lignes"]
    ]
    montants = tuple(range(3, len(entetes)))
    return reponse_liste(
        format_, "enveloppes", "Enveloppes régionales", entetes, lignes, montants=montants
    )


def fichier_syntheses(format_: str, annee: int, lignes: list[dict]):
    """The syntheses page's table: programme, région, dossiers retained and commented."""
    entetes = ["Programme", "Région", "Dossiers retenus", "Commentés par le CMSI"]
    rangees = []
    for ligne in lignes:
        region = ligne["enveloppe"].region
        libelle = f"{region.nom} ({region.code})"
        if region.region_actuelle_id:
            libelle += f" — {region.region_actuelle.nom}"
        rangees.append(
            [ligne["enveloppe"].programme.code, libelle, ligne["dossiers"], ligne["commentaires"]]
        )
    return reponse_liste(format_, f"syntheses-{annee}", f"Synthèses {annee}", entetes, rangees)
