"""Auth endpoints: customer sign-up, JWT pair, rotation, verification, logout, profile.

The token endpoint authenticates through django.contrib.auth with the plain Django request,
so django-axes counts failures and locks accounts exactly as on the admin login (its
middleware then answers with the API error shape, see apps.core.api.lockout_response).
"""

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer, TokenVerifySerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.throttling import LoginRateThrottle, RegisterRateThrottle
from apps.users.api.serializers import (
    MeSerializer,
    MeUpdateInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenObtainInputSerializer,
    TokenPairSerializer,
    TokenVerifiedSerializer,
    TokenVerifyInputSerializer,
)
from apps.users.services import customer_register, user_update_profile

TAGS = ["auth"]


def _token_pair(refresh: RefreshToken) -> dict:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class _AnonymousAuthView(APIView):
    """Token endpoints ignore any Authorization header: the body carries the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # Without an authenticator DRF would turn a refused credential into 403; it is a 401.
        return 'Bearer realm="api"'


class RegisterView(_AnonymousAuthView):
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Register a customer account",
        description="Creates a customer (no back-office access). The password is checked by "
        "the server's password validators.",
        request=RegisterInputSerializer,
        responses={201: MeSerializer},
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = customer_register(**data.validated_data)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(_AnonymousAuthView):
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Sign in: email and password for an access and a refresh token",
        description="Repeated failures lock the account for this client (429 with Retry-After), "
        "the same way as the back-office login.",
        request=TokenObtainInputSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("No active account found with these credentials."), code="invalid_credentials"
            )
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, user)
        return Response(_token_pair(RefreshToken.for_user(user)))


class TokenRefreshView(_AnonymousAuthView):
    @extend_schema(
        tags=TAGS,
        summary="Exchange a refresh token for a new pair",
        description="Refresh tokens rotate: the one sent is blacklisted and cannot be used again.",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        RefreshInputSerializer(data=request.data).is_valid(raise_exception=True)
        # simplejwt's serializer does the rotation, the blacklisting and the active-user check.
        rotation = TokenRefreshSerializer(data=request.data)
        try:
            rotation.is_valid(raise_exception=True)
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        except ObjectDoesNotExist:
            raise InvalidToken(_("The account of this token no longer exists.")) from None
        return Response(rotation.validated_data)


class TokenVerifyView(_AnonymousAuthView):
    @extend_schema(
        tags=TAGS,
        summary="Check that a token is valid, unexpired and not blacklisted",
        request=TokenVerifyInputSerializer,
        responses={200: TokenVerifiedSerializer},
    )
    def post(self, request):
        TokenVerifyInputSerializer(data=request.data).is_valid(raise_exception=True)
        verification = TokenVerifySerializer(data=request.data)
        try:
            verification.is_valid(raise_exception=True)
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        except ValidationError:
            # simplejwt reports a blacklisted token as a validation error; it is not valid.
            raise InvalidToken(_("Token is blacklisted.")) from None
        return Response({"valid": True})


class LogoutView(_AnonymousAuthView):
    @extend_schema(
        tags=TAGS,
        summary="Sign out: blacklist a refresh token",
        description="Access tokens stay valid until they expire (minutes); the refresh token "
        "can no longer be exchanged.",
        request=RefreshInputSerializer,
        responses={204: None},
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, summary="Your own account", responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        tags=TAGS,
        summary="Change your name or phone",
        request=MeUpdateInputSerializer,
        responses={200: MeSerializer},
    )
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_update_profile(user=request.user, **data.validated_data)
        return Response(MeSerializer(user).data)
