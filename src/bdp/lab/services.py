"""Services the control machine offers the lab hosts on the bridge address.

- an apt-cacher-ng proxy, so hosts with no route out can install Debian packages;
- an HTTP server for the artifact mirror (`bdp mirror build`).
Both run in the background with a pid file; they end with the session that started them,
so `bdp lab start` (re)starts them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bdp.errors import BdpError
from bdp.lab.topology import LabSettings


@dataclass(frozen=True)
class Daemon:
    name: str
    argv: tuple[str, ...]
    address: str
    port: int
    run_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None
        return pid

    def listening(self) -> bool:
        try:
            with socket.create_connection((self.address, self.port), timeout=1):
                return True
        except OSError:
            return False

    def start(self) -> None:
        if self.pid() is not None and self.listening():
            return
        self.stop()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + 20
        while not self.listening():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_file.read_text(errors="replace").splitlines()[-5:]
                raise BdpError(
                    f"{self.name} did not start listening on {self.address}:{self.port}; "
                    f"log {self.log_file}" + "".join(f"\n  {line}" for line in tail)
                )
            time.sleep(0.2)

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        self.pid_file.unlink(missing_ok=True)


def render_apt_proxy_conf(settings: LabSettings) -> str:
    cache = settings.state_dir / "apt-proxy"
    return (
        f"CacheDir: {cache}/cache\n"
        f"LogDir: {cache}/log\n"
        f"Port: {settings.apt_proxy_port}\n"
        f"BindAddress: {settings.control_address}\n"
        "ForeGround: 1\n"
        # Packages are immutable; index files are refreshed by apt's own checks.
        "ExThreshold: 30\n"
    )


def apt_proxy(settings: LabSettings) -> Daemon:
    conf_dir = settings.state_dir / "apt-proxy" / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("cache", "log"):
        (settings.state_dir / "apt-proxy" / sub).mkdir(parents=True, exist_ok=True)
    (conf_dir / "acng.conf").write_text(render_apt_proxy_conf(settings))
    return Daemon(
        name="apt-proxy",
        argv=("apt-cacher-ng", "-c", str(conf_dir)),
        address=settings.control_address,
        port=settings.apt_proxy_port,
        run_dir=settings.state_dir / "run",
    )


def artifact_server(settings: LabSettings, mirror_dir: Path) -> Daemon:
    mirror_dir.mkdir(parents=True, exist_ok=True)
    argv = (
        sys.executable,
        "-m",
        "http.server",
        str(settings.artifact_port),
        "--bind",
        settings.control_address,
        "--directory",
        str(mirror_dir),
    )
    return Daemon(
        name="artifact-mirror",
        argv=argv,
        address=settings.control_address,
        port=settings.artifact_port,
        run_dir=settings.state_dir / "run",
    )
