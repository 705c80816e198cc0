"""The one place that decides which stores a person may see and what they may do there.

Every surface (admin, HTMX pages, API, import/export, commands) filters through these
functions. Superusers see every store; everyone else sees exactly the stores they are a
member of; a user without a membership sees nothing.
"""

from typing import Any, Final, TypeAlias, TypeVar

from django.apps import apps as app_registry
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext

from apps.core.errors import PermissionDenied
from apps.stores.models import Store, StoreMembership
from apps.stores.roles import Capability, role_has
from apps.users.models import User

_ROLES_CACHE_ATTR = "_nexus_store_roles"
# The store chosen in the store switcher: one meaning of "the current store" on every page.
SESSION_STORE_KEY = "nexus_current_store"

M = TypeVar("M", bound=Model)


class SystemActor:
    """The actor of code with no person behind it: the demo seeder, the import commands an
    operator runs on the server, benchmarks, tests' factories. require_capability lets it
    through and nothing records it as a person.

    It is an object rather than a flag so that every such write says so where it is called
    (`actor=SYSTEM`) and a person's write can never skip the check by a keyword.
    No surface passes it: behind a request there is always a person.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()

# Who performs a write: a person (staff, operator or customer) or SYSTEM.
Actor: TypeAlias = User | SystemActor
# Who looks: what request.user holds.
Viewer: TypeAlias = User | AnonymousUser


def acting_person(actor: Actor) -> User | None:
    """The person to record beside a write (movement, event, history); SYSTEM is nobody."""
    return None if isinstance(actor, SystemActor) else actor


def store_roles(user: Viewer | None) -> dict[int, str]:
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


def forget_store_roles(user: Viewer | SystemActor) -> None:
    """Drop the cached roles, e.g. after memberships changed within the same request."""
    if hasattr(user, _ROLES_CACHE_ATTR):
        delattr(user, _ROLES_CACHE_ATTR)


def is_platform_operator(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def store_ids_for(user: Viewer, capability: Capability = Capability.VIEW) -> set[int] | None:
    """Ids of the stores where `user` has `capability`; None means every store (superuser)."""
    if is_platform_operator(user):
        return None
    return {store_id for store_id, role in store_roles(user).items() if role_has(role, capability)}


def stores_for(user: Viewer, capability: Capability = Capability.VIEW) -> QuerySet[Store]:
    store_ids = store_ids_for(user, capability)
    if store_ids is None:
        return Store.objects.all()
    return Store.objects.filter(pk__in=store_ids)


def scope_queryset(
    queryset: QuerySet[M],
    user: Viewer,
    *,
    store_field: str = "store",
    capability: Capability = Capability.VIEW,
) -> QuerySet[M]:
    """Restrict `queryset` to objects whose `store_field` is a store the user may see."""
    store_ids = store_ids_for(user, capability)
    if store_ids is None:
        return queryset
    if not store_ids:
        return queryset.none()
    return queryset.filter(**{f"{store_field}_id__in": sorted(store_ids)})


def users_visible_to(user: Viewer) -> QuerySet[User]:
    """The people a staff member may see: staff of their stores and the customers who ordered
    there. Operators see everyone; a person without a store role sees nobody."""
    people = User.objects.all()
    store_ids = store_ids_for(user)
    if store_ids is None:
        return people
    if not store_ids:
        return people.none()
    ids = sorted(store_ids)
    staff = StoreMembership.objects.filter(store_id__in=ids).values("user_id")
    # Orders sit above stores: their model is looked up by name, not imported.
    orders = app_registry.get_model("orders", "Order")._default_manager
    customers = orders.filter(store_id__in=ids).values("customer_id")
    return people.filter(Q(pk__in=staff) | Q(pk__in=customers))


def user_can(user: Viewer, store: Store | int | None, capability: Capability) -> bool:
    if store is None:
        return False
    if is_platform_operator(user):
        return True
    store_id = store if isinstance(store, int) else store.pk
    role = store_roles(user).get(store_id)
    return role is not None and role_has(role, capability)


def user_can_anywhere(user: Viewer, capability: Capability) -> bool:
    store_ids = store_ids_for(user, capability)
    return store_ids is None or bool(store_ids)


def require_capability(
    actor: Actor | AnonymousUser, store: Store | int, capability: Capability
) -> None:
    """Raise PermissionDenied unless the actor may do this in the store (SYSTEM may).

    Callers first make sure the object is visible at all (else NotFound), so that a member
    of store A never learns whether an object of store B exists.
    """
    if isinstance(actor, SystemActor):
        return
    if not user_can(actor, store, capability):
        raise PermissionDenied(gettext("Your role in this store does not allow this action."))


def get_scoped_or_404(
    queryset: QuerySet[M], user: Viewer, *, store_field: str = "store", **lookup: Any
) -> M:
    """Fetch one object of the user's stores; another store's object is simply not found."""
    try:
        return scope_queryset(queryset, user, store_field=store_field).get(**lookup)
    except ObjectDoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


def current_store_id(request: HttpRequest) -> int | None:
    """The store chosen in the store switcher, if the user may still see it."""
    store_id: int | None = (
        request.session.get(SESSION_STORE_KEY) if hasattr(request, "session") else None
    )
    if store_id is None:
        return None
    allowed = store_ids_for(request.user)
    if allowed is not None and store_id not in allowed:
        return None
    return store_id


def scope_to_current_store(
    queryset: QuerySet[M],
    user: Viewer,
    request: HttpRequest | None = None,
    *,
    store_field: str = "store",
    capability: Capability = Capability.VIEW,
) -> QuerySet[M]:
    """scope_queryset, then narrowed to the store chosen in the switcher (if any)."""
    queryset = scope_queryset(queryset, user, store_field=store_field, capability=capability)
    selected = current_store_id(request) if request is not None else None
    return queryset.filter(**{f"{store_field}_id": selected}) if selected else queryset


def switcher_stores(request: HttpRequest) -> list[Store]:
    """The stores the switcher offers, by name; with their currency, so that a page that
    names its figures' stores (the dashboard) needs no second query."""
    return list(stores_for(request.user).only("pk", "name", "currency").order_by("name")[:50])


def switcher_context(request: HttpRequest, stores: list[Store] | None = None) -> dict[str, Any]:
    """The store switcher is offered to people who work in more than one store."""
    if stores is None:
        stores = switcher_stores(request)
    return {
        "switcher_stores": stores if len(stores) > 1 else [],
        "current_store": current_store_id(request),
    }
