from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# Roles change only through hn.comptes.actions (exclusivity check, guardian groups, trace) —
# the "Comptes" pages —, never by editing groups or tokens in the admin; second-factor
# devices are reset by a scope's administrator (hn.comptes.mfa, traced), not edited here.
# django-dsfr's site configuration is not used (hn.context_processors.site provides it).
for model in [
    Group,
    TOTPDevice,
    StaticDevice,
    *[m for m in admin.site._registry if m._meta.app_label == "dsfr"],
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
