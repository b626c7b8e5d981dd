from django import forms
from django.contrib.auth.password_validation import validate_password

from hn.comptes.enums import Perimetre, Role
from hn.comptes.models import User
from hn.comptes.perms import peut_administrer
from hn.comptes.roles import ROLES_PAR_PERIMETRE
from hn.referentiel.finess import erreur_finess
from hn.referentiel.models import Etablissement, Region


class DsfrMixin:
    """DSFR classes on the widgets."""

    def _dsfr(self):
        for field in self.fields.values():
            css = "fr-select" if isinstance(field.widget, forms.Select) else "fr-input"
            field.widget.attrs.setdefault("class", css)


class RoleForm(DsfrMixin, forms.Form):
    """A role in a scope; validates that the acting administrator may grant it."""

    perimetre = forms.ChoiceField(label="Périmètre", choices=Perimetre.choices)
    finess = forms.CharField(
        label="FINESS de l'établissement",
        required=False,
        max_length=9,
        help_text="Pour un rôle d'établissement.",
    )
    region = forms.ModelChoiceField(
        label="ARS (région)",
        queryset=Region.objects.actuelles(),
        required=False,
        to_field_name="code",
        help_text="Pour un rôle d'ARS.",
    )
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        self._dsfr()

    def clean(self):
        data = super().clean()
        perimetre, role = data.get("perimetre"), data.get("role")
        if not perimetre or not role:
            return data
        data["etablissement"] = data["region_obj"] = None
        if perimetre == Perimetre.ETABLISSEMENT:
            finess = (data.get("finess") or "").strip().upper()
            message = erreur_finess(finess)
            if message:
                self.add_error("finess", message)
                return data
            etab = Etablissement.objects.select_related("region").filter(finess=finess).first()
            if etab is None:
                self.add_error("finess", "Aucun établissement n'a ce numéro FINESS.")
                return data
            data["etablissement"] = etab
        elif perimetre == Perimetre.ARS:
            if data.get("region") is None:
                self.add_error("region", "Choisissez la région de l'ARS.")
                return data
            data["region_obj"] = data["region"]
        if role not in ROLES_PAR_PERIMETRE[perimetre]:
            self.add_error(
                "role",
                f"Le rôle « {Role(role).label} » n'existe pas pour le périmètre "
                f"« {Perimetre(perimetre).label} ».",
            )
        elif not peut_administrer(
            self.acting_user,
            perimetre,
            etablissement=data["etablissement"],
            region=data["region_obj"],
        ):
            raise forms.ValidationError(
                "Vous ne pouvez pas administrer les comptes de ce périmètre."
            )
        return data


class CompteForm(RoleForm):
    username = forms.CharField(label="Identifiant", max_length=150)
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    email = forms.EmailField(label="Adresse électronique")
    password = forms.CharField(
        label="Mot de passe initial",
        widget=forms.PasswordInput,
        required=False,
        help_text="Laisser vide : la personne choisira son mot de passe avec « Mot de passe "
        "oublié ? » sur la page de connexion.",
    )

    field_order = ["username", "first_name", "last_name", "email", "password"]

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            # Validated against the new account itself (its username, names, e-mail).
            compte = User(
                username=data.get("username", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                validate_password(password, compte)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data
