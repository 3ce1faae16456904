"""Check the module map of decision 0002 against the code as it is.

Reads every module of ``edupact`` (not migrations), records which top-level names (functions,
classes, constants) each top-level name refers to, sends every name where ``target_map``
says it goes, and reports, for the code after the moves:

    python docs/decisions/0002/check_plan.py cycles    # import cycles between subpackages, modules
    python docs/decisions/0002/check_plan.py layers    # edges against the layers of .importlinter
    python docs/decisions/0002/check_plan.py private   # private names that would cross modules
    python docs/decisions/0002/check_plan.py tables    # the file-by-file table of the decision

It sees names, not strings: templates, URL names, task paths and ``include("…urls")`` are not
in it. Model classes are bottom-layer (the ``models`` packages), so a foreign key written as a
string ("funds.Loan") is what the moves assume. Run from the repository root.
"""

import ast
import collections
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from target_map import MAP, target  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
SUBPACKAGES = {
    "edupact.funds": [
        *("models", "ledger", "gifts", "loans", "allocation"),
        *("reports", "imports", "simulator", "overview"),
    ],
    "edupact.evaluation": [
        *("models", "frameworks", "places", "subjects", "targets"),
        *("rollups", "cycle", "recognition", "workflow"),
    ],
}
# The layers of .importlinter, top first (a name in the same inner list: independent).
APP_LAYERS = {
    "edupact.funds": [
        ["urls", "api", "management", "tasks", "apps"],
        ["simulator", "overview"],
        ["reports", "imports"],
        ["allocation"],
        ["loans"],
        ["gifts"],
        ["ledger"],
        ["models"],
    ],
    "edupact.evaluation": [
        ["urls", "api", "management", "tasks", "apps", "templatetags"],
        ["workflow"],
        ["recognition", "cycle"],
        ["rollups", "targets"],
        ["subjects", "frameworks", "places"],
        ["models"],
        ["scoring"],
    ],
}
THIN = [["urls"], ["views", "api"], ["forms", "tables", "pdf"], ["services"], ["selectors"]]


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve(current: str, is_package: bool, level: int, name: str | None) -> str | None:
    if not level:
        return name
    base = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def top_level_names(tree: ast.Module) -> dict[str, ast.AST]:
    names = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names[n.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def reference_graph() -> dict[tuple[str, str], set[tuple[str, str]]]:
    modules = {
        module_name(p): p
        for p in sorted((ROOT / "edupact").rglob("*.py"))
        if "migrations" not in p.parts
    }
    trees = {m: ast.parse(p.read_text()) for m, p in modules.items()}
    graph = {}
    for m, tree in trees.items():
        is_package = modules[m].name == "__init__.py"
        defs = top_level_names(tree)

        def imports_in(node, m=m, is_package=is_package):
            found = {}
            for n in ast.walk(node):
                if isinstance(n, ast.ImportFrom):
                    owner = resolve(m, is_package, n.level, n.module)
                    if not owner or not owner.startswith("edupact"):
                        continue
                    for a in n.names:
                        full = f"{owner}.{a.name}"
                        found[a.asname or a.name] = (
                            (full, None) if full in modules else (owner, a.name)
                        )
                elif isinstance(n, ast.Import):
                    for a in n.names:
                        if a.name.startswith("edupact") and a.asname:
                            found[a.asname] = (a.name, None)
            return found

        top = {}
        for n in tree.body:
            if isinstance(n, ast.Import | ast.ImportFrom):
                top.update(imports_in(n))
        for name, node in defs.items():
            aliases = dict(top)
            aliases.update(imports_in(node))
            local = set()
            for sub in ast.walk(node):
                if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    a = sub.args
                    local |= {x.arg for x in a.args + a.kwonlyargs + a.posonlyargs}
                    local |= {x.arg for x in (a.vararg, a.kwarg) if x}
                elif (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Store)
                    and not isinstance(node, ast.Assign)
                ):
                    local.add(sub.id)
            refs = set()
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Attribute)
                    and isinstance(sub.value, ast.Name)
                    and sub.value.id in aliases
                    and aliases[sub.value.id][1] is None
                ):
                    refs.add((aliases[sub.value.id][0], sub.attr))
                elif isinstance(sub, ast.Name):
                    if sub.id in aliases and aliases[sub.id][1] is not None:
                        refs.add(aliases[sub.id])
                    elif sub.id in defs and sub.id != name and sub.id not in local:
                        refs.add((m, sub.id))
            graph[(m, name)] = refs
    return graph


def moved_edges(graph):
    """(target module of the user, target module of the used name) -> {"user->used"}."""
    edges = collections.defaultdict(set)
    for (m, n), refs in graph.items():
        a = target(m, n)
        if a is None:
            continue
        for rm, rn in refs:
            b = target(rm, rn)
            if b is None or a == b or rn == "router":  # each subpackage has its own router
                continue
            edges[(a, b)].add(f"{n}->{rn}")
    return edges


