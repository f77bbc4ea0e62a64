"""Configuration: defaults, then the config file (TOML), then environment variables,
then command-line options, each overriding the one before."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import ENV_PREFIX, PROG


class ConfigError(Exception):
    """A config file or environment variable that cannot be used; the message says where."""


@dataclass(frozen=True)
class Config:
    greeting: str = "Hello"
    color: bool = True
    # Where the values came from, lowest precedence first (for `config show`).
    sources: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sources"}


KEYS = {f.name: f.type for f in fields(Config) if f.name != "sources"}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def default_path(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME/NAME/config.toml, else ~/.config/NAME/config.toml."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / PROG / "config.toml"


def _check(where: str, key: str, value: object) -> object:
    kind = KEYS.get(key)
    if kind is None:
        raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(KEYS))})")
    if kind == "bool" and not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    if kind == "str" and not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
    return value


def load_config(path: Path | None, env: Mapping[str, str]) -> Config:
    """The configuration from `path` (or the default path, when it exists) and `env`.
    An explicitly given file must exist."""
    values: dict[str, object] = {}
    sources = ["defaults"]
    file = path or default_path(env)
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{file}: {error}") from error
        for key, value in data.items():
            values[key] = _check(str(file), key, value)
        sources.append(str(file))
    for key, kind in KEYS.items():
        var = f"{ENV_PREFIX}_{key.upper()}"
        if var not in env:
            continue
        raw = env[var]
        if kind == "bool":
            if raw.lower() not in TRUE | FALSE:
                raise ConfigError(f"environment variable {var}: {raw!r} is not true or false")
            values[key] = raw.lower() in TRUE
        else:
            values[key] = raw
        sources.append(f"${var}")
    return Config(**values, sources=tuple(sources))  # type: ignore[arg-type]
