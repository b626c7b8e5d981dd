"""Self-service password change and reset by e-mail (Django's views, French pages, traced).

The reset request answers the same whatever the address (no account enumeration); the link
expires after ``PASSWORD_RESET_TIMEOUT`` seconds and after first use. An account created
without a password gets its first one the same way.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from hn.comptes import jetons
from hn.comptes.forms import DsfrMixin
from hn.journal.services import tracer


def _validite_heures() -> int:
    return max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)


class _Dsfr(DsfrMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._dsfr()


class ChangementForm(_Dsfr, auth_forms.PasswordChangeForm):
    pass


class NouveauMotDePasseForm(_Dsfr, auth_forms.SetPasswordForm):
    pass


class DemandeForm(_Dsfr, auth_forms.PasswordResetForm):
    def get_users(self, email):
        """Active accounts with this address, including those created without a password
        (Django's form skips them: here they set their first password this way)."""
        return (
            user
            for user in get_user_model()
            ._default_manager.filter(email__iexact=email, is_active=True)
            .order_by("pk")
            if user.email.casefold() == email.casefold()
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        tracer("mot_de_passe_demande", objet=context["user"])
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ChangerMotDePasse(auth_views.PasswordChangeView):
    form_class = ChangementForm
    template_name = "comptes/mot_de_passe/changer.html"
    success_url = reverse_lazy("home")
    extra_context = {"title": "Changer mon mot de passe"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password ends what the old one opened: the API tokens (other sessions end
        # with the password's hash).
        jetons.revoquer_tous(form.user)
        tracer("mot_de_passe_modifie", acteur=form.user, objet=form.user)
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return response


class MotDePasseOublie(auth_views.PasswordResetView):
    form_class = DemandeForm
    template_name = "comptes/mot_de_passe/oublie.html"
    subject_template_name = "comptes/mot_de_passe/courriel_objet.txt"
    email_template_name = "comptes/mot_de_passe/courriel.txt"
    success_url = reverse_lazy("login")
    extra_context = {"title": "Mot de passe oublié"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(validite_heures=_validite_heures(), **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "validite_heures": _validite_heures(),
        }
        response = super().form_valid(form)
        # The same answer whether or not an account has this address.
        messages.info(
            self.request,
            "Si un compte actif correspond à cette adresse, un courriel contenant un lien pour "
            "choisir un nouveau mot de passe vient de lui être envoyé.",
        )
        return response


class ReinitialiserMotDePasse(auth_views.PasswordResetConfirmView):
    form_class = NouveauMotDePasseForm
    template_name = "comptes/mot_de_passe/reinitialiser.html"
    success_url = reverse_lazy("login")
    extra_context = {"title": "Choisir un nouveau mot de passe"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever holds the mailbox is the account's owner: its login blocks are lifted.
        AxesProxyHandler.reset_attempts(username=form.user.get_username())
        jetons.revoquer_tous(form.user)
        tracer("mot_de_passe_reinitialise", acteur=form.user, objet=form.user)
        messages.success(
            self.request, "Votre mot de passe a été enregistré : vous pouvez vous connecter."
        )
        return response