def package_of(module: str) -> str:
    for app, subs in SUBPACKAGES.items():
        if module.startswith(app + "."):
            head = module[len(app) + 1 :].split(".")[0]
            return f"{app}.{head}" if head in subs else f"{app}:{head}"
    return ".".join(module.split(".")[:2])


def cycles(edges) -> list[list[str]]:
    adjacency = collections.defaultdict(set)
    for a, b in edges:
        adjacency[a].add(b)
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adjacency[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted({x for e in edges for x in e}):
        if v not in index:
            visit(v)
    return found


def rank(layers, name):
    for i, layer in enumerate(layers):
        if name in layer:
            return i
    return None


def layer_violations(edges):
    bad = collections.defaultdict(set)
    for (a, b), why in edges.items():
        for app, layers in APP_LAYERS.items():
            if not (a.startswith(app + ".") and b.startswith(app + ".")):
                continue
            pa, pb = a[len(app) + 1 :].split(".")[0], b[len(app) + 1 :].split(".")[0]
            if pa != pb:
                ra, rb = rank(layers, pa), rank(layers, pb)
                if ra is None or rb is None or ra >= rb:
                    bad[(a, b)] |= why
            else:
                ra, rb = rank(THIN, a.split(".")[-1]), rank(THIN, b.split(".")[-1])
                if ra is not None and rb is not None and ra >= rb:
                    bad[(a, b)] |= why
        if a.startswith("edupact.rotating.") and b.startswith("edupact.rotating."):
            ra, rb = rank(THIN, a.split(".")[-1]), rank(THIN, b.split(".")[-1])
            if ra is not None and rb is not None and ra >= rb:
                bad[(a, b)] |= why
        if a.startswith("edupact.rotating") and b.startswith("edupact.funds"):
            bad[(a, b)] |= why
        if (
            a.startswith("edupact.funds")
            and b.startswith("edupact.rotating")
            and a != "edupact.funds.simulator.lottery"
        ):
            bad[(a, b)] |= why
    return bad


def main(what: str) -> int:
    graph = reference_graph()
    edges = moved_edges(graph)
    inside = ("edupact.funds", "edupact.evaluation", "edupact.rotating")
    if what == "cycles":
        packages = collections.defaultdict(set)
        for (a, b), why in edges.items():
            if package_of(a) != package_of(b):
                packages[(package_of(a), package_of(b))] |= why
        found = 0
        for label, graph_edges in (("subpackages", packages), ("modules", edges)):
            kept = {e: w for e, w in graph_edges.items() if all(x.startswith(inside) for x in e)}
            for component in cycles(kept):
                found += 1
                print(f"cycle among {label}: {component}")
                for a in component:
                    for b in component:
                        if (a, b) in kept:
                            print(f"    {a} -> {b}: {sorted(kept[(a, b)])[:8]}")
        print(f"{found} cycles")
        return 1 if found else 0
    if what == "layers":
        bad = layer_violations(edges)
        for (a, b), why in sorted(bad.items()):
            print(f"{a} -> {b}: {sorted(why)[:8]}")
        print(f"{len(bad)} edges against the layers")
        return 1 if bad else 0
    if what == "private":
        crossing = collections.defaultdict(set)
        for (m, n), refs in graph.items():
            a = target(m, n)
            for rm, rn in refs:
                b = target(rm, rn)
                if a and b and a != b and rn.startswith("_") and not rn.startswith("__"):
                    crossing[(b, rn)].add(a)
        for (b, rn), users in sorted(crossing.items()):
            print(f"{b}.{rn} <- {', '.join(sorted(users))}")
        return 0
    if what == "tables":
        names = collections.defaultdict(list)
        for m, n in graph:
            names[m].append(n)
        for m in sorted(names):
            if not m.startswith(inside):
                continue
            groups = collections.defaultdict(list)
            for n in names[m]:
                groups[target(m, n) or "deleted"].append(n)
            default = MAP.get(m, (m, {}))[0]
            path = m.replace("edupact.", "").replace(".", "/") + ".py"
            if list(groups) == [m]:
                print(f"| `{path}` | stays |")
                continue
            cells = []
            for t, ns in sorted(groups.items(), key=lambda x: (x[0] != default, x[0])):
                label = f"`{t.replace('edupact.', '')}`" if t != "deleted" else "deleted"
                if len(groups) == 1:
                    cells.append(label)
                elif t == default:
                    cells.append(f"{label}: the rest")
                else:
                    cells.append(f"{label}: " + ", ".join(f"`{x}`" for x in ns))
            print(f"| `{path}` | " + "<br>".join(cells) + " |")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
