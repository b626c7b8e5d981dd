"""Pagination by ids first (deferred join): a deep page reads the ids of its rows from an index,
then fetches only those rows with their joins, instead of sorting and skipping wide rows."""

from django.core.paginator import Page, Paginator
from rest_framework.pagination import PageNumberPagination


class PaginatorParIds(Paginator):
    """Same pages as :class:`Paginator` over an ordered queryset whose order ends with a unique
    key; one more query per page (the ids), whatever the page's depth."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rangs = {pk: rang for rang, pk in enumerate(ids)}
        lignes = sorted(self.object_list.order_by().filter(pk__in=ids), key=lambda o: rangs[o.pk])
        return Page(lignes, number, self)


class PaginationParIds(PageNumberPagination):
    """DRF page-number pagination (same parameters and answers) through the ids first."""

    django_paginator_class = PaginatorParIds
