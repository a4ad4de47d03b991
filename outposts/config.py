"""The outpost `config` document: its known keys, defaults and validation.

Unknown keys are kept as written; known keys must have their type. Missing
keys take their defaults when the document is read.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

DEFAULT_REFRESH_INTERVAL = "minutes=5"
REFRESH_INTERVAL_UNITS = frozenset(
    {"weeks", "days", "hours", "minutes", "seconds", "milliseconds", "microseconds"}
)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_str_map_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_str_map(v) for v in value)


def _is_patch_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(item, dict) for item in v)
        for v in value.values()
    )


def _or_null(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


# key: (default, type check, what the check expects)
CONFIG_KEYS: dict[str, tuple[Any, Callable[[Any], bool], str]] = {
    "authentik_host": ("", _is_str, "a string"),
    "authentik_host_insecure": (False, _is_bool, "a boolean"),
    "authentik_host_browser": ("", _is_str, "a string"),
    "log_level": ("info", _is_str, "a string"),
    "object_naming_template": ("ak-outpost-%(name)s", _is_str, "a string"),
    "refresh_interval": (DEFAULT_REFRESH_INTERVAL, _is_str, "a string"),
    "container_image": (None, _or_null(_is_str), "a string or null"),
    "docker_network": (None, _or_null(_is_str), "a string or null"),
    "docker_map_ports": (True, _is_bool, "a boolean"),
    "docker_labels": (None, _or_null(_is_str_map), "an object of strings or null"),
    "kubernetes_replicas": (1, _is_int, "an integer"),
    "kubernetes_namespace": ("default", _is_str, "a string"),
    "kubernetes_ingress_annotations": ({}, _is_str_map, "an object of strings"),
    "kubernetes_ingress_secret_name": ("authentik-outpost-tls", _is_str, "a string"),
    "kubernetes_ingress_class_name": (None, _or_null(_is_str), "a string or null"),
    "kubernetes_ingress_path_type": (None, _or_null(_is_str), "a string or null"),
    "kubernetes_httproute_annotations": ({}, _is_str_map, "an object of strings"),
    "kubernetes_httproute_parent_refs": (
        [],
        _is_str_map_list,
        "a list of objects of strings",
    ),
    "kubernetes_service_type": ("ClusterIP", _is_str, "a string"),
    "kubernetes_disabled_components": ([], _is_str_list, "a list of strings"),
    "kubernetes_image_pull_secrets": ([], _is_str_list, "a list of strings"),
    "kubernetes_json_patches": (
        None,
        _or_null(_is_patch_map),
        "an object of lists of objects or null",
    ),
    "kubernetes_disable_x509_strict": (False, _is_bool, "a boolean"),
}


def default_config(authentik_host: str = "") -> dict[str, Any]:
    """Every known key with its default; mutable defaults are fresh copies."""
    config = {key: _copy(default) for key, (default, _, _) in CONFIG_KEYS.items()}
    config["authentik_host"] = authentik_host
    return config


def _copy(value: Any) -> Any:
    if isinstance(value, dict | list):
        return type(value)(value)
    return value


def parse_refresh_interval(value: str) -> timedelta:
    """Parse `hours=3;minutes=1`; raise ValueError when it is not that format."""
    parts: dict[str, float] = {}
    for item in value.split(";"):
        if not item.strip():
            continue
        unit, sep, amount = item.partition("=")
        unit = unit.strip()
        if not sep or unit not in REFRESH_INTERVAL_UNITS or unit in parts:
            raise ValueError(value)
        parts[unit] = float(amount)
    if not parts:
        raise ValueError(value)
    try:
        return timedelta(**parts)
    except OverflowError as exc:
        raise ValueError(value) from exc


def refresh_interval_seconds(config: dict[str, Any]) -> int:
    """The agent's refresh interval in whole seconds, 300 when unset or unusable."""
    value = config.get("refresh_interval", DEFAULT_REFRESH_INTERVAL)
    if isinstance(value, str):
        try:
            return int(parse_refresh_interval(value).total_seconds())
        except ValueError:
            pass
    return int(parse_refresh_interval(DEFAULT_REFRESH_INTERVAL).total_seconds())


def contains_nul(value: Any) -> bool:
    """True when any key or string anywhere in `value` holds a NUL character."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    return True
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return False


def config_errors(config: dict[str, Any]) -> list[str]:
    """Messages for everything wrong with a config document, in key order."""
    if contains_nul(config):
        return ["Null characters are not allowed."]
    errors = []
    for key, (_, check, expected) in CONFIG_KEYS.items():
        if key in config and not check(config[key]):
            errors.append(f"Failed to validate config: {key} must be {expected}.")
    interval = config.get("refresh_interval")
    if isinstance(interval, str):
        try:
            parse_refresh_interval(interval)
        except ValueError:
            errors.append(
                f"{interval} is not in the correct format of 'hours=3;minutes=1'."
            )
    return errors
