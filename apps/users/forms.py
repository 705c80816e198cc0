"""Self-service identity forms: a person resets their own password, never someone else's."""

import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.urls import reverse
from unfold.widgets import UnfoldAdminEmailInputWidget, UnfoldAdminPasswordWidget

from apps.core.throttling import count_in_window
from apps.users.models import canonical_email

RESET_EMAIL_SCOPE = "password_reset_email"


class NexusPasswordResetForm(PasswordResetForm):
    """Django's reset form (uniform answer, token bound to the password hash), with the
    address canonicalised, a cap on mails per address, and a link to the right page."""

    for_storefront = False

    def __init__(self, *args, for_storefront: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_storefront = for_storefront
        self.fields["email"].widget = UnfoldAdminEmailInputWidget(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_email(self):
        return canonical_email(self.cleaned_data["email"])

    def get_users(self, email):
        # Asking again and again must not flood someone's mailbox: past the cap the answer
        # is the same, but nothing is sent.
        # The address is hashed: keys stay short, and the cache holds no e-mail addresses.
        mailbox = hashlib.sha256(email.encode()).hexdigest()
        if count_in_window(RESET_EMAIL_SCOPE, mailbox, 3600, time.time()) > (
            settings.PASSWORD_RESET_EMAILS_PER_HOUR
        ):
            return iter(())
        return super().get_users(email)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context["reset_url"] = self.reset_url(context)
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)

    def reset_url(self, context) -> str:
        storefront = settings.STOREFRONT_PASSWORD_RESET_URL
        if self.for_storefront and storefront:
            query = urlencode({"uid": context["uid"], "token": context["token"]})
            return f"{storefront}{'&' if '?' in storefront else '?'}{query}"
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        return f"{context['protocol']}://{context['domain']}{path}"


class NexusSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget = UnfoldAdminPasswordWidget(
                attrs={"autocomplete": "new-password"}
            )
