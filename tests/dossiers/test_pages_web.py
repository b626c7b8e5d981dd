import re

import pytest
from django.urls import reverse

from dossiers.enums import Etat
from dossiers.models import Dossier
from dossiers.saisie import enregistrer_saisie
from tests import dossiers_factories as d
from tests import factories as f
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _page(dossier, slug):
    return reverse("dossiers:page", args=[dossier.numero, slug])


def test_list_query_count_does_not_grow_with_rows(client):
    valideur = f.ars_valideur("84")
    client.force_login(valideur)
    d.en_saisie(valideur=valideur)
    peu, response = count_queries(client.get, reverse("dossiers:liste"))
    assert response.status_code == 200
    for _ in range(12):
        d.en_saisie(valideur=valideur)
    beaucoup, response = count_queries(client.get, reverse("dossiers:liste"))
    assert response.content.decode().count("/pages/") == 0  # rows link to the dossier
    assert len(re.findall(r'href="/dossiers/84-\d{8}-\d{3}/"', response.content.decode())) == 13
    assert peu == beaucoup


def test_saving_a_page_and_moving_on_saves_then_redirects_to_the_target_page(client):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    client.force_login(gestionnaire)
    codes = list(dossier.programme.engagements.values_list("code", flat=True))
    response = client.post(
        _page(dossier, "engagements"), {"engagements": codes, "aller": "contacts"}
    )
    assert response.status_code == 302
    assert response["Location"] == _page(dossier, "contacts")
    assert sorted(Dossier.objects.get(pk=dossier.pk).engagements) == sorted(codes)


