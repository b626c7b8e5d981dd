from django.contrib import admin
from django.contrib.auth.models import Group

# Roles change only through hn.comptes.actions (exclusivity check, guardian groups, trace) —
# the "Comptes" pages —, never by editing groups or tokens in the admin. django-dsfr's site
# configuration is not used (hn.context_processors.site provides it).
for model in [Group, *[m for m in admin.site._registry if m._meta.app_label == "dsfr"]]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
