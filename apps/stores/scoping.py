"""The one place that decides which stores a person may see and what they may do there.

Every surface (admin, HTMX pages, API, import/export, commands) filters through these
functions. Superusers see every store; everyone else sees exactly the stores they are a
member of; a user without a membership sees nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from apps.core.errors import PermissionDenied
from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Capability, role_has

_ROLES_CACHE_ATTR = "_nexus_store_roles"
# The store chosen in the store switcher: one meaning of "the current store" on every page.
SESSION_STORE_KEY = "nexus_current_store"


def store_roles(user) -> dict[int, str]:
    """store id → role for this user, read once per user object (so once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _ROLES_CACHE_ATTR, None)
    if cached is None:
        cached = dict(
            StoreMembership.objects.filter(user_id=user.pk).values_list("store_id", "role")
        )
        setattr(user, _ROLES_CACHE_ATTR, cached)
    return cached


def forget_store_roles(user) -> None:
    """Drop the cached roles, e.g. after memberships changed within the same request."""
    if hasattr(user, _ROLES_CACHE_ATTR):
        delattr(user, _ROLES_CACHE_ATTR)


def is_platform_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def store_ids_for(user, capability: Capability = Capability.VIEW) -> set[int] | None:
    """Ids of the stores where `user` has `capability`; None means every store (superuser)."""
    if is_platform_operator(user):
        return None
    return {store_id for store_id, role in store_roles(user).items() if role_has(role, capability)}


def stores_for(user, capability: Capability = Capability.VIEW) -> QuerySet[Store]:
    store_ids = store_ids_for(user, capability)
    if store_ids is None:
        return Store.objects.all()
    return Store.objects.filter(pk__in=store_ids)


def scope_queryset(
    queryset: QuerySet,
    user,
    *,
    store_field: str = "store",
    capability: Capability = Capability.VIEW,
) -> QuerySet:
    """Restrict `queryset` to objects whose `store_field` is a store the user may see."""
    store_ids = store_ids_for(user, capability)
    if store_ids is None:
        return queryset
    if not store_ids:
        return queryset.none()
    return queryset.filter(**{f"{store_field}_id__in": sorted(store_ids)})


def users_visible_to(user) -> QuerySet:
    """The people a staff member may see: staff of their stores and the customers who ordered
    there. Operators see everyone; a person without a store role sees nobody."""
    people = get_user_model().objects.all()
    store_ids = store_ids_for(user)
    if store_ids is None:
        return people
    if not store_ids:
        return people.none()
    ids = sorted(store_ids)
    staff = StoreMembership.objects.filter(store_id__in=ids).values("user_id")
    # Orders sit above stores: the reverse relation names their model without importing it.
    orders = people.model._meta.get_field("orders").related_model._default_manager
    customers = orders.filter(store_id__in=ids).values("customer_id")
    return people.filter(Q(pk__in=staff) | Q(pk__in=customers))


def user_can(user, store: Store | int | None, capability: Capability) -> bool:
    if store is None:
        return False
    if is_platform_operator(user):
        return True
    store_id = store if isinstance(store, int) else store.pk
    role = store_roles(user).get(store_id)
    return role is not None and role_has(role, capability)


def user_can_anywhere(user, capability: Capability) -> bool:
    store_ids = store_ids_for(user, capability)
    return store_ids is None or bool(store_ids)


def require_capability(user, store: Store | int, capability: Capability) -> None:
    """Raise PermissionDenied unless the user may do this in the store.

    Callers first make sure the object is visible at all (else NotFound), so that a member
    of store A never learns whether an object of store B exists.
    """
    if not user_can(user, store, capability):
        raise PermissionDenied(gettext("Your role in this store does not allow this action."))


def get_scoped_or_404(queryset: QuerySet, user, *, store_field: str = "store", **lookup) -> Model:
    """Fetch one object of the user's stores; another store's object is simply not found."""
    try:
        return scope_queryset(queryset, user, store_field=store_field).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


def current_store_id(request) -> int | None:
    """The store chosen in the store switcher, if the user may still see it."""
    store_id = request.session.get(SESSION_STORE_KEY) if hasattr(request, "session") else None
    if store_id is None:
        return None
    allowed = store_ids_for(request.user)
    if allowed is not None and store_id not in allowed:
        return None
    return store_id


def scope_to_current_store(
    queryset: QuerySet,
    user,
    request=None,
    *,
    store_field: str = "store",
    capability: Capability = Capability.VIEW,
) -> QuerySet:
    """scope_queryset, then narrowed to the store chosen in the switcher (if any)."""
    queryset = scope_queryset(queryset, user, store_field=store_field, capability=capability)
    selected = current_store_id(request) if request is not None else None
    return queryset.filter(**{f"{store_field}_id": selected}) if selected else queryset


def switcher_context(request) -> dict:
    """The store switcher is offered to people who work in more than one store."""
    stores = list(stores_for(request.user).only("pk", "name").order_by("name")[:50])
    return {
        "switcher_stores": stores if len(stores) > 1 else [],
        "current_store": current_store_id(request),
    }
