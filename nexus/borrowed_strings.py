"""Words of other projects' pages that Django finds no Russian for: django-unfold ships no
locale at all, and django-simple-history's Russian misses the titles of its pages.

Listed here only so `makemessages` keeps them in our catalogue (locale/ru), which Django reads
for every template, theirs too: the sidebar's search, the list's filters and actions, a form's
tabs, the theme switch, the sign-in page, an object's history. Never imported: gettext_noop
only marks. A msgid is copied exactly as its project writes it (its "..." included).
"""

from django.utils.translation import gettext_noop

BORROWED_STRINGS = (
    # The chrome: sidebar search, command palette, theme switch, back button.
    gettext_noop("Search apps and models..."),
    gettext_noop("All applications"),
    gettext_noop("Type to search"),
    gettext_noop("Recent searches"),
    gettext_noop("No recent searches"),
    gettext_noop("No results matching your query"),
    gettext_noop("Loading more results..."),
    gettext_noop("Light"),
    gettext_noop("Dark"),
    gettext_noop("System"),
    gettext_noop("Go back"),
    # Lists: filters, actions, selection, empty results, paging.
    gettext_noop("Apply Filters"),
    gettext_noop("Reset filters"),
    gettext_noop("Select value"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("Date from"),
    gettext_noop("Date to"),
    gettext_noop("Date"),
    gettext_noop("Not enough data."),
    gettext_noop("Select action"),
    gettext_noop("Select action to run"),
    gettext_noop("Run"),
    gettext_noop("More actions"),
    gettext_noop("Select all rows"),
    gettext_noop("Select record"),
    gettext_noop("Expand row"),
    gettext_noop("No results found"),
    gettext_noop("This page yielded into no results. Create a new item or reset your filters."),
    gettext_noop("No data"),
    gettext_noop("Previous"),
    gettext_noop("Next"),
    gettext_noop("True"),
    gettext_noop("False"),
    # Forms: tabs, inlines, files, passwords.
    gettext_noop("General"),
    gettext_noop("Record picture"),
    gettext_noop("This item will be deleted."),
    gettext_noop("Click to cancel"),
    gettext_noop("Image preview"),
    gettext_noop("Click to download"),
    gettext_noop("Choose file to upload"),
    gettext_noop("Toggle password visibility"),
    gettext_noop("After you've created a user, you’ll be able to edit more user options."),
    gettext_noop(
        "Raw passwords are not stored, so there is no way to see this user’s password, but "
        'you can change the password using <a href="{}" class="text-primary-600 '
        'dark:text-primary-500">this form</a>.'
    ),
    # History (unfold's templates of django-simple-history's pages, and its titles).
    gettext_noop("View history: %s"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Changes"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object"
    ),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    # Signing in and out.
    gettext_noop("Welcome back to"),
    gettext_noop("Forgotten your password or username?"),
    gettext_noop("Return to site"),
    gettext_noop("You have been successfully logged out from the administration"),
)
