"""The SVG charts' geometry (pure): one scale per chart, values in words for screen readers,
French short labels, donut arcs covering the circle."""

import math
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enveloppes import graphiques, regles
from enveloppes.tableaux import Ligne

NB = "\u00a0"


def situation(**montants) -> regles.Situation:
    c = regles.Compteurs(**{k: D(v) for k, v in montants.items()})
    return regles.situation(D(1_000_000), c)


@pytest.mark.parametrize(
    ("montant", "texte"),
    [
        (0, f"0{NB}€"),
        (D("999.49"), f"999{NB}€"),
        (1_000, f"1{NB}k€"),
        (D("850400"), f"850{NB}k€"),
        (1_000_000, f"1,0{NB}M€"),
        (D("49777000"), f"49,8{NB}M€"),
    ],
)
def test_compact_labels_are_french(montant, texte):
    assert graphiques.compact(montant) == texte


def test_bars_share_one_scale_and_stack_their_segments():
    s = situation(
        engage=400_000, engage_amorcage=100_000, consomme_amorcage=50_000, consomme_usage=25_000
    )
    g = graphiques.montants("g", s)
    zone = graphiques.LARGEUR - graphiques.MARGE_GAUCHE - graphiques.MARGE_DROITE
    total, engage, consomme, disponible = g.barres
    assert [b.libelle for b in g.barres] == ["Enveloppe totale", "Engagé", "Consommé", "Disponible"]
    # The envelope (the longest bar) fills the zone; the others are in proportion.
    assert float(total.segments[0].largeur) == zone
    amorcage, usage = engage.segments
    assert (amorcage.serie, usage.serie) == ("amorcage", "usage")
    assert float(amorcage.largeur) == pytest.approx(zone * 0.1, abs=0.1)
    assert float(usage.largeur) == pytest.approx(zone * 0.3, abs=0.1)
    # Stacked: the usage segment starts where the amorçage one ends.
    assert float(usage.x) == pytest.approx(float(amorcage.x) + float(amorcage.largeur), abs=0.1)
    assert [float(seg.largeur) for seg in consomme.segments] == pytest.approx(
        [zone * 0.05, zone * 0.025], abs=0.1
    )
    assert float(disponible.segments[0].largeur) == pytest.approx(zone * 0.6, abs=0.1)
    assert engage.texte == f"400{NB}k€"
    assert [libelle for libelle, _ in g.legende] == ["Enveloppe", "Amorçage", "Usage", "Disponible"]
    # Every value in words (the SVG's <desc>), to the cent.
    assert g.description == (
        f"Enveloppe totale : 1{NB}000{NB}000,00{NB}€ ; "
        f"Engagé : 400{NB}000,00{NB}€ (amorçage 100{NB}000,00{NB}€, usage 300{NB}000,00{NB}€) ; "
        f"Consommé : 75{NB}000,00{NB}€ (amorçage 50{NB}000,00{NB}€, usage 25{NB}000,00{NB}€) ; "
        f"Disponible : 600{NB}000,00{NB}€."
    )


def test_an_empty_envelope_draws_zero_width_bars_without_dividing_by_zero():
    g = graphiques.barres("g", "Vide", [("A", [("amorcage", 0), ("usage", 0)])])
    assert [s.largeur for s in g.barres[0].segments] == ["0", "0"]
    assert g.barres[0].texte == f"0{NB}€"


def test_coordinates_are_never_localised():
    g = graphiques.montants("g", situation(engage=D("333333.33")))
    for barre in g.barres:
        for s in barre.segments:
            assert "," not in s.x + s.largeur
            float(s.x), float(s.largeur)


def test_long_labels_are_shortened_in_the_chart_but_complete_in_the_description():
    lignes = [
        Ligne(
            "clcc",
            "Centre de lutte contre le cancer (CLCC)",
            regles.Compteurs(engage=D(10), engage_amorcage=D(4)),
        )
    ]
    g = graphiques.par_ligne("g", "Par statut", lignes)
    assert g.barres[0].libelle_court == "Centre de lutte contre le can…"
    assert "Centre de lutte contre le cancer (CLCC) : 10,00" in g.description


def test_donut_arcs_cover_the_circle_in_proportion():
    a = graphiques.repartition("a", situation(engage=1000, engage_amorcage=250))
    circonference = 2 * math.pi * graphiques.RAYON
    amorcage, usage = a.arcs
    longueurs = [float(arc.trait.split()[0]) for arc in a.arcs]
    assert longueurs[0] == pytest.approx(circonference / 4, abs=0.01)
    assert sum(longueurs) == pytest.approx(circonference, abs=0.02)
    assert float(usage.decalage) == pytest.approx(-longueurs[0], abs=0.01)
    assert (amorcage.part, usage.part) == (f"25,0{NB}%", f"75,0{NB}%")
    assert a.centre == f"1{NB}k€"
    assert a.description == (
        f"Engagé : 1{NB}000,00{NB}€, dont amorçage 250,00{NB}€ (25,0{NB}%) et usage "
        f"750,00{NB}€ (75,0{NB}%)."
    )


def test_an_empty_donut_says_so():
    a = graphiques.repartition("a", situation(), volet="consomme")
    assert a.arcs == ()
    assert a.description == "Consommé : aucun montant."


# --- amounts to the euro on the envelope list -------------------------------------------------


@given(
    st.one_of(
        st.decimals(
            min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False
        ),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.sampled_from([D("0.5"), D("-0.5"), D("-0.49"), D("999.5"), D("1000"), None]),
    )
)
def test_euros_arrondis_is_floatformat_0g(montant):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("fr"):
        rendu = Template(
            '{% load enveloppes_tags %}{{ m|euros_arrondis }}|{{ m|floatformat:"0g" }}'
        ).render(Context({"m": montant}))
    rapide, general = rendu.split("|")
    assert rapide == general


def test_a_chart_is_rendered_once_per_content():
    """The rendered SVG is cached under the hash of what it draws: a change of one cent draws
    a new chart, the same figures reuse the fragment."""
    from django.template.loader import render_to_string

    def rendu(valeur):
        g = graphiques.barres("g", "Titre", [("Région A", [("amorcage", valeur), ("usage", 5)])])
        return g.empreinte, render_to_string("enveloppes/_barres.html", {"g": g, "table": "t"})

    avant, html = rendu(D("100.00"))
    assert rendu(D("100.00")) == (avant, html)
    apres, autre = rendu(D("100.01"))
    assert apres != avant
    assert 'data-valeur="100.01"' in autre and 'data-valeur="100.00"' in html
