from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.users.models import User

DEMO_SUPERUSER_EMAIL = "admin@nexus.local"
DEMO_SUPERUSER_PASSWORD = "nexus-admin"


class Command(BaseCommand):
    help = "Create (or reset) the development superuser and print its login."

    def handle(self, *args, **options):
        if settings.ENVIRONMENT != "development":
            raise CommandError("The demo superuser exists only when ENVIRONMENT=development.")
        user = User.objects.filter(email=DEMO_SUPERUSER_EMAIL).first()
        if user is None:
            User.objects.create_superuser(DEMO_SUPERUSER_EMAIL, DEMO_SUPERUSER_PASSWORD)
        else:
            user.set_password(DEMO_SUPERUSER_PASSWORD)
            user.is_active = user.is_staff = user.is_superuser = True
            user.save()
        self.stdout.write(
            f"Superuser: {DEMO_SUPERUSER_EMAIL} / {DEMO_SUPERUSER_PASSWORD} (development only)"
        )
