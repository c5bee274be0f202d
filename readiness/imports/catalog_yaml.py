"""Reading a Backstage catalog file (`catalog-info.yaml`, one document or several) with the line
each entity and each of its fields is on, so an error names the line to fix.

Entity shapes: https://backstage.io/docs/features/software-catalog/descriptor-format
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from readiness.imports.plan import IMPORT_MAX_ITEMS, ImportPlan, too_large

# Catalog files nest four or five levels; far deeper is an attack on the parser, not a catalog.
MAX_DEPTH = 20
DEFAULT_NAMESPACE = "default"


@dataclass
class Entity:
    kind: str  # lower case: "component", "system", "group", "user", …
    namespace: str
    name: str
    data: dict[str, Any]
    node: yaml.Node

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.namespace}/{self.name.lower()}"

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def line_at(self, *path: str | int) -> int:
        """The line of the value at `path` (or of the nearest part of it the file has)."""
        node, line = self.node, self.line
        for step in path:
            found = None
            if isinstance(node, yaml.MappingNode):
                found = next(
                    (value for key, value in node.value if isinstance(key, yaml.ScalarNode) and key.value == step), None
                )
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                found = node.value[step]
            if found is None:
                break
            node, line = found, found.start_mark.line + 1
        return line

    def get(self, *path: str) -> Any:
        value: Any = self.data
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        return value

    def text(self, plan: ImportPlan, *path: str, required: bool = False) -> str:
        """The text at `path`; "" when absent. Anything but text (a list, a date) is an error."""
        value = self.get(*path)
        if value is None or value == "":
            if required:
                plan.error(self.line_at(*path), f"{self.label}: {'.'.join(path)} is missing.")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            plan.error(self.line_at(*path), f"{self.label}: {'.'.join(path)} should be text.")
            return ""
        return str(value).strip()

    def texts(self, plan: ImportPlan, *path: str) -> list[str]:
        """A list of text at `path` (a single text is a list of one)."""
        value = self.get(*path)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(one, str) for one in values):
            plan.error(self.line_at(*path), f"{self.label}: {'.'.join(path)} should be a list of names.")
            return []
        return [one.strip() for one in values if one.strip()]

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.name}"


def parse_ref(value: str, default_kind: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """A Backstage entity reference, `[kind:][namespace/]name`, written out in full and in lower
    case (the catalog compares references ignoring case)."""
    kind, _, rest = value.rpartition(":") if ":" in value else (default_kind, "", value)
    space, _, name = rest.rpartition("/") if "/" in rest else (namespace, "", rest)
    return f"{kind.strip().lower()}:{space.strip().lower()}/{name.strip().lower()}"


def _refuse_unsafe(text: str, plan: ImportPlan) -> bool:
    """Anchors and aliases (a "billion laughs" file, merge keys) and deep nesting are refused
    from the event stream, before any tree is built."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            plan.error(line, "Anchors and aliases (& and *) are not accepted in a catalog file; write each value out.")
            return False
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                plan.error(line, f"Nested more than {MAX_DEPTH} levels deep: not a catalog entity.")
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return True


def read_entities(text: str, plan: ImportPlan) -> list[Entity]:
    """Every entity of the file, in order; problems go to `plan.errors` with their lines."""
    problem = too_large(text)
    if problem:
        plan.error(0, problem)
        return []
    entities: list[Entity] = []
    try:
        if not _refuse_unsafe(text, plan):
            return []
        loader = yaml.SafeLoader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                assert node is not None  # check_node() said there is one
                _entity(node, loader.construct_document(node), plan, entities)
                if len(entities) > IMPORT_MAX_ITEMS:
                    plan.error(node.start_mark.line + 1, f"More than {IMPORT_MAX_ITEMS} entities; split the file.")
                    return []
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        reason = getattr(error, "problem", None) or "this is not YAML"
        plan.error(mark.line + 1 if mark else 0, f"Not valid YAML: {reason}.")
        return []
    if not entities and plan.ok:
        plan.error(0, "The file holds no catalog entity (apiVersion, kind, metadata.name).")
    return entities


def _entity(node: yaml.Node, data: Any, plan: ImportPlan, entities: list[Entity]) -> None:
    line = node.start_mark.line + 1
    if data is None:  # an empty document, e.g. after a trailing "---"
        return
    if not isinstance(data, dict):
        plan.error(line, "This document is not a catalog entity (it should start with apiVersion and kind).")
        return
    api, kind, metadata = data.get("apiVersion"), data.get("kind"), data.get("metadata")
    if not isinstance(api, str) or not api.startswith("backstage.io/"):
        plan.error(line, "apiVersion should be backstage.io/v1alpha1 (or another backstage.io version).")
        return
    if not isinstance(kind, str) or not kind.strip():
        plan.error(line, "kind is missing (Component, System, Group or User).")
        return
    if not isinstance(metadata, dict):
        plan.error(line, f"{kind}: metadata.name is missing.")
        return
    name = metadata.get("name")
    if not isinstance(name, str) or not name.strip():
        plan.error(line, f"{kind}: metadata.name is missing.")
        return
    namespace = metadata.get("namespace") or DEFAULT_NAMESPACE
    if not isinstance(namespace, str):
        plan.error(line, f"{kind} {name}: metadata.namespace should be text.")
        return
    entities.append(Entity(kind.strip().lower(), namespace.strip().lower(), name.strip(), data, node))
