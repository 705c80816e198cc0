from django.db import models
from django.utils.translation import gettext_lazy as _

# Ids are 64-bit: an id read from outside (a filter, a cursor, an API field) is refused above
# this, where the database lookup itself would overflow.
MAX_ID = 2**63 - 1


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
