"""The package's shape: imports go down the pipeline, with no circle and no import hidden in a
function to dodge one."""
import ast
import os

import w2vns

PACKAGE = os.path.dirname(os.path.abspath(w2vns.__file__))

#: The subpackages in pipeline order: a module may import from its own subpackage and from the
#: ones before it, never from one after it.
LAYERS = ["io", "corpus", "vectors", "training", "gpu", "distributed", "apps", "cli"]


def modules():
    """(dotted name, path) of every Python module of the package."""
    for folder, _dirs, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, ".")
                yield rel[:-len(".__init__")] if rel.endswith(".__init__") else rel, path


def package_imports(module, path):
    """(target module, line, inside a function) for each import of a w2vns module."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    is_package = path.endswith("__init__.py")
    functions = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef,
                                                                 ast.AsyncFunctionDef))
                 for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            if not prefix.startswith("w2vns"):
                continue
            for alias in node.names:  # `from . import checkpoint` imports a module
                candidate = prefix + "." + alias.name
                targets.append(candidate if _is_module(candidate) else prefix)
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("w2vns")]
        for target in targets:
            yield target, node.lineno, id(node) in functions


def _is_module(dotted):
    path = os.path.join(os.path.dirname(PACKAGE), *dotted.split("."))
    return os.path.exists(path + ".py") or os.path.isdir(path)


def layer(module):
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_belongs_to_a_stage():
    loose = [m for m, _ in modules() if m.count(".") == 1 and layer(m) is None
             and m not in ("w2vns.__main__",)]
    assert loose == []


def test_imports_only_go_down_the_pipeline():
    upward = []
    for module, path in modules():
        here = layer(module)
        if here is None:  # w2vns/__init__.py and __main__.py sit above everything
            continue
        for target, line, _ in package_imports(module, path):
            there = layer(target)
            if there is None or there > here:
                upward.append("%s:%d imports %s" % (module, line, target))
    assert upward == []


def test_no_package_import_inside_a_function():
    hidden = ["%s:%d imports %s" % (module, line, target)
              for module, path in modules()
              for target, line, inside in package_imports(module, path) if inside]
    assert hidden == []


def test_no_import_circle():
    graph = {module: {t for t, _, _ in package_imports(module, path)}
             for module, path in modules()}
    cycles = []

    def visit(node, stack, done):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in done:
            return
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless they are this
            # module's own packages (being imported already).
            for i in range(2, target.count(".") + 2):
                parent = ".".join(target.split(".")[:i])
                if parent in graph and not (node + ".").startswith(parent + "."):
                    visit(parent, stack, done)
        stack.pop()
        done.add(node)

    done = set()
    for module in sorted(graph):
        visit(module, [], done)
    assert cycles == []
