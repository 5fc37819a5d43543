"""The web servers' files in deploy/ match the settings' defaults."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flask_citizencare.config import SETTINGS

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_nginx_has_the_internal_photo_location_of_the_default_prefix() -> None:
    text = (DEPLOY / "nginx" / "citizencare.conf").read_text()
    prefix = SETTINGS["PHOTO_ACCEL_PREFIX"].default
    block = re.search(r"location " + re.escape(prefix) + r"/ \{(.*?)\}", text, re.S)
    assert block is not None
    assert re.search(r"^\s*internal;", block.group(1), re.M)
    assert "alias " in block.group(1)


def test_apache_limits_x_sendfile_to_the_photo_folder() -> None:
    text = (DEPLOY / "apache" / "citizencare.conf").read_text()
    assert "XSendFile On" in text
    assert re.search(r"^\s*XSendFilePath /\S+", text, re.M)


def test_nginx_accepts_the_file(tmp_path: Path) -> None:
    """``nginx -t`` on a copy with a throw-away certificate (Debian's nginx-light is enough)."""
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).is_file() or openssl is None:
        pytest.skip("nginx or openssl is not installed (apt-get install nginx-light openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "citizencare.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/comune.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/comune.example.org/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
