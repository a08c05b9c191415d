"""Sign-in and sign-up pages; sign in and sign out are Django's own views (the sign-in one
counted against AUTH_RATE_LIMIT here)."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.services import user_register
from config.ratelimit import auth_attempt_retry_after, too_many_message

TOO_MANY_REQUESTS = 429


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords don't match.")
        return cleaned


def _refused_form(form: forms.Form, retry_after: int) -> forms.Form:
    """An unbound form (so a refused sign-in tests no password) showing the limit."""
    form.cleaned_data = {}  # what add_error needs; an unbound form was never cleaned
    form.add_error(None, too_many_message(retry_after))
    return form


def _retry_later(response: HttpResponse, retry_after: int) -> HttpResponse:
    response.status_code = TOO_MANY_REQUESTS
    response["Retry-After"] = str(retry_after)
    return response


class SignInPage(LoginView):
    """Django's sign-in page; each POST is an attempt against AUTH_RATE_LIMIT."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = auth_attempt_retry_after(request)
        if retry_after is None:
            return super().post(request, *args, **kwargs)
        initial = {"username": request.POST.get("username", "")}
        form = _refused_form(self.get_form_class()(request, initial=initial), retry_after)
        return _retry_later(self.render_to_response(self.get_context_data(form=form)), retry_after)


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    """Create the account with `user_register` (the API's rules), sign in, open the chat."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST" and (retry_after := auth_attempt_retry_after(request)):
        form = _refused_form(
            SignUpForm(initial={"username": request.POST.get("username", "")}), retry_after
        )
        page = render(request, "registration/signup.html", {"form": form})
        return _retry_later(page, retry_after)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = "password1" if field == "password" else field
                for message in messages:
                    form.add_error(target if target in form.fields else None, message)
        else:
            login(request, user)
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})
