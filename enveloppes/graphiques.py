"""Charts of the envelope pages, drawn on the server as inline SVG (no JavaScript, no CDN).

Pure geometry over the figures: a chart is a dataclass whose coordinates are already formatted
strings (templates never format a float: the French locale would write ``12,5``), rendered by
``templates/enveloppes/_barres.html`` and ``_anneau.html``. Each chart carries a title and a
description giving every value in words (``<title>``/``<desc>`` of an ``role="img"`` SVG), and
the page puts the table of the same figures next to it.

Colours: the DSFR's blue France for amorçage, a lighter blue for usage, green for what is
available, grey for the envelope; every value is also written next to its bar, so colour is
never the only carrier of the information.
"""

import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal

from enveloppes.regles import euros
from hn import formats

COULEURS = {
    "amorcage": "#000091",
    "usage": "#6a6af4",
    "disponible": "#18753c",
    "total": "#666666",
    "reste": "#cacafb",
}
LIBELLES = {
    "amorcage": "Amorçage",
    "usage": "Usage",
    "disponible": "Disponible",
    "total": "Enveloppe",
    "reste": "Reste sous le plafond",
}

LARGEUR = 720
MARGE_GAUCHE = 220  # labels (30 characters)
MARGE_DROITE = 110  # value after the bar
HAUTEUR_BARRE = 22
PAS = 34
HAUT = 12


