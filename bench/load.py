"""The load generator: Debian's wrk, driven by bench/lua/load.lua. Django-free."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua" / "load.lua"
MARKER = "BENCH_JSON "


class LoadError(RuntimeError):
    """wrk could not be run, or printed no result."""


def ensure_wrk() -> str | None:
    """The path of wrk, installing Debian's package when missing and running as root.
    None when it is missing and can't be installed here (the caller says how)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print(
        "[bench] wrk is missing: installing Debian's package (apt-get install -y wrk)", flush=True
    )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        # The package lists may simply be missing (a fresh container): fetch them once.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=300)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], sep="\n", flush=True)
    return shutil.which("wrk")


@dataclass
class LoadResult:
    label: str
    url: str
    connections: int
    duration_s: float
    requests: int  # responses wrk read in full
    sent: int  # requests wrk wrote (those cut off at the end get no response)
    success: int  # 2xx, or a 303 after a stored POST
    other_3xx: int
    s4xx: int
    s5xx: int
    socket_errors: int
    wrapped: int  # bodies reused because the file ran out (0 expected)
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def non_success(self) -> int:
        return self.other_3xx + self.s4xx + self.s5xx

    @property
    def in_flight_at_stop(self) -> int:
        return max(0, self.sent - self.requests)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "url": self.url,
            "connections": self.connections,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "requests_per_s": round(self.rps, 1),
            "sent": self.sent,
            "success": self.success,
            "non_success": self.non_success,
            "status_4xx": self.s4xx,
            "status_5xx": self.s5xx,
            "socket_errors": self.socket_errors,
            "bodies_reused": self.wrapped,
            "latency_ms": {
                "p50": round(self.p50_ms, 1),
                "p90": round(self.p90_ms, 1),
                "p99": round(self.p99_ms, 1),
                "max": round(self.max_ms, 1),
            },
        }


def run_wrk(
    wrk: str,
    *,
    label: str,
    url: str,
    headers_file: Path,
    bodies_file: Path | None = None,
    connections: int = 8,
    threads: int = 1,
    seconds: int = 20,
    timeout_s: int = 5,
) -> LoadResult:
    """One wrk run, bounded by its duration plus a margin."""
    args = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(LUA),
        url,
        "--",
        str(headers_file),
    ]
    if bodies_file is not None:
        args += [str(bodies_file), str(threads)]
    print(f"[bench] wrk {label}: {connections} connections for {seconds} s → {url}", flush=True)
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk ({label}) did not finish in time") from exc
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)), None)
    if proc.returncode != 0 or line is None:
        raise LoadError(f"wrk ({label}) failed: {proc.stdout[-1500:]} {proc.stderr[-1500:]}")
    data = json.loads(line[len(MARKER) :])
    return LoadResult(
        label=label,
        url=url,
        connections=connections,
        duration_s=data["duration_us"] / 1e6,
        requests=data["requests"],
        sent=data["sent"],
        success=data["success"],
        other_3xx=data["s3xx"],
        s4xx=data["s4xx"],
        s5xx=data["s5xx"],
        socket_errors=data["err_connect"]
        + data["err_read"]
        + data["err_write"]
        + data["err_timeout"],
        wrapped=data["wrapped"],
        p50_ms=data["lat_p50_us"] / 1000,
        p90_ms=data["lat_p90_us"] / 1000,
        p99_ms=data["lat_p99_us"] / 1000,
        max_ms=data["lat_max_us"] / 1000,
    )


def write_headers(path: Path, headers: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}: {v}\n" for k, v in headers.items()), encoding="utf-8")
    return path
