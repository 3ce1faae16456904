"""Contracts on *names* for import-linter, which by itself only sees modules (issue 10 item 5).

``private_names``: no module uses another module's private name — neither
``from edupact.x import _helper`` nor ``x._helper`` on an imported module. A helper two
modules need is public in the module that owns it (or moves to the one both call).
Attributes of classes (Django's ``Model._meta``) are not module names and are not checked.

``restricted_names``: a name may be used only by the modules listed for it, e.g.
``can_write_path: edupact.core.scoping`` — the one write-permission check stays the only
place that reads the write paths.

Both read each module's source with ``ast`` (the module's file is found through
``importlib.util.find_spec``, which imports only the parent packages). Registered in
``.importlinter`` with ``contract_types``; ``lint-imports`` puts the current directory on
``sys.path``, so run it from the repository root.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grimp
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True, order=True)
class Use:
    module: str
    line: int
    name: str
    owner: str


@cache
def _file(module: str) -> Path | None:
    """The module's file, found from the top package's location — never by ``find_spec`` of
    the module itself, which imports its parent packages (a ``models/__init__`` importing its
    files needs Django's settings)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def _tree(module: str) -> ast.Module | None:
    path = _file(module)
    if path is None:
        return None
    with open(path, encoding="utf-8") as source:
        return ast.parse(source.read(), filename=str(path))


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    if not level:
        return name
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([name] if name else []))


def _uses(graph: grimp.ImportGraph, module: str) -> list[Use]:
    """Every ``owner.name`` that ``module`` takes from another module of the graph: names
    imported from a module, and attributes read on an imported module."""
    tree = _tree(module)
    if tree is None:
        return []
    is_package = _file(module).name == "__init__.py"
    uses: list[Use] = []
    modules_by_alias: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            owner = _resolve(module, is_package, node.level, node.module)
            if owner is None or owner not in graph.modules:
                continue
            for alias in node.names:
                if f"{owner}.{alias.name}" in graph.modules:
                    modules_by_alias[alias.asname or alias.name] = f"{owner}.{alias.name}"
                elif owner != module:
                    uses.append(Use(module, node.lineno, alias.name, owner))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in graph.modules:
                    modules_by_alias[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules_by_alias
            and modules_by_alias[node.value.id] != module
        ):
            uses.append(Use(module, node.lineno, node.attr, modules_by_alias[node.value.id]))
    return uses


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _all_uses(graph: grimp.ImportGraph) -> list[Use]:
    return [use for module in sorted(graph.modules) for use in _uses(graph, module)]


class PrivateNamesContract(Contract):
    """No module uses a private name (``_x``) of another module."""

    type_name = "private_names"

    ignore = fields.SetField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ignored = set(self.ignore or ())  # "importer -> owner._name" lines
        found = sorted(
            use
            for use in _all_uses(graph)
            if _private(use.name) and f"{use.module} -> {use.owner}.{use.name}" not in ignored
        )
        return ContractCheck(kept=not found, metadata={"uses": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private names used outside their module:", bold=False)
        output.new_line()
        for use in check.metadata["uses"]:
            output.print_error(f"- {use.module}:{use.line} uses {use.owner}.{use.name}", bold=False)
        output.new_line()


class RestrictedNamesContract(Contract):
    """Each listed name is used only by the modules given for it (``name: module, …``;
    a module stands for itself and everything inside it)."""

    type_name = "restricted_names"

    names = fields.ListField(subfield=fields.StringField())

    def _rules(self) -> dict[str, tuple[str, ...]]:
        rules = {}
        for line in self.names:  # type: ignore[attr-defined]
            name, _, allowed = line.partition(":")
            rules[name.strip()] = tuple(m.strip() for m in allowed.split(",") if m.strip())
        return rules

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        rules = self._rules()
        found = []
        for module in sorted(graph.modules):
            tree = _tree(module)
            if tree is None:
                continue
            allowed_here = {
                name
                for name, allowed in rules.items()
                if any(module == a or module.startswith(a + ".") for a in allowed)
            }
            for node in ast.walk(tree):
                name = (
                    node.attr
                    if isinstance(node, ast.Attribute)
                    else node.id
                    if isinstance(node, ast.Name)
                    else node.name
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    else None
                )
                if name in rules and name not in allowed_here:
                    found.append(Use(module, node.lineno, name, ", ".join(rules[name])))
        return ContractCheck(kept=not found, metadata={"uses": sorted(set(found))})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Names used outside the modules allowed to use them:", bold=False)
        output.new_line()
        for use in check.metadata["uses"]:
            where = f"only in {use.owner}" if use.owner else "to be used nowhere"
            output.print_error(f"- {use.module}:{use.line} {use.name} ({where})", bold=False)
        output.new_line()
