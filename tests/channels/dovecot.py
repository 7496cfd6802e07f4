"""A throwaway Dovecot IMAP server on a loopback port, as tests/conftest.py runs PostgreSQL.

Its configuration, passwd-file user, maildir, logs and sockets all live in one temporary folder
that is removed at the end; a watchdog stops it even if the test process is killed first.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "orders", "imap-test-password"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    folder: Path

    def box(self, **extra: object) -> dict[str, object]:
        return {"host": self.host, "port": self.port, "tls": "none", "user": self.user,
                "password": self.password, "folder": "INBOX", **extra}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dovecot() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if not found:
        pytest.fail("Dovecot was not found; run `make system-deps` (installs dovecot-imapd).")
    return found


def _config(folder: Path, port: int) -> str:
    root = os.geteuid() == 0
    internal = "dovecot" if root else pwd.getpwuid(os.geteuid()).pw_name
    login = "dovenull" if root else internal
    mail_user = pwd.getpwnam(internal)
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(mail_user.pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={folder}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""


@contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    binary = _dovecot()
    folder = Path(tempfile.mkdtemp(prefix="calmdesk-imap-"))
    folder.chmod(0o755)
    port = _free_port()
    for sub in ("run", "state", "mail", "home"):
        (folder / sub).mkdir()
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            shutil.chown(folder / sub, "dovecot", "dovecot")
    config = folder / "dovecot.conf"
    config.write_text(_config(folder, port))
    with (folder / "start.log").open("w") as out:  # the daemon keeps no pipe of ours open
        started = subprocess.run([binary, "-c", str(config)], stdout=out, stderr=out, check=False)
    if started.returncode != 0:
        output = (folder / "start.log").read_text()
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"dovecot did not start: {output}")
    stop = [binary, "-c", str(config), "stop"]
    watchdog = subprocess.Popen(
        ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
         f"{shlex.join(stop)}; rm -rf {shlex.quote(str(folder))}"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port, folder)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, folder)
    finally:
        os.killpg(watchdog.pid, signal.SIGTERM)
        watchdog.wait(timeout=10)
        subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
    pytest.fail(f"dovecot did not listen on port {port}: {log[-2000:]}")
