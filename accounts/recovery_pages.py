"""Pages for getting back into an account: "Forgot password?" (ask for a link), the page the
link opens (the new password, twice), and the page a verification link opens. They call the
same services as the API (accounts.password_reset, accounts.addresses)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.addresses import email_verify
from accounts.mail import site_url
from accounts.pages import (
    NewPasswordForm,
    add_service_errors,
    email_form_field,
    refused_form,
    retry_later,
)
from accounts.password_reset import (
    password_reset_confirm,
    password_reset_request,
    password_reset_user,
)
from accounts.sessions import session_keep_signed_in
from config.ratelimit import auth_attempt_retry_after

SIGNED_OUT_ELSEWHERE = "Every other device and app signed in to your account is signed out."


class PasswordResetRequestForm(forms.Form):
    email = email_form_field(label="Email address")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autofocus"] = True


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a link; every address (known, unknown, unverified) gets the same next page."""
    template = "registration/password_reset_form.html"
    if request.method == "POST" and (retry_after := auth_attempt_retry_after(request)):
        initial = {"email": request.POST.get("email", "")}
        form = refused_form(PasswordResetRequestForm(initial=initial), retry_after)
        return retry_later(render(request, template, {"form": form}), retry_after)
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            password_reset_request(email=form.cleaned_data["email"], site_url=site_url(request))
            return redirect("password-reset-sent")
        return render(request, template, {"form": form}, status=400)
    return render(request, template, {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_reset_sent.html")


class SetPasswordForm(NewPasswordForm):
    """The new password twice, with the link's `uid` and `token` carried along."""

    uid = forms.CharField(widget=forms.HiddenInput, max_length=64)
    token = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "Confirm new password"
        self.fields["password1"].widget.attrs["autofocus"] = True


@sensitive_post_parameters("password1", "password2", "token")
def password_reset_confirm_page(request: HttpRequest) -> HttpResponse:
    """The page a reset link opens (`?uid=…&token=…`, kept out of the access log with every
    query string). A signed-in user of that account stays signed in here; every other session
    and token of theirs ends."""
    template = "registration/password_reset_confirm.html"
    if request.method != "POST":
        link = _link_of(request.GET)
        valid = password_reset_user(**link) is not None
        form = SetPasswordForm(initial=link)
        return render(request, template, {"form": form, "validlink": valid})
    if retry_after := auth_attempt_retry_after(request):
        form = refused_form(SetPasswordForm(initial=_link_of(request.POST)), retry_after)
        page = render(request, template, {"form": form, "validlink": True})
        return retry_later(page, retry_after)
    form = SetPasswordForm(request.POST)
    if "uid" in form.errors or "token" in form.errors:
        return render(request, template, {"form": form, "validlink": False}, status=400)
    if form.is_valid():
        link = {"uid": form.cleaned_data["uid"], "token": form.cleaned_data["token"]}
        target = password_reset_user(**link)
        if target is None:
            return render(request, template, {"form": form, "validlink": False}, status=400)
        signed_in_as_target = request.user.is_authenticated and request.user.pk == target.pk
        try:
            user = password_reset_confirm(
                **link,
                new_password=form.cleaned_data["password1"],
                keep_session_key=request.session.session_key if signed_in_as_target else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"new_password": "password1", "token": None})
        else:
            if signed_in_as_target:
                session_keep_signed_in(request, user)
                messages.success(request, f"Your password is changed. {SIGNED_OUT_ELSEWHERE}")
                return redirect("account")
            messages.success(
                request, f"Your password is set: sign in with it. {SIGNED_OUT_ELSEWHERE}"
            )
            return redirect("login")
    return render(request, template, {"form": form, "validlink": True}, status=400)


def _link_of(data) -> dict[str, str]:
    return {"uid": data.get("uid", ""), "token": data.get("token", "")}


def email_verify_page(request: HttpRequest) -> HttpResponse:
    """The page a verification link opens (`?token=…`): opening it verifies the address."""
    try:
        email_verify(token=request.GET.get("token", ""))
    except ValidationError:
        return render(request, "registration/email_verified.html", {"verified": False})
    if request.user.is_authenticated:
        messages.success(request, "Your email address is verified.")
        return redirect("account")
    return render(request, "registration/email_verified.html", {"verified": True})
