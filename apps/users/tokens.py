"""API tokens that die with the password: every token carries the account's token generation.

Changing or resetting the password, deactivation and "sign out everywhere" raise the
generation, so every access and refresh token issued before stops working at once, not when
it expires. Rotation alone would let a stolen refresh token live forever.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from apps.users.models import User

GENERATION_CLAIM = "gen"
REVOKED_MESSAGE = _("This token was revoked: the password changed or the account signed out.")


class NexusRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[GENERATION_CLAIM] = user.token_generation
        return token


def token_is_current(user, token) -> bool:
    # A token without the claim was issued at generation 0, before any revocation.
    return token.get(GENERATION_CLAIM, 0) == user.token_generation


def token_is_revoked(token) -> bool:
    """For a token whose signature is already checked: its account moved on since it was issued."""
    user = User.objects.filter(
        **{api_settings.USER_ID_FIELD: token.get(api_settings.USER_ID_CLAIM)}
    ).first()
    return user is None or not user.is_active or not token_is_current(user, token)


class NexusJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not token_is_current(user, validated_token):
            raise AuthenticationFailed(REVOKED_MESSAGE, code="token_revoked")
        return user


class NexusTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = NexusRefreshToken

    def validate(self, attrs):
        if token_is_revoked(self.token_class(attrs["refresh"])):
            raise AuthenticationFailed(REVOKED_MESSAGE, code="token_revoked")
        return super().validate(attrs)


class NexusJWTScheme(SimpleJWTScheme):
    """Describes the authenticator above in the OpenAPI schema as the Bearer scheme it is."""

    target_class = NexusJWTAuthentication
