"""Sign-in, sign-up, sign-out and Account pages (forgotten passwords and address
verification: accounts/recovery_pages.py). Sign in and sign out are Django's own views
(the sign-in one counted against AUTH_RATE_LIMIT, the sign-out one asking first on a GET).
Every change goes through accounts.services (the time zone and reminder settings through
accounts.preferences), as the API's do; every password check counts
against AUTH_RATE_LIMIT, as the API's do."""

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.addresses import EMAIL_MAX_LENGTH, email_verification_resend, email_verified
from accounts.mail import site_url
from accounts.preferences import (
    preferences_as_dict,
    preferences_update,
    time_zone_set_if_unknown,
)
from accounts.services import (
    password_confirm,
    user_delete,
    user_email_change,
    user_password_change,
    user_register,
    user_sign_out_everywhere,
)
from accounts.sessions import session_keep_signed_in
from config.ratelimit import (
    auth_attempt_retry_after,
    register_attempt_retry_after,
    too_many_message,
)

TOO_MANY_REQUESTS = 429


def password_field(label: str, *, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice."""

    password1 = password_field("Password", autocomplete="new-password")
    password2 = password_field("Confirm password", autocomplete="new-password")

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords don't match.")
        return cleaned


def email_form_field(**options) -> forms.EmailField:
    return forms.EmailField(
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **options,
    )


class SignUpForm(NewPasswordForm):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = email_form_field(
        label="Email (optional)",
        required=False,
        help_text="To get back into your account if you forget your password.",
    )
    field_order = ["username", "email", "password1", "password2"]


def refused_form(form: forms.Form, retry_after: int) -> forms.Form:
    """An unbound form (so a refused sign-in tests no password) showing the limit."""
    form.cleaned_data = {}  # what add_error needs; an unbound form was never cleaned
    form.add_error(None, too_many_message(retry_after))
    return form


def browser_time_zone(request: HttpRequest) -> str:
    """The zone the sign-in and sign-up forms' script reported ("" without one)."""
    return request.POST.get("time_zone", "")


def retry_later(response: HttpResponse, retry_after: int) -> HttpResponse:
    response.status_code = TOO_MANY_REQUESTS
    response["Retry-After"] = str(retry_after)
    return response


class SignInPage(LoginView):
    """Django's sign-in page; each POST is an attempt against AUTH_RATE_LIMIT. The browser's
    zone it sends becomes the account's when the account has none."""

    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        time_zone_set_if_unknown(user=form.get_user(), time_zone=browser_time_zone(self.request))
        return response

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = auth_attempt_retry_after(request)
        if retry_after is None:
            return super().post(request, *args, **kwargs)
        initial = {"username": request.POST.get("username", "")}
        form = refused_form(self.get_form_class()(request, initial=initial), retry_after)
        return retry_later(self.render_to_response(self.get_context_data(form=form)), retry_after)


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    """Create the account with `user_register` (the API's rules), sign in, open the chat."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST" and (
        retry_after := auth_attempt_retry_after(request) or register_attempt_retry_after(request)
    ):
        form = refused_form(
            SignUpForm(initial={"username": request.POST.get("username", "")}), retry_after
        )
        page = render(request, "registration/signup.html", {"form": form})
        return retry_later(page, retry_after)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
                site_url=site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            login(request, user)
            time_zone_set_if_unknown(user=user, time_zone=browser_time_zone(request))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})


class SignOutView(LogoutView):
    """GET asks to confirm (a link or a typed URL never signs anyone out, and never answers
    405); POST signs out and the sign-in page says so."""

    template_name = "registration/signout.html"
    http_method_names = ["get", "post", "options"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You've signed out.")
        return response


# --- The Account page: email address, password, time and reminders, sign out everywhere, my
# data, delete ---------------------------------------------------------------------------------


class EmailChangeForm(forms.Form):
    email = email_form_field(label="Email address", required=False)
    password = password_field("Password, to confirm the change", autocomplete="current-password")


class PasswordChangeForm(NewPasswordForm):
    old_password = password_field("Current password", autocomplete="current-password")
    field_order = ["old_password", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "Confirm new password"


REMINDER_CHOICES = [
    ("", "No reminder"),
    ("0", "At the due time"),
    ("5", "5 minutes before"),
    ("10", "10 minutes before"),
    ("15", "15 minutes before"),
    ("30", "30 minutes before"),
    ("60", "1 hour before"),
    ("120", "2 hours before"),
    ("1440", "1 day before"),
]


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [("", "Not set"), *((zone, zone) for zone in sorted(available_timezones()))]


class PreferencesForm(forms.Form):
    """The time zone, the default reminder and the reminder channels (accounts.preferences)."""

    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Due times, repeats and reminders are in this zone. Not set: the zone of the "
        "browser you sign in with.",
    )
    default_reminder_minutes = forms.TypedChoiceField(
        label="Default reminder",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The reminder a task gets when you give it a due time.",
    )
    remind_in_page = forms.BooleanField(
        label="In the page: a notification in your open Taskstream pages", required=False
    )
    remind_by_email = forms.BooleanField(label="By email, to your verified address", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()
        choices = list(REMINDER_CHOICES)
        stored = self.initial.get("default_reminder_minutes")
        if stored is not None and str(stored) not in dict(choices):  # set through the API
            choices.append((str(stored), f"{stored} minutes before"))
        self.fields["default_reminder_minutes"].choices = choices

    @classmethod
    def for_user(cls, user, data=None) -> "PreferencesForm":
        initial = preferences_as_dict(user)
        return cls(data, initial=initial, prefix="preferences")


class AccountDeleteForm(forms.Form):
    password = password_field("Your password", autocomplete="current-password")
    confirm = forms.BooleanField(
        label="I understand that my account, all my conversations and all my tasks will be "
        "deleted for good.",
    )


def add_service_errors(form: forms.Form, exc: ValidationError, fields: dict[str, str]) -> None:
    """Show a service's field errors on the form's fields (`fields` maps service → form)."""
    for field, field_messages in exc.message_dict.items():
        target = fields.get(field, field)
        for message in field_messages:
            form.add_error(target if target in form.fields else None, message)


def _focus_first_error(form: forms.Form) -> None:
    """A refused form comes back with the focus on its first wrong field (which names its
    error through aria-describedby), or on its first field when the error is the form's."""
    if not form.errors:
        return
    name = next((name for name in form.fields if name in form.errors), next(iter(form.fields)))
    form.fields[name].widget.attrs["autofocus"] = True


def _account_page(request: HttpRequest, **forms_and_status) -> HttpResponse:
    status = forms_and_status.pop("status", 200)
    for form in forms_and_status.values():
        _focus_first_error(form)
    context = {
        "email_form": EmailChangeForm(initial={"email": request.user.email}, prefix="email"),
        "email_verified": email_verified(request.user),
        "password_form": PasswordChangeForm(),
        "preferences_form": PreferencesForm.for_user(request.user),
        "delete_form": AccountDeleteForm(),
        **forms_and_status,
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@login_required
@require_POST
@sensitive_post_parameters("email-password")
def account_email(request: HttpRequest) -> HttpResponse:
    """Set, change or remove the address with `user_email_change` (the password confirms it)."""
    if retry_after := auth_attempt_retry_after(request):
        form = refused_form(EmailChangeForm(prefix="email"), retry_after)
        return retry_later(_account_page(request, email_form=form), retry_after)
    form = EmailChangeForm(request.POST, prefix="email")
    if form.is_valid():
        try:
            changed = user_email_change(
                user=request.user,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                site_url=site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {})
        else:
            messages.success(request, _email_saved_message(request.user, changed=changed))
            return redirect("account")
    return _account_page(request, email_form=form, status=400)


def _email_saved_message(user, *, changed: bool) -> str:
    if not changed:
        return "Your email address is unchanged."
    if not user.email:
        return "Your email address is removed."
    return "Your email address is saved. Open the link we sent to it to verify it."


@login_required
@require_POST
def account_email_resend(request: HttpRequest) -> HttpResponse:
    """Mail the verification link again (AUTH_RATE_LIMIT per client, EMAIL_RATE_LIMIT per
    address, silently)."""
    if retry_after := auth_attempt_retry_after(request):
        messages.error(request, too_many_message(retry_after))
        return redirect("account")
    try:
        email_verification_resend(user=request.user, site_url=site_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "A new verification link is on its way to your address.")
    return redirect("account")


@login_required
@require_POST
@sensitive_post_parameters("old_password", "password1", "password2")
def account_password(request: HttpRequest) -> HttpResponse:
    """Change the password with `user_password_change`; this session stays signed in."""
    if retry_after := auth_attempt_retry_after(request):
        form = refused_form(PasswordChangeForm(), retry_after)
        return retry_later(_account_page(request, password_form=form), retry_after)
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user_password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password1"],
                keep_session_key=request.session.session_key,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"new_password": "password1"})
        else:
            session_keep_signed_in(request, request.user)
            messages.success(request, "Your password is changed. Other devices are signed out.")
            return redirect("account")
    return _account_page(request, password_form=form, status=400)


@login_required
@require_POST
def account_preferences(request: HttpRequest) -> HttpResponse:
    """Store the time zone, the default reminder and the channels (`preferences_update`)."""
    form = PreferencesForm.for_user(request.user, request.POST)
    if form.is_valid():
        preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your time zone and reminder settings are saved.")
        return redirect("account")
    return _account_page(request, preferences_form=form, status=400)


@login_required
@require_POST
def account_sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session (this one too) and every token of the user."""
    user_sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(
        request, "You've signed out everywhere: every device and app must sign in again."
    )
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_POST
@sensitive_post_parameters("password")
def account_delete(request: HttpRequest) -> HttpResponse:
    if retry_after := auth_attempt_retry_after(request):
        form = refused_form(AccountDeleteForm(), retry_after)
        return retry_later(_account_page(request, delete_form=form), retry_after)
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            password_confirm(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            add_service_errors(form, exc, {})
        else:
            user_delete(user=request.user)
            logout(request)
            messages.success(request, "Your account and all its data are deleted.")
            return redirect("login")
    return _account_page(request, delete_form=form, status=400)
