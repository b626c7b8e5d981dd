"""The bilan as a published document: its charts (inline SVG, drawn on the server), its HTML
(``templates/pilotage/bilan_pdf.html``, the print layout of the annual synthesis:
``dossiers/impression/_document.html``, ``hn/impression.css``, ``hn/pdf.css``) and its PDF
(``hn.pdf.html_vers_pdf``, WeasyPrint).

The bilan holds aggregates only (a row per statut, activité, year, domaine, prérequis and, for
the national one, per région): it renders in the request, in well under a second.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.formats import date_format

from enveloppes import graphiques
from enveloppes.regles import euros
from hn import formats
from hn.pdf import html_vers_pdf
from pilotage.bilan import MONTANTS, Bilan

GABARIT = "pilotage/bilan_pdf.html"


def millions(montant) -> str:
    """A headline amount: ``44,2 M€`` from a million on, else ``850 k€`` / ``12 €``."""
    m = Decimal(montant)
    if abs(m) >= 1_000_000:
        return f"{formats.nombre(m / 1_000_000, decimales=1)}{formats.ESPACE}M€"
    if abs(m) >= 1_000:
        return f"{formats.nombre(m / 1_000, decimales=0)}{formats.ESPACE}k€"
    return formats.euros(m, centimes=False)


# --- per-year chart: vertical bars, engaged and paid side by side ------------------------------

LARGEUR, HAUTEUR = 720, 260
MARGE_BAS, MARGE_HAUT, MARGE_GAUCHE = 40, 30, 20
SERIES = (
    ("engage", "Attribué dans l'année", "#000091"),
    ("verse", "Versé dans l'année", "#18753c"),
)


@dataclass(frozen=True)
class Colonne:
    libelle: str
    x: str
    y: str
    largeur: str
    hauteur: str
    couleur: str
    texte: str
    titre: str
    x_texte: str
    y_texte: str


@dataclass(frozen=True)
class Histogramme:
    ident: str
    titre: str
    description: str
    largeur: int
    hauteur: int
    colonnes: tuple[Colonne, ...]
    annees: tuple[tuple[str, str], ...]  # (year, x of its label)
    y_axe: str
    legende: tuple[tuple[str, str], ...]

    @property
    def taille(self) -> tuple[str, str]:
        return taille(self.largeur, self.hauteur)


def _n(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


LARGEUR_MM = 170  # the printable width of an A4 page in portrait (hn/impression.css margins)


def taille(largeur: int, hauteur: int) -> tuple[str, str]:
    """An SVG's size on the page, in mm: the printable width, its own proportions (WeasyPrint
    does not derive an ``auto`` height from the viewBox)."""
    return f"{LARGEUR_MM}mm", f"{LARGEUR_MM * hauteur / largeur:.1f}mm"


def histogramme_annees(bilan: Bilan, ident: str = "bilan-annees") -> Histogramme:
    annees = bilan.par_annee
    zone = HAUTEUR - MARGE_BAS - MARGE_HAUT
    echelle = max([Decimal(1), *(max(a.engage, a.verse) for a in annees)])
    pas = (LARGEUR - MARGE_GAUCHE) / max(len(annees), 1)
    barre = min(pas * 0.38, 60)
    colonnes, etiquettes, phrases = [], [], []
    for i, a in enumerate(annees):
        x0 = MARGE_GAUCHE + i * pas + (pas - 2 * barre) / 2
        etiquettes.append((str(a.annee), _n(MARGE_GAUCHE + i * pas + pas / 2)))
        for j, (attr, libelle, couleur) in enumerate(SERIES):
            valeur = getattr(a, attr)
            h = float(max(valeur, Decimal(0)) / echelle) * zone
            x = x0 + j * barre
            colonnes.append(
                Colonne(
                    libelle=libelle,
                    x=_n(x),
                    y=_n(MARGE_HAUT + zone - h),
                    largeur=_n(barre - 2),
                    hauteur=_n(h),
                    couleur=couleur,
                    texte=graphiques.compact(valeur),
                    titre=f"{a.annee} — {libelle} : {euros(valeur)}",
                    x_texte=_n(x + barre / 2 - 1),
                    y_texte=_n(MARGE_HAUT + zone - h - 4),
                )
            )
        phrases.append(f"{a.annee} : attribué {euros(a.engage)}, versé {euros(a.verse)}")
    return Histogramme(
        ident=ident,
        titre="Montants attribués et versés par année",
        description=("; ".join(phrases) or "Aucun montant") + ".",
        largeur=LARGEUR,
        hauteur=HAUTEUR,
        colonnes=tuple(colonnes),
        annees=tuple(etiquettes),
        y_axe=_n(MARGE_HAUT + zone),
        legende=tuple((libelle, couleur) for _, libelle, couleur in SERIES),
    )


# --- the document -------------------------------------------------------------------------------


def titre(bilan: Bilan) -> str:
    per = bilan.perimetre
    lieu = "national" if per.national else per.libelle
    return f"Bilan {per.programme.code} — {lieu}"


def nom_fichier(bilan: Bilan) -> str:
    per = bilan.perimetre
    return f"bilan-{per.programme.code}-{per.code}-{bilan.extrait_le:%Y%m%d}.pdf"


def contexte(bilan: Bilan) -> dict:
    statut = graphiques.par_ligne(
        "bilan-statut", "Montants attribués par statut juridique", bilan.par_statut
    )
    regions = (
        graphiques.par_ligne("bilan-regions", "Montants attribués par région", bilan.par_region)
        if bilan.par_region
        else None
    )
    return {
        "b": bilan,
        "per": bilan.perimetre,
        "titre": titre(bilan),
        "extrait_le": date_format(bilan.extrait_le, "d/m/Y à H:i"),
        "lignes_montants": [
            (libelle, valeur) for (_, libelle), valeur in zip(MONTANTS, bilan.valeurs, strict=True)
        ],
        "attribue": millions(bilan.compteurs.engage),
        "verse": millions(bilan.compteurs.consomme),
        "enveloppe": millions(bilan.enveloppe),
        "histogramme": histogramme_annees(bilan),
        "graphique_statut": statut,
        "taille_statut": taille(statut.largeur, statut.hauteur),
        "graphique_regions": regions,
        "taille_regions": taille(regions.largeur, regions.hauteur) if regions else None,
    }


def html(bilan: Bilan) -> str:
    return render_to_string(GABARIT, contexte(bilan))


def pdf(bilan: Bilan) -> bytes:
    return html_vers_pdf(html(bilan))
