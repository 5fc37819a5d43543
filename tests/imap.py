"""A real IMAP server for tests: a private Dovecot on 127.0.0.1, with one user and a Maildir in tmp.

Use the ``imap_server`` fixture (``"tests.imap"`` is in ``pytest_plugins``).
Dovecot (Debian's ``dovecot-imapd``, installed by ``scripts/install-system-packages.sh
--for-tests``) runs in the foreground with its own configuration file; nothing
of the system's Dovecot set-up is read or touched. As root, the mailbox belongs
to the ``dovecot`` system user and logins run as ``dovenull``, as in Debian's own
set-up; otherwise everything runs as the current user (and nothing is chrooted,
which only root may do).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .smtp import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "risposte"
PASSWORD = "imap-test-password"


class ImapServer:
    """The private Dovecot: :meth:`stop` and :meth:`start` take it away and bring it back on the same port."""

    def __init__(self, root: Path, port: int) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.username = USER
        self.password = PASSWORD
        self.log = root / "dovecot.log"
        self.config = _write_config(root, port)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        _wait_for_port(self.host, self.port, self.process, self.log)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.username, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put one message into ``folder`` through IMAP APPEND, as a mail server delivering it would."""
        imap = self.connect()
        try:
            imap.create(folder)  # "already exists" is a NO reply, not an exception
            typ, data = imap.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            imap.logout()

    def count(self, folder: str = "INBOX") -> int:
        """Every message of ``folder``, those flagged deleted but not expunged included."""
        imap = self.connect()
        try:
            typ, data = imap.select(folder, readonly=True)
            return int(data[0]) if typ == "OK" and data[0] else 0
        finally:
            imap.logout()

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The messages of ``folder`` not flagged deleted, in UID order ([] if there is no such folder)."""
        imap = self.connect()
        try:
            typ, _ = imap.select(folder, readonly=True)
            if typ != "OK":
                return []
            typ, data = imap.uid("SEARCH", "UNDELETED")
            found: list[bytes] = []
            for uid in (data[0] or b"").decode().split():
                typ, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                found.extend(part[1] for part in fetched if isinstance(part, tuple))
            return found
        finally:
            imap.logout()


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"dovecot exited with {process.returncode}: {text[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"dovecot did not listen on {host}:{port} within 15 s")


def _write_config(root: Path, port: int) -> Path:
    if os.geteuid() == 0:
        mail_user, internal_user, login_user = "dovecot", "dovecot", "dovenull"
    else:
        mail_user = internal_user = login_user = pwd.getpwuid(os.geteuid()).pw_name
    account = pwd.getpwnam(mail_user)
    group = grp.getgrgid(account.pw_gid).gr_name
    home = root / "home"
    home.mkdir()
    os.chown(home, account.pw_uid, account.pw_gid)
    (root / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{account.pw_uid}:{account.pw_gid}::{home}\n", encoding="utf-8"
    )
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = citizencare-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {min(account.pw_uid, 100)}
mail_location = maildir:{home}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
# no chroot: only root may chroot, and the tests may run as anyone
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    if not shutil.which(DOVECOT):
        pytest.fail(f"{DOVECOT} is missing: `apt-get install dovecot-imapd` (make test installs it)")
    # Not pytest's tmp_path: its parents are private to the current user, and as root
    # the mail belongs to the dovecot user, who must reach it.
    with tempfile.TemporaryDirectory(prefix="citizencare-dovecot-") as directory:
        root = Path(directory)
        os.chmod(root, 0o755)  # noqa: S103 - the dovecot user must reach the mail
        yield from _run_dovecot(root)


def _run_dovecot(root: Path) -> Iterator[ImapServer]:
    server = ImapServer(root, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
