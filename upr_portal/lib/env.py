"""Strict readers for environment variables. A malformed value raises, naming the variable."""

from __future__ import annotations

from collections.abc import Mapping


class EnvError(ValueError):
    """A variable is set to something we can't use. Raised at start-up, never swallowed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        return default if value is None else value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise EnvError(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}")

    def number(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise EnvError(f"{name} must be a whole number, not {value!r}") from None
        if minimum is not None and number < minimum:
            raise EnvError(f"{name} must be at least {minimum}, not {number}")
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name: str, default: str | None = None, *, schemes: tuple[str, ...]) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        scheme, sep, rest = value.partition("://")
        if not sep or scheme not in schemes or not rest:
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise EnvError(f"{name} must be a URL starting with {allowed}, not {value!r}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if value not in choices:
            raise EnvError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value
