"""Field-level input robustness (issue 17, item 6): one set of field types (hn.champs) read by
every action, serializer, form and view. Properties of the readers over any JSON value, then
each failure found by the attacker, through the real endpoint: 400 in API.md's shape (or the
page's own message) and nothing changed."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from dossiers.models import Dossier
from enveloppes.models import MouvementEnveloppe
from hn import champs
from hn.champs import ChampInvalide
from indicateurs.models import RapportSuivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a

API = "/api/v1/"
BOOLEEN = "Répondez par vrai ou faux (true ou false)."

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "1 234,56", "0001-01-01", "\x00"]),
    lambda enfants: st.lists(enfants, max_size=3) | st.dictionaries(st.text(), enfants, max_size=3),
    max_leaves=6,
)


# --- properties of the readers ------------------------------------------------------------


@given(JSON)
def test_booleen_takes_only_true_or_false(valeur):
    try:
        lu = champs.booleen(valeur)
    except ChampInvalide as exc:
        assert valeur is not True and valeur is not False
        assert exc.message == BOOLEEN
    else:
        assert lu is valeur


@given(JSON)
def test_texte_is_a_clean_bounded_string_or_refused(valeur):
    try:
        lu = champs.texte(valeur, longueur=50)
    except ChampInvalide as exc:
        assert exc.message
    else:
        assert isinstance(valeur, str) or valeur is None
        assert isinstance(lu, str) and len(lu) <= 50 and lu == lu.strip()
        assert not any(ord(c) < 32 and c not in "\n\t" for c in lu)


@given(JSON)
@settings(max_examples=300)
def test_decimal_is_finite_and_fits_its_column_or_refused(valeur):
    try:
        lu = champs.decimal(valeur, max_digits=6, decimal_places=2, minimum=0)
    except ChampInvalide as exc:
        assert exc.message
    else:
        assert lu is None or (lu.is_finite() and Decimal(0) <= lu <= Decimal("9999.99"))
        assert lu is None or lu == lu.quantize(Decimal("0.01"))


@given(JSON | st.dates())
def test_date_is_in_the_plausible_range_or_refused(valeur):
    try:
        lu = champs.date_saisie(valeur)
    except ChampInvalide as exc:
        assert exc.message
    else:
        assert lu is None or champs.DATE_MIN <= lu <= champs.DATE_MAX


@given(JSON)
def test_entier_is_a_bounded_int_or_refused(valeur):
    try:
        lu = champs.entier(valeur, minimum=2000, maximum=2100)
    except ChampInvalide as exc:
        assert exc.message
    else:
        assert lu is None or (type(lu) is int and 2000 <= lu <= 2100)


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [("1 234,56", Decimal("1234.56")), ("12\u202f000,5", Decimal("12000.5")), (3, Decimal(3))],
)
def test_decimal_reads_french_typing(valeur, attendu):
    assert champs.decimal(valeur, max_digits=12, decimal_places=2) == attendu


@pytest.mark.parametrize("valeur", ["1e400", 1e400, "NaN", "10000", "1.005", "-1", True])
def test_decimal_refuses_what_the_column_cannot_hold(valeur):
    with pytest.raises(ChampInvalide):
        champs.decimal(valeur, max_digits=6, decimal_places=2, minimum=0)


def test_dates_iso_in_the_api_french_where_pages_accept_it():
    assert champs.date_saisie("2022-08-20") == dt.date(2022, 8, 20)
    with pytest.raises(ChampInvalide, match="AAAA-MM-JJ"):
        champs.date_saisie("20/08/2022")
    assert champs.date_saisie("20/08/2022", francais=True) == dt.date(2022, 8, 20)
    assert champs.date_formulaire("20/08/2022") == "2022-08-20"
    for annee_hors_bornes in ("0001-01-01", "9999-12-31", "1999-12-31"):
        with pytest.raises(ChampInvalide, match="comprise entre le 01/01/2000 et le 31/12/2100"):
            champs.date_saisie(annee_hors_bornes)


def test_texte_normalises_newlines_and_refuses_control_characters():
    assert champs.texte("  a\r\nb\tc  ", longueur=10) == "a\nb\tc"
    for mauvais in ("a\x00b", "a\x1bb", "\ud800", {"a": 1}, ["a"], 5):
        with pytest.raises(ChampInvalide):
            champs.texte(mauvais, longueur=10)
    with pytest.raises(ChampInvalide):
        champs.texte("a\nb", longueur=10, multiligne=False)


@pytest.mark.parametrize(
    ("valeur", "coche"),
    [(None, False), ("on", True), ("true", True), ("1", True), ("", False), ("false", False)],
)
def test_a_checkbox_is_read_by_the_page(valeur, coche):
    donnees = {} if valeur is None else {"x": valeur}
    assert champs.case_cochee(donnees, "x") is coche
    assert champs.case_cochee({"x": "peut-être"}, "x") == "peut-être"  # for the action to refuse


class _Exemple(serializers.Serializer):
    actif = champs.BooleenStrict()
    nom = champs.TexteStrict(longueur=5)
    montant = champs.DecimalStrict(max_digits=6, decimal_places=2)
    le = champs.DateStricte()
    annee = champs.EntierStrict(minimum=2000, maximum=2100)


@given(st.dictionaries(st.sampled_from(["actif", "nom", "montant", "le", "annee"]), JSON))
def test_drf_fields_validate_or_report_never_crash(data):
    s = _Exemple(data=data)
    if s.is_valid():
        v = s.validated_data
        assert v["actif"] in (True, False) and isinstance(v["nom"], str)
    else:
        assert all(isinstance(m, str) for msgs in s.errors.values() for m in msgs)


def test_drf_fields_take_the_typed_values():
    data = {"actif": False, "nom": " abc ", "montant": "1 234,5", "le": "2022-01-31", "annee": 2022}
    s = _Exemple(data=data)
    assert s.is_valid(), s.errors
    assert s.validated_data == {
        "actif": False,
        "nom": "abc",
        "montant": Decimal("1234.5"),
        "le": dt.date(2022, 1, 31),
        "annee": 2022,
    }
    refus = _Exemple(data={**data, "actif": "false"})
    assert not refus.is_valid()
    assert refus.errors == {"actif": [BOOLEEN]}


# --- the attacker's cases, through the real endpoints ----------------------------------------


def _patch(client, user, dossier, body):
    client.force_login(user)
    return client.patch(f"{API}dossiers/{dossier.numero}/", body, content_type="application/json")


def _assert_400(response, champ, message=None):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str)
    assert champ in body["errors"], body
    if message:
        assert body["errors"][champ] == [message]


def _etat(dossier) -> tuple:
    dossier = Dossier.objects.get(pk=dossier.pk)
    domaines = sorted(dossier.domaines.values_list("domaine__code", "demande", "date_cible"))
    return (
        dossier.mutualise,
        dossier.partenaires,
        dossier.motivation,
        dossier.description_projet,
        domaines,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", ["false", "0", "non", "true", 0, 1, None, [], {}])
def test_mutualise_takes_only_json_booleans(client, valeur):
    dossier, gestionnaire = d.complet()
    avant = _etat(dossier)
    response = _patch(client, gestionnaire, dossier, {"mutualise": valeur})
    _assert_400(response, "mutualise", BOOLEEN)
    assert _etat(dossier) == avant


@pytest.mark.django_db
def test_mutualise_false_is_stored_false(client):
    dossier, gestionnaire = d.complet()
    assert _patch(client, gestionnaire, dossier, {"mutualise": True}).status_code == 200
    assert _patch(client, gestionnaire, dossier, {"mutualise": False}).status_code == 200
    assert Dossier.objects.get(pk=dossier.pk).mutualise is False


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", ["false", "0", "non", 1])
def test_a_domaine_demande_takes_only_json_booleans(client, valeur):
    dossier, gestionnaire = d.complet()
    avant = _etat(dossier)
    body = {"domaines": [{"code": "D5", "demande": valeur}]}
    _assert_400(_patch(client, gestionnaire, dossier, body), "domaines.D5.demande", BOOLEEN)
    assert _etat(dossier) == avant


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", [{"a": 1}, ["x"], 12, 1.5, True, "a\x00b", "x" * 10_001])
def test_text_fields_take_only_clean_strings(client, valeur):
    dossier, gestionnaire = d.complet()
    avant = _etat(dossier)
    _assert_400(_patch(client, gestionnaire, dossier, {"motivation": valeur}), "motivation")
    assert _etat(dossier) == avant


@pytest.mark.django_db
def test_a_contact_field_takes_only_a_string(client):
    dossier, gestionnaire = d.complet()
    contacts_avant = list(dossier.contacts.values_list("type", "nom").order_by("type"))
    body = {"contacts": [{"type": "contact", "nom": {"$gt": ""}}]}
    _assert_400(_patch(client, gestionnaire, dossier, body), "contacts.contact.nom")
    assert list(dossier.contacts.values_list("type", "nom").order_by("type")) == contacts_avant


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", ["0001-01-01", "9999-12-31", "2022-02-30", "20/08/2022", 2022])
def test_a_date_outside_the_plausible_range_is_refused(client, valeur):
    dossier, gestionnaire = d.complet()
    avant = _etat(dossier)
    body = {"domaines": [{"code": "D2", "date_cible": valeur}]}
    _assert_400(_patch(client, gestionnaire, dossier, body), "domaines.D2.date_cible")
    assert _etat(dossier) == avant


@pytest.mark.django_db
@pytest.mark.parametrize("montant", ['"1e400"', "1e400", '"NaN"', '"-1e400"', '{"a": 1}'])
def test_a_report_amount_that_is_no_finite_figure_is_a_400(client, montant):
    dossier = a.accepte_le((2022, 3, 1))
    corps = json.dumps(a.donnees(dossier)).replace('"125000.50"', montant)
    client.force_login(a.gestionnaire_de(dossier))
    avant = a.compte()
    with a.le(2022, 8, 20):
        response = client.post(
            f"{API}dossiers/{dossier.numero}/rapports/", corps, content_type="application/json"
        )
    _assert_400(response, "budget_engage")
    assert a.compte() == avant and not RapportSuivi.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("montant", ["1e400", "NaN", [1], "deux"])
def test_an_amorcage_amount_that_is_no_figure_is_a_400(client, montant):
    dossier = a.accepte_le((2022, 3, 1))
    client.force_login(d.valideur_de(dossier))
    avant = (a.compte(), list(MouvementEnveloppe.objects.values_list("pk", flat=True)))
    with a.le(2022, 4, 1):
        response = client.post(
            f"{API}dossiers/{dossier.numero}/amorcage/",
            {"montants": {"D2": montant}, "derogation": False},
            content_type="application/json",
        )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "errors"}
    assert (a.compte(), list(MouvementEnveloppe.objects.values_list("pk", flat=True))) == avant


@pytest.mark.django_db
def test_an_amorcage_derogation_takes_only_a_boolean(client):
    dossier = a.accepte_le((2022, 3, 1))
    client.force_login(d.valideur_de(dossier))
    avant = a.compte()
    with a.le(2022, 4, 1):
        response = client.post(
            f"{API}dossiers/{dossier.numero}/amorcage/",
            {"montants": {"D2": "1 000,50"}, "derogation": "false"},
            content_type="application/json",
        )
    _assert_400(response, "derogation", BOOLEEN)
    assert a.compte() == avant


@pytest.mark.django_db
def test_the_amorcage_reads_french_typing(client):
    dossier = a.accepte_le((2022, 3, 1))
    client.force_login(d.valideur_de(dossier))
    with a.le(2022, 4, 1):
        response = client.post(
            f"{API}dossiers/{dossier.numero}/amorcage/",
            {"montants": {"D2": "1 000,50"}},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert MouvementEnveloppe.objects.filter(dossier=dossier, montant=Decimal("1000.50")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("annee", ["0", "-5", "1e20", "deux", "99999999999999999999", "2022.0"])
def test_mouvements_year_filter_is_parsed_strictly(client, annee):
    client.force_login(f.ars_lecteur("84"))
    response = client.get(f"{API}enveloppes/HOPEN/84/mouvements/", {"annee": annee})
    _assert_400(
        response, "annee", "L'année doit être un nombre entre 2000 et 2100 (par exemple 2020)."
    )


@pytest.mark.django_db
def test_mouvements_year_filter_still_filters(client):
    client.force_login(f.ars_lecteur("84"))
    response = client.get(f"{API}enveloppes/HOPEN/84/mouvements/", {"annee": "2022"})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["programme", "etat", "region", "finess"])
def test_dossier_list_text_filters_refuse_control_characters(client, param):
    client.force_login(f.pilote_national())
    response = client.get(f"{API}dossiers/", {param: "a\x00b"})
    _assert_400(response, param)


@pytest.mark.django_db
def test_pages_ignore_an_unusable_filter(client):
    client.force_login(f.pilote_national())
    for params in ({"q": "a\x00b"}, {"etat": "\x00"}, {"tri": "\x00"}, {"page": "1e20"}):
        assert client.get("/dossiers/", params).status_code == 200
    assert client.get("/enveloppes/syntheses/", {"annee": "1e20"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("retour", ["x y", "https://evil.example/", "//evil.example", "../admin"])
def test_the_upload_page_goes_back_only_to_one_of_its_pages(client, retour):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    response = client.post(
        f"/dossiers/{dossier.numero}/pieces/ajouter/", {"retour": retour, "categorie": "autre"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{dossier.numero}/pages/engagements/"


@pytest.mark.django_db
def test_the_upload_page_goes_back_to_the_page_it_came_from(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    response = client.post(f"/dossiers/{dossier.numero}/pieces/ajouter/", {"retour": "projet"})
    assert response["Location"] == f"/dossiers/{dossier.numero}/pages/projet/"


@pytest.mark.django_db
def test_a_comment_that_is_no_string_is_a_400(client):
    dossier = d.depose()
    avant = Dossier.objects.get(pk=dossier.pk).commentaire_ars_decision
    client.force_login(d.valideur_de(dossier))
    response = client.post(
        f"{API}dossiers/{dossier.numero}/transitions/reporter/",
        {"commentaire": {"texte": "x"}},
        content_type="application/json",
    )
    _assert_400(response, "commentaire")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.etat, dossier.commentaire_ars_decision) == ("depose", avant)


@pytest.mark.django_db
def test_dossier_creation_fields_are_typed(client):
    etab = f.EtablissementFactory()
    client.force_login(f.ars_valideur(etab.region.code))
    avant = Dossier.objects.count()
    for body, champ in (
        ({"programme": "HOPEN", "finess": etab.finess, "nom": {"x": 1}}, "nom"),
        ({"programme": ["HOPEN"], "finess": etab.finess}, "programme"),
        ({"programme": "HOPEN", "finess": etab.finess, "demande": "1e20"}, "demande"),
        ({"programme": "HOPEN", "finess": etab.finess, "demande": True}, "demande"),
    ):
        response = client.post(f"{API}dossiers/", body, content_type="application/json")
        _assert_400(response, champ)
    assert Dossier.objects.count() == avant


@pytest.mark.django_db
@pytest.mark.parametrize("activite", ["1e400", "1e30", "NaN"])
def test_the_forfait_simulator_refuses_an_activity_out_of_proportion(client, activite):
    client.force_login(f.pilote_national())
    response = client.get(
        f"{API}programmes/HOPEN/forfait/", {"domaine": "D2", "activite_combinee": activite}
    )
    _assert_400(response, "activite_combinee")


@pytest.mark.django_db
def test_the_initialisation_page_tells_a_name_too_long_and_creates_nothing(client):
    etab = f.EtablissementFactory()
    client.force_login(f.ars_valideur(etab.region.code))
    response = client.post(
        "/dossiers/initialiser/", {"programme": "HOPEN", "finess": etab.finess, "nom": "x" * 201}
    )
    assert response.status_code == 200
    assert "Texte trop long (201 caractères, 200 au plus)." in response.content.decode()
    assert not Dossier.objects.exists()


def test_form_fields_share_the_readers():
    from django import forms

    class Formulaire(forms.Form):
        texte = champs.TexteFormulaire(longueur=5)
        montant = champs.DecimalFormulaire(max_digits=6, decimal_places=2, minimum=0)
        le = champs.DateFormulaire(francais=True)
        annee = champs.EntierFormulaire(minimum=2000, maximum=2100)

    ok = Formulaire({"texte": " ab ", "montant": "1 234,5", "le": "31/01/2022", "annee": "2022"})
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data == {
        "texte": "ab",
        "montant": Decimal("1234.5"),
        "le": dt.date(2022, 1, 31),
        "annee": 2022,
    }
    ko = Formulaire({"texte": "a\x00", "montant": "1e400", "le": "31/01/0001", "annee": "1e20"})
    assert not ko.is_valid()
    assert set(ko.errors) == {"texte", "montant", "le", "annee"}
