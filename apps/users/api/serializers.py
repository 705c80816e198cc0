from django.contrib.auth import get_user_model
from rest_framework import serializers

User = get_user_model()


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "first_name", "last_name", "phone", "is_staff", "date_joined")
        read_only_fields = ("id", "email", "is_staff", "date_joined")


class MeUpdateInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class TokenObtainInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived access token: send as `Bearer <token>`.")
    refresh = serializers.CharField(help_text="Refresh token; each use returns a new one.")


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenVerifyInputSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenVerifiedSerializer(serializers.Serializer):
    valid = serializers.BooleanField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
