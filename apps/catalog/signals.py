"""Catalogue events other apps listen to, so that catalogue code never imports them."""

from django.dispatch import Signal

# Sent inside the writing transaction after variants were created or changed.
# kwargs: variants (list[ProductVariant])
variants_saved = Signal()
