import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")


class StandardPagination(PageNumberPagination):
    """Page-number pagination with `next`/`previous` links.

    Pages are only stable if the queryset has a total order: every list view orders by its
    sort key and then by `id`.

    `page` and `page_size` are whole numbers from 1 (`page_size` up to 100), as the schema
    says: anything else answers 400 instead of quietly falling back to the first page or the
    default size (DRF's way), so a client's mistake shows.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._check_query(request.query_params)
        return super().paginate_queryset(queryset, request, view)

    def _check_query(self, params) -> None:
        errors = {}
        limits = {self.page_query_param: None, self.page_size_query_param: self.max_page_size}
        for name, maximum in limits.items():
            if name not in params:
                continue
            # The last value is the one DRF reads.
            value = params[name]
            if not WHOLE_NUMBER.fullmatch(value) or int(value) < 1:
                errors[name] = [_("A whole number from 1 is required.")]
            elif maximum is not None and int(value) > maximum:
                errors[name] = [
                    _("Ensure this value is less than or equal to %(limit)s.") % {"limit": maximum}
                ]
        if errors:
            raise ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
