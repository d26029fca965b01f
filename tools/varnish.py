"""Varnish in front of a running site, for the tests and the benchmark: deploy/varnish/blog.vcl
with its backend pointed at `backend_port`, listening on a free port of 127.0.0.1.

    with running_varnish(8000) as port:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/")

Needs varnishd with the xkey module (Debian: varnish, varnish-modules)."""

import contextlib
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VCL = Path(__file__).resolve().parents[1] / "deploy" / "varnish" / "blog.vcl"


def is_installed():
    """Whether varnishd and its xkey module are on this machine."""
    varnishd = shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
    )
    if varnishd is None:
        return None
    modules = list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))
    modules += list(Path("/usr/lib/varnish/vmods").glob("libvmod_xkey.so"))
    return varnishd if modules else None


def vcl_for(backend_port, backend_host="127.0.0.1"):
    """The shipped VCL with its backend moved to `backend_host`:`backend_port`."""
    text = VCL.read_text()
    text = re.sub(r'\.host = "[^"]*";', f'.host = "{backend_host}";', text, count=1)
    return re.sub(r'\.port = "\d+";', f'.port = "{backend_port}";', text, count=1)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_varnish(backend_port, *, memory="64m"):
    """Start varnishd in the foreground of a child process; yield its port; stop it."""
    varnishd = is_installed()
    if varnishd is None:
        raise RuntimeError("varnishd with the xkey module is not installed")
    with tempfile.TemporaryDirectory(prefix="varnish-") as folder:
        vcl = Path(folder) / "blog.vcl"
        vcl.write_text(vcl_for(backend_port))
        port = free_port()
        process = subprocess.Popen(
            [
                varnishd,
                "-F",  # in the foreground: stopped with this process
                "-j",
                "none",  # as the current user, in a folder of our own
                "-n",
                str(Path(folder) / "work"),
                "-a",
                f"127.0.0.1:{port}",
                "-T",
                "none",  # no management port
                "-f",
                str(vcl),
                "-s",
                f"malloc,{memory}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, process)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace")
            raise RuntimeError(f"varnishd stopped: {output[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"varnishd did not listen on {port} in {seconds} s")
