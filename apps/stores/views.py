"""The page an invited person lands on from the e-mail: accept with the account that holds
the invited address (signed in, or by its password), or create that account by choosing a
password. Public on purpose: the unguessable link is the credential."""

from django.contrib import admin
from django.contrib.auth import authenticate, login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apps.core.client_ip import client_ip
from apps.core.errors import ApplicationError, NotFound
from apps.core.throttling import rate_allows
from apps.stores.forms import AcceptNewAccountForm, AcceptSignedOutForm
from apps.stores.services import (
    account_for_invitation,
    invitation_accept,
    invitation_accept_with_new_account,
    invitation_for_token,
)
from apps.users.models import canonical_email

TEMPLATE = "stores/invitation_accept.html"


def _page(request, context, status=200):
    return render(request, TEMPLATE, {**admin.site.each_context(request), **context}, status=status)


@never_cache
@sensitive_post_parameters("password", "password1", "password2")
def invitation_accept_view(request, token: str):
    try:
        invitation = invitation_for_token(token)
    except NotFound as error:
        return _page(request, {"invalid": str(error)}, status=404)
    account = account_for_invitation(invitation)
    signed_in_as_invitee = (
        request.user.is_authenticated and canonical_email(request.user.email) == invitation.email
    )
    form = _form(request, account=account, signed_in_as_invitee=signed_in_as_invitee)
    context = {"invitation": invitation, "form": form, "signed_in_as_invitee": signed_in_as_invitee}
    if request.method != "POST":
        return _page(request, context)
    if not rate_allows("login", client_ip(request)):
        context["error"] = _("Too many attempts from your address. Try again later.")
        return _page(request, context, status=429)
    if form is not None and not form.is_valid():
        return _page(request, context, status=400)
    try:
        user = _accept(request, token, invitation, account=account, form=form)
    except ApplicationError as error:
        context["error"] = error.message
        return _page(request, context, status=error.status_code)
    if not signed_in_as_invitee:
        login(request, user)
    return HttpResponseRedirect(reverse("admin:index"))


def _form(request, *, account, signed_in_as_invitee: bool):
    """The invitee signed in needs no form; an existing account proves itself by its
    password; a new one chooses its password."""
    if signed_in_as_invitee:
        return None
    if account is not None:
        return AcceptSignedOutForm(request.POST or None)
    return AcceptNewAccountForm(request.POST or None)


def _accept(request, token: str, invitation, *, account, form):
    """Accept with the account the page stands for; returns the person to sign in."""
    if form is None:
        invitation_accept(token=token, user=request.user)
        return request.user
    if account is not None:
        # Through django-axes like any sign-in: failures count towards the lock-out.
        user = authenticate(
            request, username=invitation.email, password=form.cleaned_data["password"]
        )
        if user is None:
            raise ApplicationError(
                _("Wrong password for %(email)s.") % {"email": invitation.email},
                code="wrong_password",
            )
        invitation_accept(token=token, user=user)
        return user
    invitation_accept_with_new_account(
        token=token,
        password=form.cleaned_data["password1"],
        first_name=form.cleaned_data["first_name"],
        last_name=form.cleaned_data["last_name"],
    )
    user = account_for_invitation(invitation)
    user.backend = "django.contrib.auth.backends.ModelBackend"
    return user


urlpatterns = [path("<str:token>/", invitation_accept_view, name="invitation-accept")]
