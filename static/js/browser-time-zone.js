// The sign-in and sign-up forms send the browser's IANA time zone (hidden field `time_zone`):
// an account without a stored zone keeps it (accounts/preferences.py). Without this script the
// field stays empty and the server's TIME_ZONE applies until the Account page sets one.
for (const field of document.querySelectorAll('input[name="time_zone"][data-browser-time-zone]')) {
  field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}
