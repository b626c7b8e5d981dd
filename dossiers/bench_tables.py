"""Benchmark dossiers' tables (``bench.generer``): the rows of the dossiers planned by
``dossiers.bench`` (requests, dossiers, domaines, contacts, values, prérequis decisions, dépôts,
ARS comments) and the journal rows the same actions would have traced, written in bulk
(``hn.bulk``). A module of its own: ``dossiers.bench`` plans, this one writes."""

from datetime import datetime, timedelta

from dossiers.bench import COMMENTAIRES_ARS, JOUR, PlanDossier
from dossiers.contenu import empreinte
from dossiers.models import (
    Commentaire,
    Contact,
    DecisionPrerequisDossier,
    DemandeInitialisation,
    Depot,
    DomaineDossier,
    Dossier,
    MembreDossier,
    ValeurIndicateur,
)
from hn.bulk import copier, prochain_id, texte_json
from hn.comptes.models import User
from hn.dates import date_paris, echeance_initialisation
from hn.journal.models import Evenement

# The tables this module writes.
MODELES = [
    DemandeInitialisation,
    Dossier,
    MembreDossier,
    DomaineDossier,
    Contact,
    ValeurIndicateur,
    DecisionPrerequisDossier,
    Depot,
    Commentaire,
    Evenement,
]


