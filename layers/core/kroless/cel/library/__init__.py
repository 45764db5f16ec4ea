"""CEL function libraries: Kro's own (random, maps, json, hash, lists, omit, runtime) and Kubernetes'."""

from __future__ import annotations

from cel_expr_python import cel

from . import hash, json, k8s, k8s_lists, lists, maps, omit, quantity, random, runtime


def declarations(*, allow_runtime: bool, allow_omit: bool) -> list[cel.FunctionDecl]:
    decls: list[cel.FunctionDecl] = []
    for mod in (random, maps, json, hash, lists, k8s, k8s_lists, quantity):
        decls.extend(mod.declarations())
    if allow_omit:
        decls.extend(omit.declarations())
    if allow_runtime:
        decls.extend(runtime.declarations())
    return decls
