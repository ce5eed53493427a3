"""The `dustmail` pytest plugin as a user meets it: a test file that uses nothing but the
fixture, run by pytest in a subprocess of its own (pytester), where the plugin comes from
the installed package's `pytest11` entry point (no conftest, no `-p`)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

# Plugins of this project's own test extra that the runs below do not need (they take
# seconds to import); the dustmail plugin still comes from its entry point.
UNRELATED = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis")

# A fake application under test: it signs a user up and mails a code, as a real app would.
SIGN_UP_TESTS = '''
import random
import smtplib
from email.message import EmailMessage

class FakeApp:
    def __init__(self, smtp_port):
        self.smtp_port = smtp_port
        self.codes = {}

    def sign_up(self, email):
        code = f"{random.randrange(10**6):06d}"
        self.codes[email] = code
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "app@example.com", email, "Confirm your account"
        mail.set_content(f"Welcome! Your verification code is {code}.")
        with smtplib.SMTP("127.0.0.1", self.smtp_port) as smtp:
            smtp.send_message(mail)

    def confirm(self, email, code):
        return self.codes.get(email) == code

CREATED = []

def test_sign_up_with_the_emailed_code(dustmail):
    app = FakeApp(dustmail.smtp_port)
    inbox = dustmail.new_inbox()
    CREATED.append(inbox.id)
    app.sign_up(inbox.email)
    code = dustmail.client.wait_for_code(inbox, timeout=10)
    assert app.confirm(inbox.email, code)

def test_send_helper_and_cleanup_between_tests(dustmail):
    ids = [i.id for i in dustmail.client.list_inboxes().items]
    assert CREATED and CREATED[0] not in ids  # the first test's inbox was deleted after it
    inbox = dustmail.new_inbox()
    dustmail.send(inbox, subject="Reset", text="Reset here: https://app.example/reset/abc")
    assert dustmail.client.wait_for_link(inbox, timeout=10) == "https://app.example/reset/abc"
'''


def test_plugin_is_registered_by_the_package():
    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("dustmail") == "dustmail_lite.pytest_plugin"


def test_a_suite_using_only_the_fixture_signs_up_and_reads_the_code(pytester: pytest.Pytester):
    pytester.makepyfile(test_signup=SIGN_UP_TESTS)
    result = pytester.runpytest_subprocess(*UNRELATED)
    result.assert_outcomes(passed=2)


def test_against_a_running_server(pytester: pytest.Pytester, live):
    key = live.key("ci", "premium")
    pytester.makepyfile(
        test_remote=f'''
def test_uses_the_given_server(dustmail):
    assert dustmail.base_url == "{live.base_url}"
    inbox = dustmail.new_inbox()
    dustmail.send(inbox, text="code 908172")
    assert dustmail.client.wait_for_code(inbox, timeout=10) == "908172"
'''
    )
    result = pytester.runpytest_subprocess(
        *UNRELATED,
        "--dustmail-url", live.base_url, "--dustmail-key", key,
        "--dustmail-smtp", f"127.0.0.1:{live.smtp_port}",
    )
    result.assert_outcomes(passed=1)
    # The inbox the test made is gone again.
    r = live.http.get("/api/v1/inbox", headers=live.auth(key))
    assert r.json()["meta"]["total"] == 0


def test_a_suite_that_does_not_ask_for_it_starts_nothing(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_plain='''
import threading

def test_no_server_thread():
    assert not [t for t in threading.enumerate() if t.name == "dustmail-lite"]
'''
    )
    result = pytester.runpytest(*UNRELATED)
    result.assert_outcomes(passed=1)
    help_text = pytester.runpytest("--help").stdout.str()
    assert "--dustmail-url" in help_text and "--dustmail-smtp" in help_text


def test_this_projects_own_options_and_the_plugins_live_side_by_side(pytestconfig: pytest.Config):
    # This suite runs with the plugin loaded too (it is installed): its options are there
    # beside tests/conftest.py's, and no fixture of it is autouse.
    assert pytestconfig.getoption("--dustmail-url") is None
    assert pytestconfig.getoption("--container") is False
    assert pytestconfig.pluginmanager.has_plugin("dustmail")


def test_url_without_key_is_a_usage_error(pytester: pytest.Pytester):
    pytester.makepyfile(test_x="def test_x(dustmail):\n    pass\n")
    result = pytester.runpytest(*UNRELATED, "--dustmail-url", "http://127.0.0.1:9")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*--dustmail-url needs --dustmail-key*"])
