from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import fields
from apps.users.selectors import default_shipping_address_for
from apps.users.services import password_min_length

User = get_user_model()


# A password is taken as typed, spaces included (Django's own password forms do not strip
# either), so the same password works in the back office and the API.
def password_field(**kwargs) -> fields.CharField:
    return fields.CharField(
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        **kwargs,
    )


class RegisterInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)
    password = password_field(
        min_length=password_min_length() or None,
        help_text="Not only digits; a very common password, or one too like the e-mail or "
        "name, is refused with 422 `invalid_password`.",
    )
    first_name = fields.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = fields.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = fields.CharField(max_length=32, required=False, allow_blank=True, default="")


class DefaultAddressSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Its id in `/api/v1/auth/me/addresses/`.")
    label = serializers.CharField()
    address = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="The fields of an order's `shipping_address`.",
    )


class MeSerializer(serializers.ModelSerializer):
    default_shipping_address = serializers.SerializerMethodField(
        help_text="The default entry of your address book, or null."
    )

    class Meta:
        model = User
        fields = (
            "id",
            "email",
            "email_verified_at",
            "first_name",
            "last_name",
            "phone",
            "is_staff",
            "date_joined",
            "default_shipping_address",
        )
        read_only_fields = ("id", "email", "email_verified_at", "is_staff", "date_joined")

    @extend_schema_field(DefaultAddressSerializer(allow_null=True))
    def get_default_shipping_address(self, user) -> dict | None:
        entry = default_shipping_address_for(user)
        if entry is None:
            return None
        return DefaultAddressSerializer(entry).data


class MeUpdateInputSerializer(serializers.Serializer):
    first_name = fields.CharField(max_length=150, required=False, allow_blank=True)
    last_name = fields.CharField(max_length=150, required=False, allow_blank=True)
    phone = fields.CharField(max_length=32, required=False, allow_blank=True)


class TokenObtainInputSerializer(serializers.Serializer):
    email = fields.CharField(max_length=254)
    password = password_field()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived access token: send as `Bearer <token>`.")
    refresh = serializers.CharField(help_text="Refresh token; each use returns a new one.")


class RefreshInputSerializer(serializers.Serializer):
    refresh = fields.CharField()


class TokenVerifyInputSerializer(serializers.Serializer):
    token = fields.CharField()


class TokenVerifiedSerializer(serializers.Serializer):
    valid = serializers.BooleanField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = fields.CharField(max_length=64)
    token = fields.CharField(max_length=128)
    new_password = password_field(
        min_length=password_min_length() or None,
        help_text="Not only digits; a very common password, or one too like the e-mail or "
        "name, is refused with 422 `invalid_password`.",
    )


class EmailChangeInputSerializer(serializers.Serializer):
    new_email = fields.EmailField(max_length=254)
    password = password_field(help_text="Your current password.")


class EmailChangeConfirmInputSerializer(serializers.Serializer):
    token = fields.CharField(max_length=128, help_text="The token the e-mail carried.")


class AccountDeleteInputSerializer(serializers.Serializer):
    password = password_field(help_text="Your current password.")
