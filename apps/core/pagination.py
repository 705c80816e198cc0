from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination with `next`/`previous` links.

    Pages are only stable if the queryset has a total order: every list view orders by its
    sort key and then by `id`.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
