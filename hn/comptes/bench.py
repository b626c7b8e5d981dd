"""Benchmark accounts (``bench.generer``): one gestionnaire per planned établissement, written in
bulk as ``hn.comptes.actions.attribuer_role`` makes them, and the CMSI of every région (the
demo's where it has one)."""

from django.contrib.auth.models import Group, Permission

from hn.bulk import copier, prochain_id
from hn.comptes import actions
from hn.comptes.enums import Role
from hn.comptes.models import Attribution, User
from hn.referentiel.models import EtablissementGroupObjectPermission

# The tables this module writes.
MODELES = [EtablissementGroupObjectPermission, User, User.groups.through, Group, Attribution]


class ComptesBench:
    """The accounts of the data set; ``valideurs`` (région code -> user id) once
    :meth:`charger_valideurs` ran."""

    def __init__(self, referentiel, maintenant):
        self.referentiel = referentiel
        self.maintenant = maintenant
        self.valideurs: dict[str, int] = {}
        self.permissions = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                content_type__app_label="referentiel",
                codename__in=("consulter_dossiers", "saisir_dossiers"),
            )
        }

    @staticmethod
    def utilisateur(username) -> int | None:
        return User.objects.filter(username=username).values_list("pk", flat=True).first()

    def charger_valideurs(self) -> dict[str, int]:
        """The CMSI of each région: the demo's for 84 and 11, a bench account elsewhere."""
        existants = dict(
            Attribution.objects.filter(role=Role.ARS_VALIDEUR)
            .order_by("pk")
            .values_list("region__code", "user_id")
        )
        result = {}
        for code, region in sorted(self.referentiel.actuelles.items()):
            if code in existants:
                result[code] = existants[code]
                continue
            user, created = User.objects.get_or_create(
                username=f"bench_valideur_{code}",
                defaults={"first_name": "CMSI", "last_name": region.nom[:150]},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            actions.attribuer_role(
                user=user,
                role=Role.ARS_VALIDEUR,
                region=region,
                acting_user=None,
                systeme=True,
            )
            result[code] = user.pk
        self.valideurs = result
        return result

    def tables(self) -> list[tuple[str, object]]:
        return [("comptes_es", self.table_comptes_es)]

    def table_comptes_es(self) -> int:
        """One gestionnaire per établissement (``gest_<FINESS>``, no usable password) with its
        attribution and guardian group, as ``hn.comptes.actions.attribuer_role`` makes them."""
        etabs = self.referentiel.etabs
        user_id = prochain_id(User)
        group_id = prochain_id(Group)
        membre_id = prochain_id(User.groups.through)
        for i, e in enumerate(etabs):
            e.gestionnaire_id = user_id + i
        t = self.maintenant
        n = copier(
            User,
            (
                "id password is_superuser username first_name last_name email is_staff "
                "is_active date_joined"
            ),
            (
                (
                    e.gestionnaire_id,
                    "!banc-d-essai",
                    False,
                    f"gest_{e.finess}",
                    "Gestionnaire",
                    e.raison_sociale[:150],
                    f"gest_{e.finess}@etab.localhost",
                    False,
                    True,
                    t,
                )
                for e in etabs
            ),
        )
        copier(
            Group,
            ["id", "name"],
            (
                (group_id + i, f"etablissement:{e.finess}:es_gestionnaire")
                for i, e in enumerate(etabs)
            ),
        )
        copier(
            User.groups.through,
            ["id", "user", "group"],
            ((membre_id + i, e.gestionnaire_id, group_id + i) for i, e in enumerate(etabs)),
        )
        self._permissions_et_attributions(group_id)
        return n

    def _permissions_et_attributions(self, group_id):
        etabs = self.referentiel.etabs
        perm_id = prochain_id(EtablissementGroupObjectPermission)
        codenames = ("consulter_dossiers", "saisir_dossiers")
        copier(
            EtablissementGroupObjectPermission,
            ["id", "permission", "group", "content_object"],
            (
                (perm_id + 2 * i + j, self.permissions[c], group_id + i, e.id)
                for i, e in enumerate(etabs)
                for j, c in enumerate(codenames)
            ),
        )
        attribution_id = prochain_id(Attribution)
        copier(
            Attribution,
            ["id", "user", "perimetre", "role", "etablissement", "region", "cree_le"],
            (
                (
                    attribution_id + i,
                    e.gestionnaire_id,
                    "etablissement",
                    "es_gestionnaire",
                    e.id,
                    None,
                    self.maintenant,
                )
                for i, e in enumerate(etabs)
            ),
        )
