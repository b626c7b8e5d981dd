"""Issue 19: every form page, submitted with an invalid value, shows again every value that was
typed and the French message at its field; nothing is saved."""

import pytest
from django.urls import reverse

from dossiers.models import Contact, Dossier
from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import User
from tests import dossiers_factories as d
from tests.formulaires import document, message_au_champ, sans_erreur, valeur

pytestmark = pytest.mark.django_db


def _page(dossier, slug):
    return reverse("dossiers:page", args=[dossier.numero, slug])


def _contacts(dossier):
    return {c.type: (c.nom, c.fonction, c.email, c.telephone) for c in dossier.contacts.all()}


def test_contacts_page_keeps_what_was_typed_and_says_which_email_is_wrong(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    avant = _contacts(dossier)
    saisie = {
        "contacts.contact.nom": "Jeanne Martin",
        "contacts.contact.fonction": "Cheffe de projet",
        "contacts.contact.email": "jeanne.martin@",
        "contacts.contact.telephone": "04 00 00 00 01",
        "contacts.responsable_projet.nom": "Paul Durand",
        "contacts.responsable_projet.fonction": "DSI adjoint",
        "contacts.responsable_projet.email": "paul.durand@ch.test",
        "contacts.responsable_projet.telephone": "04 00 00 00 02",
        "commentaire_contacts": "Équipe complète.\nÀ jour.",
    }
    response = client.post(_page(dossier, "contacts"), {**saisie, "aller": "contacts"})
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in saisie.items():
        assert valeur(doc, nom) == tape, nom
    assert message_au_champ(doc, "contacts.contact.email") == "Adresse électronique invalide."
    assert sans_erreur(doc, "contacts.responsable_projet.email")
    assert _contacts(Dossier.objects.get(pk=dossier.pk)) == avant
    assert not Contact.objects.filter(nom="Jeanne Martin").exists()


def test_direction_page_keeps_what_was_typed_and_says_which_field_is_too_long(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    avant = _contacts(dossier)
    saisie = {
        "contacts.dsi.nom": "Luc Bernard",
        "contacts.dsi.fonction": "D" * 151,
        "contacts.dsi.email": "luc.bernard@ch.test",
        "contacts.dsi.telephone": "0400000003",
        "contacts.directeur.nom": "Anne Petit",
        "contacts.directeur.fonction": "Directrice",
        "contacts.directeur.email": "",
        "contacts.directeur.telephone": "",
    }
    response = client.post(_page(dossier, "direction"), saisie)
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in saisie.items():
        assert valeur(doc, nom) == tape, nom
    assert message_au_champ(doc, "contacts.dsi.fonction") == "150 caractères au plus."
    assert _contacts(Dossier.objects.get(pk=dossier.pk)) == avant


def test_etablissement_page_keeps_the_comment_and_says_what_is_wrong(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    tape = "Notre établissement\n" + "x" * 10_000
    response = client.post(_page(dossier, "etablissement"), {"commentaire_etablissement": tape})
    assert response.status_code == 200
    doc = document(response)
    assert valeur(doc, "commentaire_etablissement") == tape
    assert message_au_champ(doc, "commentaire_etablissement")
    assert Dossier.objects.get(pk=dossier.pk).commentaire_etablissement == ""


def test_engagements_page_keeps_the_ticked_boxes_and_says_what_is_wrong(client):
    dossier = d.en_saisie()
    gestionnaire = d.f.es_gestionnaire(dossier.etablissement)
    client.force_login(gestionnaire)
    codes = sorted(dossier.programme.engagements.values_list("code", flat=True))
    coches = codes[:1]
    response = client.post(_page(dossier, "engagements"), {"engagements": [*coches, "INCONNU"]})
    assert response.status_code == 200
    doc = document(response)
    for code in codes:
        assert valeur(doc, "engagements", valeur_case=code) is (code in coches), code
    message = message_au_champ(doc, "engagements", valeur_case=codes[0])
    assert message == "Engagement inconnu pour ce programme."
    assert doc.get_element_by_id("engagements").get("class").split() == [
        "fr-fieldset",
        "fr-fieldset--error",
    ]
    assert Dossier.objects.get(pk=dossier.pk).engagements == []


def _indicateurs_saisis(indicateurs, faux):
    """A posted indicator page: ``faux`` typed out of bounds, the others a value or n/a."""
    saisie, attendu = {}, {}
    for n, ind in enumerate(indicateurs):
        nom = f"indicateurs.{ind.code}"
        if ind.type == "existence":
            saisie[nom] = attendu[nom] = "non"
        elif ind is faux:
            saisie[nom] = attendu[nom] = "150"
        else:
            saisie[nom] = attendu[nom] = f"{40 + n}.5"
        if n % 2:
            saisie[f"{nom}.na"] = "on"
        attendu[f"{nom}.na"] = bool(n % 2)
    return saisie, attendu


def _valeurs(dossier):
    return {(v.indicateur.code, v.valeur, v.non_applicable) for v in dossier.valeurs.all()}


@pytest.mark.parametrize("page", ["prerequis", "domaine"])
def test_indicator_pages_keep_every_value_and_tick_and_say_which_is_wrong(client, page):
    dossier, gestionnaire = d.complet(domaines=("D2",))
    client.force_login(gestionnaire)
    if page == "prerequis":
        prerequis = dossier.programme.prerequis.first()
        indicateurs = list(prerequis.indicateurs.order_by("code"))
        slug = f"prerequis-{prerequis.code}"
    else:
        indicateurs = list(dossier.programme.indicateurs.filter(domaine__code="D2"))
        slug = "domaine-D2"
    faux = next(i for i in indicateurs if i.type != "existence")
    avant = _valeurs(dossier)
    saisie, attendu = _indicateurs_saisis(indicateurs, faux)
    response = client.post(_page(dossier, slug), saisie)
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in attendu.items():
        assert valeur(doc, nom) == tape, nom
    assert (
        message_au_champ(doc, f"indicateurs.{faux.code}") == "La valeur doit être entre 0 et 100."
    )
    assert _valeurs(Dossier.objects.get(pk=dossier.pk)) == avant


def _domaines(dossier):
    return {
        (dd.domaine.code, dd.demande, dd.avancement, dd.date_cible, dd.cout)
        for dd in dossier.domaines.select_related("domaine")
    }


def test_projet_page_keeps_every_value_and_says_which_date_is_wrong(client):
    dossier, gestionnaire = d.complet(domaines=("D2",))
    client.force_login(gestionnaire)
    avant = _domaines(dossier)
    codes = sorted(dossier.domaines.values_list("domaine__code", flat=True))
    saisie = {
        "mutualise": "on",
        "partenaires": "CH de Valence et CH de Romans",
        "description_projet": "Un DPI commun.",
        "motivation": "Toute la communauté médicale.",
    }
    attendu = {**saisie, "mutualise": True}
    for n, code in enumerate(codes):
        p = f"domaines.{code}"
        if n % 2 == 0:
            saisie[f"{p}.demande"] = "on"
        attendu[f"{p}.demande"] = n % 2 == 0
        saisie[f"{p}.avancement"] = attendu[f"{p}.avancement"] = "non_demarre"
        saisie[f"{p}.date_cible"] = attendu[f"{p}.date_cible"] = f"2024-0{n % 9 + 1}-15"
    saisie["domaines.D2.date_cible"] = attendu["domaines.D2.date_cible"] = "31/02/2024"
    response = client.post(_page(dossier, "projet"), saisie)
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in attendu.items():
        assert valeur(doc, nom) == tape, nom
    assert message_au_champ(doc, "domaines.D2.date_cible")
    assert "domaines.D2.date_cible :" not in response.content.decode()  # no raw key shown
    apres = Dossier.objects.get(pk=dossier.pk)
    assert _domaines(apres) == avant
    assert (apres.mutualise, apres.motivation) == (
        False,
        "Direction et communauté médicale impliquées.",
    )


def test_couts_page_keeps_every_amount_and_says_which_is_wrong(client):
    dossier, gestionnaire = d.complet(domaines=("D2", "D3"))
    client.force_login(gestionnaire)
    avant = _domaines(dossier)
    saisie = {"domaines.D2.cout": "-5", "domaines.D3.cout": "250000.50"}
    response = client.post(_page(dossier, "couts"), saisie)
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in saisie.items():
        assert valeur(doc, nom) == tape, nom
    assert message_au_champ(doc, "domaines.D2.cout") == "La valeur doit être ≥ 0."
    assert sans_erreur(doc, "domaines.D3.cout")
    assert _domaines(Dossier.objects.get(pk=dossier.pk)) == avant


# --- initialisation by the ARS ------------------------------------------------------------------


def test_initialisation_keeps_what_was_typed_and_says_which_finess_is_unknown(client):
    valideur = d.f.ars_valideur("84")
    client.force_login(valideur)
    saisie = {"programme": "HOPEN", "finess": "999999999", "nom": "Projet DPI commun"}
    response = client.post(reverse("dossiers:initialiser"), saisie)
    doc = document(response)
    for nom, tape in saisie.items():
        assert valeur(doc, nom) == tape, nom
    message = message_au_champ(doc, "finess")
    assert message == "Aucun établissement de votre région n’a ce numéro FINESS."
    assert sans_erreur(doc, "nom")
    assert not Dossier.objects.exists()


def test_initialisation_says_at_the_finess_that_a_dossier_is_already_open(client):
    dossier = d.en_saisie()
    client.force_login(d.valideur_de(dossier))
    saisie = {"programme": "HOPEN", "finess": dossier.etablissement.finess, "nom": "Deuxième"}
    response = client.post(reverse("dossiers:initialiser"), saisie)
    doc = document(response)
    assert valeur(doc, "nom") == "Deuxième"
    assert message_au_champ(doc, "finess") == "L'établissement a déjà un dossier HOPEN en cours."
    assert Dossier.objects.count() == 1


# --- accounts (Django forms through includes/form_fields.html) ----------------------------------


def _compte(etab, **extra):
    return {
        "username": "nouvel.agent",
        "first_name": "Noé",
        "last_name": "Agent",
        "email": "noe.agent@ch-vienne.fr",
        "password": "",
        "perimetre": Perimetre.ETABLISSEMENT,
        "finess": etab.finess,
        "region": "",
        "role": Role.ES_LECTEUR,
        **extra,
    }


@pytest.mark.parametrize(
    ("faux", "saisie", "message"),
    [
        ("email", {"email": "noe.agent@"}, "Saisissez une adresse e-mail valide."),
        ("username", {"username": "deja.la"}, "L'identifiant « deja.la » est déjà utilisé."),
        ("password", {"password": "azerty"}, None),
    ],
)
def test_account_creation_keeps_what_was_typed_and_says_which_field_is_wrong(
    client, faux, saisie, message
):
    etab = d.f.EtablissementFactory()
    client.force_login(d.f.avec_role(Role.ADMINISTRATEUR, etablissement=etab))
    d.f.UserFactory(username="Deja.La")
    comptes_avant = User.objects.count()
    donnees = _compte(etab, **saisie)
    response = client.post(reverse("comptes:creer"), donnees)
    doc = document(response)
    for nom, tape in donnees.items():
        if nom != "password":  # a password is never sent back to the page
            assert (valeur(doc, nom) or "") == tape, nom
    affiche = message_au_champ(doc, faux)
    assert affiche == message if message else "mot de passe" in affiche
    assert User.objects.count() == comptes_avant


# --- the follow-up page (several forms: each keeps its own values and messages) ------------------


def test_follow_up_report_keeps_every_value_and_says_which_is_wrong(client):
    from indicateurs.models import RapportSuivi
    from tests.indicateurs.test_pages_api import dossier_en_suivi, formulaire

    dossier = dossier_en_suivi()
    client.force_login(d.f.es_gestionnaire(dossier.etablissement))
    existence = dossier.programme.indicateurs.filter(type="existence", prerequis__isnull=False)
    saisie = formulaire(
        dossier,
        arrete_le="2020-02-03",
        budget_engage="-3",
        commentaire="Bonne dynamique.",
        **{
            "valeurs.P1.1": "140",
            "valeurs.P1.2": "61.5",
            "valeurs.P1.2.na": "1",
            "avancements.D1": "",
            "avancements.D2": "etude",
            "avancements.D2.commentaire": "Déployé partout.",
        },
    )
    if existence:
        saisie[f"valeurs.{existence[0].code}"] = "0"
    response = client.post(reverse("dossiers:suivi", args=[dossier.numero]), saisie)
    assert response.status_code == 200
    doc = document(response)
    for nom, tape in saisie.items():
        if nom == "etape":
            continue
        attendu = True if nom.endswith(".na") else tape
        assert valeur(doc, nom) == attendu, nom
    assert valeur(doc, "valeurs.P1.1.na") is False
    assert message_au_champ(doc, "budget_engage")
    affiche = message_au_champ(doc, "valeurs.P1.1")
    assert affiche == "Une valeur d'indicateur est comprise entre 0 et 100."
    affiche = message_au_champ(doc, "avancements.D1")
    assert affiche == "Indiquez l'état d'avancement du domaine D1."
    assert sans_erreur(doc, "etp_engages")
    # the other forms of the page neither show these values nor these messages
    assert valeur(doc, "commentaire") == "Bonne dynamique."  # the report's, first on the page
    demande = doc.get_element_by_id("commentaire-demande")
    assert (demande.text or "") == "" and demande.get("aria-invalid") is None
    assert not RapportSuivi.objects.exists()


def test_follow_up_closure_request_keeps_its_values_in_its_own_form(client):
    from tests.indicateurs.test_pages_api import dossier_en_suivi

    dossier = dossier_en_suivi()
    client.force_login(d.f.es_gestionnaire(dossier.etablissement))
    tape = "x" * 10_001
    saisie = {"etape": "demander_cloture", "domaine": "D1", "commentaire": tape}
    response = client.post(reverse("dossiers:suivi", args=[dossier.numero]), saisie)
    assert response.status_code == 200
    doc = document(response)
    assert valeur(doc, "domaine") == "D1"
    demande = doc.get_element_by_id("commentaire-demande")
    assert demande.text == tape
    assert demande.get("aria-describedby") == "commentaire-erreur"
    assert doc.get_element_by_id("commentaire-rapport").get("aria-invalid") is None
    assert Dossier.objects.get(pk=dossier.pk).cloture_demandee_le is None


# --- attachments: a file cannot be sent back, its message is shown at its field ------------------


def test_a_refused_upload_says_why_at_the_file_field(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    faux = SimpleUploadedFile("faux.pdf", b"MZ\x90\x00binaire", "application/pdf")
    response = client.post(
        reverse("dossiers:piece_ajouter", args=[dossier.numero]),
        {
            "retour": "prerequis-P1",
            "categorie": "justificatif_prerequis",
            "prerequis": "P1",
            "fichier": faux,
        },
        follow=True,
    )
    doc = document(response)
    assert "Seuls les fichiers PDF ou Word sont acceptés" in message_au_champ(doc, "fichier")
    assert not dossier.pieces.exists()


def test_a_refused_replacement_says_why_at_its_own_file_field(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    vrai = SimpleUploadedFile("preuve.pdf", d.PDF_MINIMAL, "application/pdf")
    client.post(
        reverse("dossiers:piece_ajouter", args=[dossier.numero]),
        {
            "retour": "prerequis-P1",
            "categorie": "justificatif_prerequis",
            "prerequis": "P1",
            "fichier": vrai,
        },
    )
    piece = dossier.pieces.get()
    faux = SimpleUploadedFile("faux.pdf", b"MZ\x90\x00binaire", "application/pdf")
    response = client.post(
        reverse("dossiers:piece_remplacer", args=[dossier.numero, piece.pk]),
        {"retour": "prerequis-P1", "fichier": faux},
        follow=True,
    )
    doc = document(response)
    remplacer = doc.get_element_by_id(f"remplacer-{piece.pk}")
    assert remplacer.get("aria-describedby") == f"remplacer-{piece.pk}-erreur"
    message = doc.get_element_by_id(f"remplacer-{piece.pk}-erreur").text_content()
    assert "Seuls les fichiers PDF ou Word sont acceptés" in message
    assert doc.get_element_by_id("fichier-prerequis-P1").get("aria-invalid") is None
    assert dossier.pieces.get().pk == piece.pk


def test_a_refused_dossier_request_keeps_the_choices_and_says_why_at_the_etablissement(client):
    from dossiers.models import DemandeInitialisation

    gestionnaire = d.f.UserFactory()
    for _ in range(2):  # two établissements, each with its HN dossier open
        dossier = d.en_saisie(code="HN")
        d.f.avec_role(Role.ES_GESTIONNAIRE, etablissement=dossier.etablissement, user=gestionnaire)
    client.force_login(gestionnaire)
    options = document(client.get(reverse("dossiers:liste"))).xpath(
        '//select[@name="finess"]/option/@value'
    )
    choix = {"finess": options[-1], "programme": "HN"}  # neither is what the page preselects
    response = client.post(reverse("dossiers:demander"), choix, follow=True)
    doc = document(response)
    for nom, choisi in choix.items():
        assert valeur(doc, nom) == choisi, nom
    assert message_au_champ(doc, "finess") == "L'établissement a déjà un dossier HN en cours."
    assert not DemandeInitialisation.objects.exists()


def test_an_error_of_no_field_of_the_page_is_said_above_the_form_with_the_values_kept(client):
    dossier = d.en_saisie()  # engagements not ticked yet: no other page may be saved
    client.force_login(d.f.es_gestionnaire(dossier.etablissement))
    response = client.post(
        _page(dossier, "etablissement"), {"commentaire_etablissement": "Bonjour"}
    )
    assert response.status_code == 200
    doc = document(response)
    autres = doc.get_element_by_id("autres-erreurs").text_content().strip()
    assert autres == "Cochez toutes les cases d'engagement avant de saisir le reste du dossier."
    assert valeur(doc, "commentaire_etablissement") == "Bonjour"
    assert sans_erreur(doc, "commentaire_etablissement")
    assert doc.get_element_by_id("form-page").get("data-non-enregistre") is not None
    assert Dossier.objects.get(pk=dossier.pk).commentaire_etablissement == ""


def test_role_form_keeps_what_was_chosen_and_says_which_finess_is_unknown(client):
    etab = d.f.EtablissementFactory()
    client.force_login(d.f.avec_role(Role.ADMINISTRATEUR, etablissement=etab))
    agent = d.f.es_lecteur(etab)
    roles_avant = agent.attributions.count()
    donnees = {
        "perimetre": Perimetre.ETABLISSEMENT,
        "finess": "12345",
        "region": "",
        "role": Role.ES_GESTIONNAIRE,
    }
    response = client.post(reverse("comptes:ajouter_role", args=[agent.username]), donnees)
    doc = document(response)
    for nom, tape in donnees.items():
        assert (valeur(doc, nom) or "") == tape, nom
    assert message_au_champ(doc, "finess").startswith("Le numéro FINESS doit comporter 9")
    assert agent.attributions.count() == roles_avant


def test_password_change_says_at_its_field_that_the_old_password_is_wrong(client):
    agent = d.f.es_lecteur()
    client.force_login(agent)
    response = client.post(
        reverse("comptes:changer_mot_de_passe"),
        {
            "old_password": "pas-le-bon",
            "new_password1": "Un-nouveau-mot-de-passe-7",
            "new_password2": "Un-nouveau-mot-de-passe-7",
        },
    )
    doc = document(response)
    assert "ancien mot de passe" in message_au_champ(doc, "old_password")
    assert all(not valeur(doc, n) for n in ("old_password", "new_password1", "new_password2"))
    agent.refresh_from_db()
    assert agent.check_password(d.f.PASSWORD)


def test_forgotten_password_keeps_the_address_and_says_it_is_invalid(client):
    response = client.post(reverse("comptes:mot_de_passe_oublie"), {"email": "agent@"})
    doc = document(response)
    assert valeur(doc, "email") == "agent@"
    assert message_au_champ(doc, "email") == "Saisissez une adresse e-mail valide."


def test_follow_up_amorcage_keeps_the_amount_in_its_own_domaine_form(client):
    from enveloppes.models import MouvementEnveloppe
    from tests.indicateurs.test_pages_api import dossier_en_suivi

    dossier = dossier_en_suivi()
    client.force_login(d.valideur_de(dossier))
    avant = MouvementEnveloppe.objects.count()
    saisie = {"etape": "amorcage", "domaine": "D1", "montant": "12 000 euros"}
    response = client.post(reverse("dossiers:suivi", args=[dossier.numero]), saisie)
    assert response.status_code == 200
    doc = document(response)
    d1 = doc.get_element_by_id("amorcage-D1")
    assert d1.get("value") == "12 000 euros"
    assert message_au_champ(doc, "montant")  # the first "montant" of the page is D1's
    assert d1.get("aria-describedby") == "montant-erreur"
    assert doc.get_element_by_id("amorcage-D2").get("value") in (None, "")
    assert doc.get_element_by_id("amorcage-D2").get("aria-invalid") is None
    assert MouvementEnveloppe.objects.count() == avant
