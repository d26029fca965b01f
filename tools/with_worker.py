"""Run the web server with the background worker (manage.py db_worker) beside it, as one
command: `python tools/with_worker.py <server command…>`. `make run` and `make serve` use it.

Ctrl-C or SIGTERM stops both: each is sent SIGTERM once (the worker finishes the task in hand,
then exits; a task not yet begun stays queued for the next start) and is waited for; a second
Ctrl-C kills them. If either stops by itself, the other is stopped too."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MANAGE = Path(__file__).resolve().parents[1] / "manage.py"


def stop(processes, how):
    for process in processes:
        if process.poll() is None:
            # Each child leads a process group of its own (runserver's reloader has a child).
            os.killpg(process.pid, how)


def main(server_command):
    # --no-reload: under DEBUG the worker would run beneath Django's autoreloader, which kills it
    # at once on a signal, the task in hand left RUNNING for ever.
    worker = subprocess.Popen(
        [sys.executable, str(MANAGE), "db_worker", "--no-reload"], start_new_session=True
    )
    server = subprocess.Popen(server_command, start_new_session=True)
    processes = (server, worker)
    signals = []
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda number, frame: signals.append(number))
    while not signals and all(process.poll() is None for process in processes):
        time.sleep(0.2)
    stop(processes, signal.SIGTERM)
    stopped_once = len(signals)
    while any(process.poll() is None for process in processes):
        if len(signals) > stopped_once:
            stop(processes, signal.SIGKILL)
        time.sleep(0.1)
    return server.returncode if not signals else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: with_worker.py SERVER COMMAND…")
    sys.exit(main(sys.argv[1:]))
