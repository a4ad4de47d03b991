"""The OpenAPI schema as `make schema` exports it, and the committed copy.

`make schema` runs drf-spectacular's `spectacular` command with `--validate
--fail-on-warn`. `command_export` runs exactly that in a fresh process, so no
earlier generation in the test session can hide a warning; `fresh_export`
generates the same schema in-process (default generator, `request=None,
public=True`, the YAML renderer) for the tests that inspect it in detail.
"""

import functools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.settings import spectacular_settings

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema.yml"


@dataclass(frozen=True)
class CommandExport:
    returncode: int
    output: str
    schema: dict | None


def command_export(target: Path) -> CommandExport:
    """Run the command `make schema` runs, writing to `target` instead."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--file",
            str(target),
            "--validate",
            "--fail-on-warn",
        ],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    schema = yaml.safe_load(target.read_text()) if target.exists() else None
    return CommandExport(result.returncode, result.stdout + result.stderr, schema)


@functools.cache
def fresh_export() -> dict:
    """The schema generated in this process, parsed back from its YAML."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    schema = generator.get_schema(request=None, public=True)
    return yaml.safe_load(OpenApiYamlRenderer().render(schema, renderer_context={}))


def committed_schema() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text())


def component_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    return ref[len(prefix) :]


def operations(schema: dict):
    """Yield `(path, method, operation)` for every operation of the schema."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield path, method, operation
