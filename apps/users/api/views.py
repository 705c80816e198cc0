"""Auth endpoints: customer sign-up, JWT pair, rotation, verification, logout (one device or
all), password reset, profile.

The token endpoint authenticates through django.contrib.auth with the plain Django request,
so django-axes counts failures and locks accounts exactly as on the admin login (its
middleware then answers with the API error shape, see apps.core.api.errors.lockout_response).
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
from rest_framework_simplejwt.serializers import TokenVerifySerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import UntypedToken

from apps.core.api.schema import NexusAutoSchema, error_response
from apps.core.throttling import (
    AccountChangeRateThrottle,
    LoginRateThrottle,
    PasswordResetRateThrottle,
    RegisterRateThrottle,
)
from apps.orders.anonymise import customer_account_delete
from apps.users.api.serializers import (
    AccountDeleteInputSerializer,
    EmailChangeConfirmInputSerializer,
    EmailChangeInputSerializer,
    MeSerializer,
    MeUpdateInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenObtainInputSerializer,
    TokenPairSerializer,
    TokenVerifiedSerializer,
    TokenVerifyInputSerializer,
)
from apps.users.email_change import email_change_confirm, email_change_request
from apps.users.services import (
    customer_register,
    password_reset_confirm,
    password_reset_request,
    user_tokens_revoke,
    user_update_profile,
)
from apps.users.tokens import (
    REVOKED_MESSAGE,
    NexusRefreshToken,
    NexusTokenRefreshSerializer,
    token_is_revoked,
)

TAGS = ["auth"]


def _token_pair(refresh: NexusRefreshToken) -> dict:
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
        responses={
            201: MeSerializer,
            409: error_response(409, "email_taken"),
            422: error_response(422, "invalid_password"),
        },
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
        responses={200: TokenPairSerializer, 401: error_response(401, "invalid_credentials")},
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
        return Response(_token_pair(NexusRefreshToken.for_user(user)))


class TokenRefreshView(_AnonymousAuthView):
    @extend_schema(
        tags=TAGS,
        summary="Exchange a refresh token for a new pair",
        description="Refresh tokens rotate: the one sent is blacklisted and cannot be used again. "
        "A token issued before a password change, a reset or a sign-out everywhere is refused.",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request):
        RefreshInputSerializer(data=request.data).is_valid(raise_exception=True)
        # simplejwt's serializer does the rotation, the blacklisting and the active-user check.
        rotation = NexusTokenRefreshSerializer(data=request.data)
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
        if token_is_revoked(UntypedToken(request.data["token"])):
            raise InvalidToken(str(REVOKED_MESSAGE))
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
            NexusRefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Sign out everywhere: revoke every token of your account",
        description="Every access and refresh token issued before this call stops working, on "
        "every device, this one included. A password change or reset does the same.",
        request=None,
        responses={204: None},
    )
    def post(self, request):
        user_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(_AnonymousAuthView):
    throttle_classes = [PasswordResetRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Forgot password: e-mail a one-time reset link",
        description="Always answers 202, whether an account uses the address or not. The link "
        "leads to STOREFRONT_PASSWORD_RESET_URL (with `uid` and `token` in its query) when it is "
        "set, else to the back office's reset page; it expires after PASSWORD_RESET_HOURS.",
        request=PasswordResetInputSerializer,
        responses={202: None},
    )
    def post(self, request):
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(
            email=data.validated_data["email"], request=request._request, for_storefront=True
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(_AnonymousAuthView):
    # Setting a password is a sign-in: it shares the address's sign-in budget.
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Set a new password with the `uid` and `token` of a reset link",
        description="The link works once. Every token issued before is revoked: sign in again.",
        request=PasswordResetConfirmInputSerializer,
        responses={204: None, 422: error_response(422, "invalid_token", "invalid_password")},
    )
    def post(self, request):
        data = PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(
            uidb64=data.validated_data["uid"],
            token=data.validated_data["token"],
            new_password=data.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class _BodyOnDeleteSchema(NexusAutoSchema):
    """`DELETE /auth/me/` takes the password in its body (DRF reads DELETE bodies; a header
    would not carry every password, being Latin-1); the schema describes that body as it does
    a POST's. OpenAPI 3.0 lets tools ignore a DELETE body, so the description says it too."""

    def _get_request_body(self, direction="request"):
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    schema = _BodyOnDeleteSchema()

    def get_throttles(self):
        if self.request.method == "DELETE":
            return [AccountChangeRateThrottle()]
        return super().get_throttles()

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

    @extend_schema(
        tags=TAGS,
        summary="Delete your account",
        description='Send your current password as JSON in the body: `{"password": "…"}` '
        "(`wrong_password` else; failures count towards the sign-in lock-out). Your name, phone, "
        "e-mail and addresses are erased, you are signed out everywhere and cannot sign in "
        "again. Your orders stay with the shops, for their books, without your name, contact "
        "or street address. Refused while an order is still to be shipped "
        "(`orders_in_progress`: cancel it or wait until it has left), and for people who work "
        "in a store (`staff_account`: an owner removes them first). Throttled per account.",
        request=AccountDeleteInputSerializer,
        responses={
            204: None,
            403: error_response(403, "staff_account"),
            409: error_response(409, "orders_in_progress"),
            422: error_response(422, "wrong_password"),
        },
    )
    def delete(self, request):
        data = AccountDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_account_delete(
            user=request.user, password=data.validated_data["password"], request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [AccountChangeRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Change your e-mail: mail a confirmation to the new address",
        description="Takes the new address and your current password (`wrong_password` else; "
        "failures count towards the sign-in lock-out). Answers 202 and mails a one-time token "
        "to the new address, valid EMAIL_CHANGE_HOURS, led to STOREFRONT_EMAIL_CHANGE_URL "
        "(`?token=…`) when it is set; nothing changes until `POST /api/v1/auth/me/email/"
        "confirm/`. An address of another account gets the same answer: its owner is told by "
        "mail instead, and no token is made. Your own unverified address may be asked for too, "
        "to verify it. Asking again replaces the earlier token. Throttled per account.",
        request=EmailChangeInputSerializer,
        responses={
            202: None,
            409: error_response(409, "email_unchanged"),
            422: error_response(422, "wrong_password"),
        },
    )
    def post(self, request):
        data = EmailChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email_change_request(
            user=request.user,
            new_email=data.validated_data["new_email"],
            password=data.validated_data["password"],
            request=request._request,
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [AccountChangeRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Confirm your new e-mail with the token it received",
        description="Signed in as the account that asked. The address becomes your sign-in "
        "and is marked verified; the token works once (`invalid_token` when used, expired, "
        "replaced or not yours). A changed address revokes every token of the account, like a "
        "password change: the answer is a new pair for this device. The old address is told.",
        request=EmailChangeConfirmInputSerializer,
        responses={
            200: TokenPairSerializer,
            409: error_response(409, "email_taken"),
            422: error_response(422, "invalid_token"),
        },
    )
    def post(self, request):
        data = EmailChangeConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_change_confirm(user=request.user, token=data.validated_data["token"])
        return Response(_token_pair(NexusRefreshToken.for_user(user)))