class TablesDossiers:
    """Writes the dossiers of ``plan`` (a planned :class:`dossiers.bench.DossiersBench`); keeps
    the ids the apps above need: ``domaines_ids`` ((dossier, domaine code) -> DomaineDossier id
    of the domaines in follow-up)."""

    def __init__(self, plan):
        self.plan = plan
        self.domaines_ids: dict[tuple[int, str], int] = {}
        self.empreintes: dict[int, str] = {}
        self.demandes_attente_ids: list[tuple] = []

    @property
    def valideurs(self) -> dict[str, int]:
        return self.plan.comptes.valideurs

    def tables(self) -> list[tuple[str, object]]:
        return [
            ("demandes", self.table_demandes),
            ("dossiers", self.table_dossiers),
            ("membres_ght", self.table_membres),
            ("domaines", self.table_domaines),
            ("contacts", self.table_contacts),
            ("valeurs", self.table_valeurs),
            ("decisions_prerequis", self.table_decisions_prerequis),
            ("depots", self.table_depots),
            ("commentaires", self.table_commentaires),
            ("evenements", self.table_evenements),
        ]

    def table_demandes(self) -> int:
        self.demandes_attente_ids = []
        prochain = max(
            [prochain_id(DemandeInitialisation)]
            + [d.demande_id + 1 for d in self.plan.dossiers if d.demande_id]
        )

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                if d.demande_id:
                    yield (
                        d.demande_id,
                        self.plan.programmes[d.programme]["id"],
                        d.etab.id,
                        d.etab.gestionnaire_id,
                        d.demandee_le,
                        echeance_initialisation(date_paris(d.demandee_le)),
                        d.cree_le,
                        None,
                    )
            for code, etab, demandee, annulee in self.plan.demandes_en_attente:
                self.demandes_attente_ids.append((prochain, code, etab, demandee, annulee))
                yield (
                    prochain,
                    self.plan.programmes[code]["id"],
                    etab.id,
                    etab.gestionnaire_id,
                    demandee,
                    echeance_initialisation(date_paris(demandee)),
                    None,
                    annulee,
                )
                prochain += 1

        return copier(
            DemandeInitialisation,
            "id programme etablissement demandeur demandee_le echeance initialisee_le annulee_le",
            lignes(),
        )

    def table_dossiers(self) -> int:
        def lignes():
            for d in self.plan.dossiers:
                textes = self.plan.textes(d)
                decision = ""
                if d.etat == "reporte":
                    decision = "Merci de compléter les justificatifs des prérequis."
                elif d.etat == "refuse":
                    decision = "Refus motivé : voir le motif."
                elif d.etat == "clos":
                    decision = "Clôture décidée après la revue de projet."
                yield (
                    d.id,
                    d.numero,
                    self.plan.programmes[d.programme]["id"],
                    d.etab.id,
                    d.etab.region_id,  # the établissement's current région
                    d.demande_id,
                    d.etab.raison_sociale[:200],
                    "Système d'information",
                    d.etat,
                    d.cree_le,
                    self.valideurs[d.etab.region_code],
                    d.depots[-1] if d.depots else None,
                    d.echeance,
                    d.decide_le,
                    d.motif_refus,
                    d.clos_le,
                    d.motif_cloture,
                    texte_json(self.plan.engagements(d)),
                    textes["commentaire_etablissement"],
                    textes["commentaire_contacts"],
                    d.mutualise and d.saisie not in ("vide", "engagements"),
                    textes["partenaires"],
                    textes["description_projet"],
                    textes["motivation"],
                    "",
                    "",
                    "Prérequis à compléter." if "non_accepte" in d.prerequis.values() else "",
                    decision,
                    d.frequence,
                    d.prochain_rapport_le,
                    d.ght_id,
                )

        return copier(
            Dossier,
            (
                "id numero programme etablissement region demande nom type etat cree_le "
                "cree_par depose_le echeance_decision decide_le motif_refus clos_le "
                "motif_cloture engagements commentaire_etablissement "
                "commentaire_contacts mutualise partenaires description_projet "
                "motivation commentaire_ars_etablissement commentaire_ars_contacts "
                "commentaire_ars_prerequis commentaire_ars_decision frequence_suivi "
                "prochain_rapport_le ght"
            ),
            lignes(),
        )

    def table_membres(self) -> int:
        """The candidate members of the GHT dossiers [SPEC §10]."""
        prochain = prochain_id(MembreDossier)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                for membre in d.membres:
                    yield (prochain, d.id, membre.id)
                    prochain += 1

        return copier(MembreDossier, ["id", "dossier", "etablissement"], lignes())

    def table_domaines(self) -> int:
        prochain = prochain_id(DomaineDossier)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                for pk, code in self.plan.programmes[d.programme]["domaines"]:
                    demande, avancement, date_cible, cout = d.domaines.get(
                        code, (False, "", None, None)
                    )
                    decision = d.selection.get(code, "")
                    plan = d.suivi.get(code)
                    if plan is not None:
                        self.domaines_ids[(d.id, code)] = prochain
                    yield (
                        prochain,
                        d.id,
                        pk,
                        demande,
                        avancement,
                        date_cible,
                        cout,
                        decision,
                        "Hors de la priorité régionale." if decision == "non_selectionne" else "",
                        plan.etat if plan else "",
                        plan.cibles_le if plan else None,
                        plan.finance_le if plan else None,
                        plan.clos_le if plan else None,
                        plan.motif if plan else "",
                        "Clôture décidée par l'ARS." if plan and plan.clos_le else "",
                    )
                    prochain += 1

        self.domaines_ids: dict[tuple[int, str], int] = {}
        return copier(
            DomaineDossier,
            "id dossier domaine demande avancement date_cible cout decision commentaire_ars "
            "suivi cibles_atteintes_le finance_le clos_le motif_cloture commentaire_cloture",
            lignes(),
        )

    def table_contacts(self) -> int:
        prochain = prochain_id(Contact)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                for contact in self.plan.contacts(d):
                    yield (prochain, d.id, *contact)
                    prochain += 1

        return copier(
            Contact, ["id", "dossier", "type", "nom", "fonction", "email", "telephone"], lignes()
        )

    def table_valeurs(self) -> int:
        prochain = prochain_id(ValeurIndicateur)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                for pk, _code, valeur, na in self.plan.valeurs(d):
                    yield (prochain, d.id, pk, None, valeur, na)
                    prochain += 1
                # A GHT dossier's domaine indicators: one value per candidate member.
                for pk, etab_id, valeur, na in self.plan.valeurs_membres(d):
                    yield (prochain, d.id, pk, etab_id, valeur, na)
                    prochain += 1

        return copier(
            ValeurIndicateur,
            ["id", "dossier", "indicateur", "etablissement", "valeur", "non_applicable"],
            lignes(),
        )

    def table_decisions_prerequis(self) -> int:
        prochain = prochain_id(DecisionPrerequisDossier)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                ids = {c: pk for pk, c in self.plan.programmes[d.programme]["prerequis"]}
                for code, decision in d.prerequis.items():
                    yield (prochain, d.id, ids[code], decision)
                    prochain += 1

        return copier(
            DecisionPrerequisDossier, ["id", "dossier", "prerequis", "decision"], lignes()
        )

    def table_depots(self) -> int:
        prochain = prochain_id(Depot)
        self.empreintes: dict[int, str] = {}

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                if not d.depots:
                    continue
                data = self.plan.contenu(d)
                texte = texte_json(data)
                sha = empreinte(data)
                self.empreintes[d.id] = sha
                for rang, moment in enumerate(d.depots, start=1):
                    yield (prochain, d.id, rang, moment, d.etab.gestionnaire_id, texte, sha)
                    prochain += 1

        return copier(
            Depot,
            ["id", "dossier", "rang", "depose_le", "depose_par", "contenu", "empreinte"],
            lignes(),
        )

    def table_commentaires(self) -> int:
        prochain = prochain_id(Commentaire)

        def lignes():
            nonlocal prochain
            for d in self.plan.dossiers:
                for i in range(d.commentaires):
                    moment = d.depots[0] + timedelta(days=2 + 3 * i)
                    yield (
                        prochain,
                        d.id,
                        self.valideurs[d.etab.region_code],
                        COMMENTAIRES_ARS[(d.id + i) % len(COMMENTAIRES_ARS)],
                        min(moment, self.plan.maintenant),
                    )
                    prochain += 1

        return copier(Commentaire, ["id", "dossier", "auteur", "texte", "cree_le"], lignes())

    def table_evenements(self) -> int:
        """The journal rows the same actions would have traced (``dossiers.actions``)."""
        usernames = self._usernames()

        def ev(moment, action, acteur, objet, etab, avant=None, apres=None, com="", reserve=False):
            type_, id_, libelle = objet
            return (
                moment,
                acteur,
                usernames.get(acteur, "systeme") if acteur else "systeme",
                action,
                type_,
                str(id_),
                libelle[:255],
                etab.id,
                etab.region_id,
                reserve,
                None if avant is None else texte_json(avant),
                None if apres is None else texte_json(apres),
                com,
            )

        def lignes():
            for d in self.plan.dossiers:
                yield from self._evenements_dossier(d, ev)
            for id_, code, etab, demandee, annulee in self.demandes_attente_ids:
                objet = ("dossiers.demandeinitialisation", id_, f"Demande {code} — {etab}")
                yield ev(
                    demandee,
                    "dossier_demande",
                    etab.gestionnaire_id,
                    objet,
                    etab,
                    apres={"programme": code},
                )
                if annulee:
                    yield ev(annulee, "dossier_demande_annulee", etab.gestionnaire_id, objet, etab)

        return copier(
            Evenement,
            (
                "horodatage acteur acteur_nom action objet_type objet_id objet_libelle "
                "etablissement region reserve_etablissement avant apres commentaire"
            ),
            lignes(),
        )

    def _usernames(self) -> dict[int, str]:
        noms = {e.gestionnaire_id: f"gest_{e.finess}" for e in self.plan.referentiel.etabs}
        ids = set(self.valideurs.values()) | {
            d.etab.gestionnaire_id for d in self.plan.vitrines.values()
        }
        noms.update(User.objects.filter(pk__in=ids).values_list("pk", "username"))
        return noms

    def _evenements_dossier(self, d: PlanDossier, ev):
        etab = d.etab
        valideur = self.valideurs[etab.region_code]
        gestionnaire = etab.gestionnaire_id
        objet = ("dossiers.dossier", d.id, f"{d.numero} — {etab.raison_sociale[:200]}")
        code = d.programme
        if d.demande_id:
            yield ev(
                d.demandee_le,
                "dossier_demande",
                gestionnaire,
                ("dossiers.demandeinitialisation", d.demande_id, f"Demande {code} — {etab}"),
                etab,
                apres={"programme": code},
            )
        yield ev(
            d.cree_le,
            "dossier_initialise",
            valideur,
            objet,
            etab,
            apres={"numero": d.numero, "etat": "en_saisie", "nom": etab.raison_sociale[:200]},
        )
        if d.saisie != "vide":
            yield ev(
                d.cree_le + timedelta(hours=2),
                "dossier_saisi",
                gestionnaire,
                objet,
                etab,
                avant={"engagements": []},
                apres={"engagements": self.plan.engagements(d)},
                reserve=True,
            )
        etat = "en_saisie"
        for rang, moment in enumerate(d.depots, start=1):
            yield ev(
                moment,
                "dossier_depose",
                gestionnaire,
                objet,
                etab,
                avant={"etat": etat},
                apres={
                    "etat": "depose",
                    "depot": rang,
                    "empreinte": self.empreintes.get(d.id, ""),
                },
            )
            if rang <= len(d.reporte_le):
                yield ev(
                    d.reporte_le[rang - 1],
                    "dossier_reporte",
                    valideur,
                    objet,
                    etab,
                    avant={"etat": "depose"},
                    apres={"etat": "reporte"},
                    com="Merci de compléter les justificatifs des prérequis.",
                )
                etat = "reporte"
        if d.decide_le:
            yield from self._evenements_decision(d, ev, valideur, objet)

    def _evenements_decision(self, d: PlanDossier, ev, valideur, objet):
        etab = d.etab
        moment = datetime.combine(
            d.decide_le, datetime.min.time(), tzinfo=self.plan.maintenant.tzinfo
        )
        moment += timedelta(hours=10)
        if d.prerequis:
            yield ev(moment, "prerequis_valides", valideur, objet, etab, apres=d.prerequis)
        if d.selection:
            yield ev(moment, "domaines_valides", valideur, objet, etab, apres=d.selection)
        if d.etat in ("accepte", "clos"):
            choisis = [c for c, v in d.selection.items() if v == "selectionne"]
            yield ev(
                moment,
                "dossier_accepte",
                valideur,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "accepte", "domaines": choisis},
            )
        if d.etat == "clos":
            fin = datetime.combine(
                d.clos_le, datetime.min.time(), tzinfo=self.plan.maintenant.tzinfo
            )
            yield ev(
                fin + timedelta(hours=10),
                "dossier_clos",
                valideur,
                objet,
                etab,
                avant={"etat": "accepte"},
                apres={"etat": "clos", "motif": d.motif_cloture},
                com="Clôture décidée après la revue de projet.",
            )
        elif d.etat == "refuse":
            yield ev(
                moment,
                "dossier_refuse",
                valideur,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "refuse", "motif": d.motif_refus},
                com="Refus motivé : voir le motif.",
            )
        elif d.etat == "refuse_implicite":
            yield ev(
                moment + JOUR,
                "dossier_refuse_implicitement",
                None,
                objet,
                etab,
                avant={"etat": "depose"},
                apres={"etat": "refuse_implicite", "refuse_le": d.decide_le},
            )