def _n(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def compact(montant) -> str:
    """Short French amount for a chart label: ``12,1 M€``, ``850 k€``, ``0 €``."""
    m = Decimal(montant)
    if abs(m) >= 1_000_000:
        return f"{m / 1_000_000:.1f}".replace(".", ",") + "\u00a0M€"
    if abs(m) >= 1_000:
        return f"{m / 1_000:.0f}" + "\u00a0k€"
    return f"{m:.0f}\u00a0€"


@dataclass(frozen=True)
class Segment:
    serie: str
    libelle: str
    valeur: Decimal
    x: str
    largeur: str
    couleur: str
    lien: str = ""  # the filtered list behind the value (a pilotage chart), or nothing
    texte: str = ""  # the value in words, for the bar's tooltip


@dataclass(frozen=True)
class Barre:
    libelle: str
    libelle_court: str
    segments: tuple[Segment, ...]
    texte: str
    y: str
    y_texte: str
    x_texte: str


@dataclass(frozen=True)
class Graphique:
    ident: str
    titre: str
    description: str
    largeur: int
    hauteur: int
    hauteur_barre: int
    x_libelle: str
    barres: tuple[Barre, ...]
    legende: tuple[tuple[str, str], ...]  # (label, colour)

    @property
    def liens(self) -> bool:
        """Whether its segments are links (then a labelled group, not an image)."""
        return any(s.lien for b in self.barres for s in b.segments)

    @property
    def empreinte(self) -> str:
        """The hash of everything the chart draws: the key of its rendered fragment
        (``{% cache … g.empreinte %}``), which a change of any figure changes."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def barres(
    ident: str,
    titre: str,
    lignes,
    *,
    series=None,
    couleurs=None,
    libelles=None,
    dire=euros,
    court=compact,
    echelle=None,
) -> Graphique:
    """Horizontal bars, stacked: ``lignes`` = [(label, [(serie, value[, link]), ...]), ...];
    the bar lengths share one scale (the longest bar fills the width, or ``echelle``).

    Amounts by default; ``dire`` (the description's words) and ``court`` (the label after
    the bar) format other values (counts, shares), ``couleurs``/``libelles`` name other
    series; a segment's link makes it clickable (the pilotage dashboards)."""
    couleurs = {**COULEURS, **(couleurs or {})}
    libelles = {**LIBELLES, **(libelles or {})}
    zone = LARGEUR - MARGE_GAUCHE - MARGE_DROITE
    totaux = [
        sum((max(Decimal(seg[1]), Decimal(0)) for seg in segs), Decimal(0)) for _, segs in lignes
    ]
    echelle = Decimal(echelle) if echelle else max([*totaux, Decimal(1)])
    barres_, phrases, vues = [], [], []
    for i, ((libelle, segs), total) in enumerate(zip(lignes, totaux, strict=True)):
        y = HAUT + i * PAS
        x = float(MARGE_GAUCHE)
        segments = []
        for serie, valeur, *lien in segs:
            valeur = Decimal(valeur)
            largeur = float(max(valeur, Decimal(0)) / echelle) * zone
            segments.append(
                Segment(
                    serie,
                    libelles.get(serie, serie),
                    valeur,
                    _n(x),
                    _n(largeur),
                    couleurs.get(serie, "#666666"),
                    lien[0] if lien else "",
                    "" if dire is euros else dire(valeur),
                )
            )
            x += largeur
            if serie not in vues:
                vues.append(serie)
        barres_.append(
            Barre(
                libelle=libelle,
                libelle_court=libelle if len(libelle) <= 30 else libelle[:29].rstrip() + "…",
                segments=tuple(segments),
                texte=court(total),
                y=_n(y),
                y_texte=_n(y + HAUTEUR_BARRE / 2 + 5),
                x_texte=_n(x + 6),
            )
        )
        detail = ", ".join(f"{s.libelle.lower()} {dire(s.valeur)}" for s in segments)
        phrases.append(f"{libelle} : {dire(total)}" + (f" ({detail})" if len(segments) > 1 else ""))
    return Graphique(
        ident=ident,
        titre=titre,
        description=" ; ".join(phrases) + ".",
        largeur=LARGEUR,
        hauteur=HAUT * 2 + max(len(lignes), 1) * PAS,
        hauteur_barre=HAUTEUR_BARRE,
        x_libelle=_n(MARGE_GAUCHE - 8),
        barres=tuple(barres_),
        legende=tuple((libelles.get(s, s), couleurs.get(s, "#666666")) for s in (series or vues)),
    )


def montants(ident: str, situation) -> Graphique:
    """Envelope, engaged and consumed (amorçage / usage), available."""
    s = situation
    return barres(
        ident,
        "Montants de l'enveloppe : engagé, consommé et disponible",
        [
            ("Enveloppe totale", [("total", s.total)]),
            ("Engagé", [("amorcage", s.engage_amorcage), ("usage", s.engage_usage)]),
            ("Consommé", [("amorcage", s.consomme_amorcage), ("usage", s.consomme_usage)]),
            ("Disponible", [("disponible", s.disponible)]),
        ],
        series=["total", "amorcage", "usage", "disponible"],
    )


def plafond(ident: str, situation) -> Graphique:
    """The amorçage decided against its cap (20 % of the envelope)."""
    s = situation
    graphique = barres(
        ident,
        "Amorçage décidé et plafond d'amorçage",
        [
            (
                "Plafond d'amorçage",
                [
                    ("amorcage", s.engage_amorcage),
                    ("reste", max(s.amorcage_disponible, Decimal(0))),
                ],
            )
        ],
    )
    return graphique


def par_ligne(ident: str, titre: str, lignes) -> Graphique:
    """Engaged amorçage and usage per statut / activité (``tableaux.Ligne``)."""
    return barres(
        ident,
        titre,
        [
            (
                lig.libelle,
                [
                    ("amorcage", lig.compteurs.engage_amorcage),
                    ("usage", lig.compteurs.engage_usage),
                ],
            )
            for lig in lignes
        ],
        series=["amorcage", "usage"],
    )


def regions(ident: str, titre: str, lignes) -> Graphique:
    """National page: each région's envelope split into engaged (amorçage, usage) and
    available; ``lignes`` = [(label, situation), ...]."""
    return barres(
        ident,
        titre,
        [
            (
                libelle,
                [
                    ("amorcage", s.engage_amorcage),
                    ("usage", s.engage_usage),
                    ("disponible", s.disponible),
                ],
            )
            for libelle, s in lignes
        ],
        series=["amorcage", "usage", "disponible"],
    )


# --- donut ----------------------------------------------------------------------------------------

RAYON = 62
EPAISSEUR = 30
CENTRE = 90


@dataclass(frozen=True)
class Arc:
    serie: str
    libelle: str
    valeur: Decimal
    part: str  # percentage, French
    trait: str  # stroke-dasharray
    decalage: str  # stroke-dashoffset
    couleur: str


@dataclass(frozen=True)
class Anneau:
    ident: str
    titre: str
    description: str
    arcs: tuple[Arc, ...]
    centre: str
    centre_libelle: str
    rayon: int = RAYON
    epaisseur: int = EPAISSEUR
    cx: int = CENTRE


def anneau(ident: str, titre: str, parts, *, centre_libelle: str) -> Anneau:
    """A donut of ``parts`` = [(serie, value), ...] (stroke-dasharray on one circle each)."""
    total = sum((max(Decimal(v), Decimal(0)) for _, v in parts), Decimal(0))
    circonference = 2 * math.pi * RAYON
    arcs, fait = [], 0.0
    for serie, valeur in parts:
        valeur = Decimal(valeur)
        fraction = float(max(valeur, Decimal(0)) / total) if total else 0.0
        longueur = fraction * circonference
        arcs.append(
            Arc(
                serie,
                LIBELLES.get(serie, serie),
                valeur,
                formats.pourcentage(fraction * 100, decimales=1),
                f"{longueur:.2f} {circonference - longueur:.2f}",
                f"{-fait:.2f}",
                COULEURS.get(serie, "#666666"),
            )
        )
        fait += longueur
    if total:
        description = (
            f"{centre_libelle} : {euros(total)}, dont "
            + " et ".join(f"{a.libelle.lower()} {euros(a.valeur)} ({a.part})" for a in arcs)
            + "."
        )
    else:
        description = f"{centre_libelle} : aucun montant."
    return Anneau(
        ident=ident,
        titre=titre,
        description=description,
        arcs=tuple(arcs) if total else (),
        centre=compact(total),
        centre_libelle=centre_libelle,
    )


def repartition(ident: str, situation, *, volet: str = "engage") -> Anneau:
    """Amorçage versus usage of the engaged (or consumed) amount."""
    s = situation
    libelle = "Engagé" if volet == "engage" else "Consommé"
    return anneau(
        ident,
        f"{libelle} : répartition entre amorçage et usage",
        [("amorcage", getattr(s, f"{volet}_amorcage")), ("usage", getattr(s, f"{volet}_usage"))],
        centre_libelle=libelle,
    )
