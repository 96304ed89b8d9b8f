"""`make run`'s supervisor: a clear message for a taken port, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from django.conf import settings

from upr_portal.lib import devstack


def test_a_taken_port_gets_a_clear_message(monkeypatch, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HOST", "127.0.0.1")
        monkeypatch.setenv("PORT", str(port))
        assert devstack.cmd_run() == 2
    err = capsys.readouterr().err
    assert f"Port {port} on 127.0.0.1 is already in use" in err
    assert f"make run PORT={port + 1}" in err


def test_a_bad_port_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("PORT", "eighty")
    assert devstack.cmd_run() == 2
    assert "PORT must be a number" in capsys.readouterr().err


def test_run_serves_the_portal_and_ctrl_c_stops_every_process(tmp_path):
    """Start the real supervisor on the test servers, hit it, then SIGINT its process group."""
    port = devstack.free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_DATA_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "upr_portal.lib.devstack", "run"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    children: list[psutil.Process] = []
    try:
        if not devstack.wait_for_port("127.0.0.1", port, 120):
            os.killpg(proc.pid, signal.SIGINT)
            pytest.fail(
                "the web server never came up:\n" + proc.communicate(timeout=60)[0].decode()
            )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert json.load(response)["checks"] == {"database": "ok", "redis": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert b"UPR Cities Portal" in response.read()
        children = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        assert "runserver" in names and "worker" in names and "beat" in names
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
        output = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "coordinator@demo.upr-cities.org" in output  # the banner with the demo logins
    time.sleep(0.5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"orphans left: {[c.cmdline() for c in alive]}"