def test_a_page_with_one_invalid_value_saves_nothing_and_says_why(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    prerequis = dossier.programme.prerequis.first()
    indicateurs = list(prerequis.indicateurs.filter(type="taux"))
    data = {f"indicateurs.{i.code}": "50" for i in indicateurs}
    data[f"indicateurs.{indicateurs[0].code}"] = "150"
    response = client.post(_page(dossier, f"prerequis-{prerequis.code}"), data)
    assert response.status_code == 200
    assert "La valeur doit être entre 0 et 100." in response.content.decode()
    valeurs = {v.indicateur.code: v.valeur for v in dossier.valeurs.select_related("indicateur")}
    assert all(str(valeurs[i.code]) == "95.00" for i in indicateurs)


def test_pages_shift_when_a_domaine_is_started(client):
    dossier, gestionnaire = d.complet(domaines=("D2",))
    client.force_login(gestionnaire)
    response = client.get(_page(dossier, "couts"))
    nb_prerequis = dossier.programme.prerequis.count()
    # 4 fixed pages, the prérequis pages, the project page, D2's page, then the costs.
    assert f"Page {4 + nb_prerequis + 3} — Coût du projet" in response.content.decode()


def test_ars_never_receives_data_being_typed_in_html(client):
    dossier = d.depose()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    valideur = d.valideur_de(dossier)
    from dossiers import actions

    actions.reporter(dossier=dossier, commentaire="Compléter.", acting_user=valideur)
    enregistrer_saisie(
        dossier=dossier,
        data={"motivation": "MARQUEUR-EN-COURS-DE-SAISIE"},
        acting_user=gestionnaire,
    )
    client.force_login(valideur)
    for slug in ("projet", "engagements"):
        html = client.get(_page(dossier, slug)).content.decode()
        assert "MARQUEUR-EN-COURS-DE-SAISIE" not in html
    assert (
        "Direction et communauté médicale impliquées."
        in client.get(_page(dossier, "projet")).content.decode()
    )
    client.force_login(gestionnaire)
    assert "MARQUEUR-EN-COURS-DE-SAISIE" in client.get(_page(dossier, "projet")).content.decode()


def test_never_deposited_dossier_shows_no_content_to_the_ars(client):
    dossier = d.en_saisie()
    client.force_login(d.valideur_de(dossier))
    html = client.get(_page(dossier, "projet")).content.decode()
    assert "pas encore été déposé" in html


def test_deposit_page_lists_missing_fields_with_links_and_changes_nothing(client):
    dossier = d.en_saisie()
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    client.force_login(gestionnaire)
    response = client.post(reverse("dossiers:deposer", args=[dossier.numero]), follow=True)
    html = response.content.decode()
    assert "ne peut pas être déposé" in html
    assert f'href="{_page(dossier, "engagements")}"' in html
    assert Dossier.objects.get(pk=dossier.pk).etat == Etat.EN_SAISIE
    assert not dossier.depots.exists()


def test_read_only_roles_cannot_post_a_page(client):
    dossier = d.en_saisie()
    client.force_login(f.es_lecteur(dossier.etablissement))
    assert client.post(_page(dossier, "engagements"), {}).status_code == 403
    client.force_login(d.valideur_de(dossier))
    assert client.post(_page(dossier, "engagements"), {}).status_code == 403


def test_ars_dashboard_counts_states(client):
    valideur = f.ars_valideur("84")
    d.en_saisie(valideur=valideur)
    d.depose()
    client.force_login(valideur)
    tableau = client.get(reverse("dossiers:liste")).context["tableau"]
    compte = {v: n for v, _, n in tableau["etats"]}
    assert compte["en_saisie"] == 1
    assert compte["depose"] == 1
    assert tableau["total"] == 2


def test_second_editor_is_told_who_else_has_the_dossier_open(client):
    from django.core.cache import cache

    cache.clear()
    dossier = d.en_saisie()
    premiere = f.es_gestionnaire(dossier.etablissement)
    premiere.first_name, premiere.last_name = "Élise", "Première"
    premiere.save()
    seconde = f.es_gestionnaire(dossier.etablissement)
    client.force_login(premiere)
    assert "autres-editeurs" not in client.get(_page(dossier, "engagements")).content.decode()
    client.force_login(seconde)
    html = client.get(_page(dossier, "engagements")).content.decode()
    assert "Élise Première a aussi ce dossier ouvert en saisie" in html
    # A reader (ARS) neither records a presence nor is told.
    client.force_login(d.valideur_de(dossier))
    assert "autres-editeurs" not in client.get(_page(dossier, "engagements")).content.decode()


def test_attachment_names_in_the_history_are_reserved_to_the_etablissement(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.pieces import ajouter_piece

    dossier, gestionnaire = d.complet()
    ajouter_piece(
        dossier=dossier,
        fichier=SimpleUploadedFile("NOM-SECRET-7Q.pdf", d.PDF_MINIMAL, "application/pdf"),
        categorie="document_projet",
        acting_user=gestionnaire,
    )
    url = f"/api/v1/dossiers/{dossier.numero}/historique/"
    client.force_login(gestionnaire)
    assert "NOM-SECRET-7Q" in client.get(url).content.decode()
    for lecteur in (d.valideur_de(dossier), f.lecteur_national()):
        client.force_login(lecteur)
        assert "NOM-SECRET-7Q" not in client.get(url).content.decode()
        page = client.get(reverse("dossiers:historique", args=[dossier.numero]))
        assert "NOM-SECRET-7Q" not in page.content.decode()
        assert "NOM-SECRET-7Q" not in client.get("/journal/").content.decode()


def test_proof_upload_list_replace_delete_on_a_prerequis_page(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    url_page = _page(dossier, "prerequis-P1")
    ajouter = reverse("dossiers:piece_ajouter", args=[dossier.numero])
    response = client.post(
        ajouter,
        {
            "retour": "prerequis-P1",
            "categorie": "justificatif_prerequis",
            "prerequis": "P1",
            "fichier": SimpleUploadedFile("preuve-p1.pdf", d.PDF_MINIMAL, "application/pdf"),
        },
    )
    assert response.status_code == 302 and response["Location"] == url_page
    html = client.get(url_page).content.decode()
    assert "Justificatifs du prérequis P1 (1)" in html
    assert "preuve-p1.pdf" in html
    # Not listed on another prérequis page.
    assert "preuve-p1.pdf" not in client.get(_page(dossier, "prerequis-P2")).content.decode()
    piece = dossier.pieces.get()
    # A fake PDF is refused with a French message; the stored one is untouched.
    response = client.post(
        reverse("dossiers:piece_remplacer", args=[dossier.numero, piece.pk]),
        {
            "retour": "prerequis-P1",
            "fichier": SimpleUploadedFile("faux.pdf", b"MZ\x90\x00binaire", "application/pdf"),
        },
        follow=True,
    )
    assert "Seuls les fichiers PDF ou Word sont acceptés" in response.content.decode()
    assert dossier.pieces.filter(remplacee_par__isnull=True, supprimee_le__isnull=True).count() == 1
    response = client.post(
        reverse("dossiers:piece_supprimer", args=[dossier.numero, piece.pk]),
        {"retour": "prerequis-P1"},
        follow=True,
    )
    assert "Justificatifs du prérequis P1 (0)" in response.content.decode()


def test_ars_sees_only_deposited_proofs_on_the_page(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import actions
    from dossiers.pieces import ajouter_piece

    dossier, gestionnaire = d.complet()
    ajouter_piece(
        dossier=dossier,
        fichier=SimpleUploadedFile("deposee.pdf", d.PDF_MINIMAL, "application/pdf"),
        categorie="justificatif_prerequis",
        prerequis_code="P1",
        acting_user=gestionnaire,
    )
    actions.deposer(dossier=dossier, acting_user=gestionnaire)
    valideur = d.valideur_de(dossier)
    actions.reporter(dossier=dossier, commentaire="Compléter.", acting_user=valideur)
    ajouter_piece(
        dossier=dossier,
        fichier=SimpleUploadedFile("ajoutee-apres.pdf", d.PDF_MINIMAL, "application/pdf"),
        categorie="justificatif_prerequis",
        prerequis_code="P1",
        acting_user=gestionnaire,
    )
    client.force_login(valideur)
    html = client.get(_page(dossier, "prerequis-P1")).content.decode()
    assert "deposee.pdf" in html
    assert "ajoutee-apres.pdf" not in html
    assert "Joindre le fichier" not in html


def test_ars_page_comments_reach_the_es_in_every_state(client):
    dossier = d.refuse()
    valideur = d.valideur_de(dossier)
    client.force_login(valideur)
    response = client.post(
        reverse("dossiers:instruction", args=[dossier.numero]),
        {
            "etape": "commentaires_pages",
            "commentaire_etablissement": "Merci pour la clarté.",
            "commentaire_contacts": "Contact DSI à confirmer.",
        },
    )
    assert response.status_code == 302
    client.force_login(f.es_lecteur(dossier.etablissement))
    assert "Merci pour la clarté." in client.get(_page(dossier, "etablissement")).content.decode()
    assert "Contact DSI à confirmer." in client.get(_page(dossier, "contacts")).content.decode()
    # Through the API too, and refused to the ES.
    client.force_login(valideur)
    api = f"/api/v1/dossiers/{dossier.numero}/commentaires/"
    response = client.post(
        api, {"page": "contacts", "texte": "Vu."}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Dossier.objects.get(pk=dossier.pk).commentaire_ars_contacts == "Vu."
    client.force_login(f.es_gestionnaire(dossier.etablissement))
    assert (
        client.post(
            api, {"page": "contacts", "texte": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_page_menu_does_not_reveal_domaines_being_typed(client):
    from dossiers import actions

    dossier = d.depose(domaines=("D2",))
    valideur = d.valideur_de(dossier)
    actions.reporter(dossier=dossier, commentaire="Compléter.", acting_user=valideur)
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    enregistrer_saisie(
        dossier=dossier,
        data={
            "domaines": [
                {
                    "code": "D7",
                    "demande": True,
                    "avancement": "etude",
                    "date_cible": "2022-06-30",
                    "cout": "1",
                }
            ]
        },
        acting_user=gestionnaire,
    )
    client.force_login(valideur)
    html = client.get(_page(dossier, "engagements")).content.decode()
    assert "Indicateurs D2" in html
    assert "Indicateurs D7" not in html
    assert client.get(_page(dossier, "domaine-D7")).status_code == 404
    client.force_login(gestionnaire)
    assert "Indicateurs D7" in client.get(_page(dossier, "engagements")).content.decode()
    jamais = d.en_saisie()
    client.force_login(d.valideur_de(jamais))
    assert "Indicateurs" not in client.get(_page(jamais, "engagements")).content.decode()


def test_instruction_page_says_nothing_is_decided_before_the_cmsi_decides(client):
    """Issue 19 point 5: a « Dossier refusé » alert stood on the page of a dossier just
    deposited, before any decision; then « Dossier accepté » before the acceptance."""
    dossier = d.depose(code="HN")
    client.force_login(d.valideur_de(dossier))
    url = f"/dossiers/{dossier.numero}/instruction/"
    html = client.get(url).content.decode()
    assert "Dossier refusé" not in html and "Dossier accepté" not in html
    assert "Le dossier ne peut pas encore être accepté" in html
