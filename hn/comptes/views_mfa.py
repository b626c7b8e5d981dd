"""The user's own second-factor pages: state, enrolment (QR code, secret, confirmation), the
second step of the login, backup codes. Rules live in hn.comptes.mfa."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from hn.comptes import mfa
from hn.journal.services import tracer


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="Le code à 6 chiffres de votre application, ou un code de secours.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "class": "fr-input", "autofocus": True}
        ),
    )


def _suite(request) -> str:
    suite = request.POST.get("next") or request.GET.get("next") or ""
    if suite and url_has_allowed_host_and_scheme(
        suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return suite
    return ""


@login_required
@never_cache
def etat(request):
    user = request.user
    context = {
        "title": "Double authentification",
        "actif": user.mfa_active,
        "obligatoire": mfa.obligatoire(user),
        "codes_restants": mfa.codes_restants(user) if user.mfa_active else 0,
    }
    return render(request, "comptes/mfa_etat.html", context)


@login_required
@never_cache
def activer(request):
    user = request.user
    if user.mfa_active:
        messages.info(request, "La double authentification est déjà active sur votre compte.")
        return redirect("mfa:etat")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa.confirmer_activation(user, form.cleaned_data["code"])
        except mfa.CodeInvalide as exc:
            form.add_error("code", exc.message)
        else:
            mfa.ouvrir_session(request, device)
            return render(
                request,
                "comptes/mfa_codes.html",
                {"title": "Codes de secours", "codes": codes, "activation": True},
            )
    device = mfa.appareil_en_cours(user)
    context = {
        "title": "Activer la double authentification",
        "form": form,
        "qr_svg": mfa.qr_svg(device.config_url),
        "secret": mfa.secret_base32(device),
        "obligatoire": mfa.obligatoire(user),
        "next": _suite(request),
    }
    return render(request, "comptes/mfa_activer.html", context)


@login_required
@never_cache
def verifier(request):
    """The second step of the login, for a user with a confirmed device."""
    user = request.user
    if mfa.etape_requise(user) != mfa.ETAPE_VERIFIER:
        return redirect(_suite(request) or "home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.verifier_code(user, form.cleaned_data["code"])
        if device is not None:
            mfa.ouvrir_session(request, device)
            return redirect(_suite(request) or "home")
        tracer("mfa_echec", acteur=user, objet=user)
        form.add_error("code", mfa.MESSAGE_CODE_INCORRECT)
    context = {"title": "Vérification en deux étapes", "form": form, "next": _suite(request)}
    return render(request, "comptes/mfa_verifier.html", context)


@login_required
@never_cache
def codes(request):
    """Backup codes: how many are left; new ones (shown once) on demand."""
    user = request.user
    if not user.mfa_active:
        return redirect("mfa:activer")
    if request.method == "POST":
        nouveaux = mfa.regenerer_codes(user)
        return render(
            request, "comptes/mfa_codes.html", {"title": "Codes de secours", "codes": nouveaux}
        )
    context = {"title": "Codes de secours", "codes_restants": mfa.codes_restants(user)}
    return render(request, "comptes/mfa_codes.html", context)
