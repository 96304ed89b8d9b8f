"""The figures as a table (printed) and as JSON (bench/results/latest.json). Django-free."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class Row:
    section: str
    figure: str
    measured: str
    goal: str = ""
    verdict: str = ""  # PASS, MISS, or "" for a figure with no goal
    value: float | int | None = None  # the number behind `measured`, for the JSON


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def machine() -> dict[str, Any]:
    model, cores = "unknown", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": cores or os.cpu_count(),
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def table(rows: list[Row]) -> str:
    headers = ("Figure", "Measured", "Goal", "")
    widths = [
        max(len(headers[0]), *(len(r.figure) for r in rows)),
        max(len(headers[1]), *(len(r.measured) for r in rows)),
        max(len(headers[2]), *(len(r.goal) for r in rows)),
        4,
    ]

    def line(cells: tuple[str, str, str, str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    section = None
    for r in rows:
        if r.section != section:
            section = r.section
            out.append(line((f"**{section}**", "", "", "")))
        out.append(line((r.figure, r.measured, r.goal, r.verdict)))
    return "\n".join(out)


def write_json(
    path: Path, *, rows: list[Row], conditions: dict[str, Any], raw: dict[str, Any]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "conditions": conditions,
        "figures": [asdict(r) for r in rows],
        "raw": raw,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
