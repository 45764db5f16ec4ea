"""``make demo``: Kro's Dogs-vs-Cats stack through kroless.

Today this runs the compile side (the local cloud that reconciles it is the next milestone): it
registers the six Dogs-vs-Cats RGDs verbatim from Kro's examples, shows each graph in dependency order,
validates one DogsvsCatsApp against its schema and renders it offline as far as the instance alone
decides, listing what waits on other resources' state.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kroless.compiler import compile_documents
from kroless.errors import KrolessError
from kroless.model import load_path
from kroless.render.offline import render_instance

REPO = Path(__file__).resolve().parents[3]
DOGS_VS_CATS = (
    "aws/rds-postgres/rg.yaml",
    "aws/elasticache-serverless/rg.yaml",
    "kubernetes/dogsvscats/vote-app",
    "kubernetes/dogsvscats/result-app",
    "kubernetes/dogsvscats/worker-app",
    "aws/dogsvscats-appstack/dogsvscats-rg.yaml",
)


def kro_examples() -> Path:
    """Kro's example RGDs: $KRO_EXAMPLES, else the shared/ folder beside the repository."""
    path = Path(os.environ.get("KRO_EXAMPLES", REPO.parent / "shared" / "kro-examples"))
    if not path.is_dir():
        raise SystemExit(f"Kro's examples not found at {path}: set KRO_EXAMPLES to a copy of kro's examples/")
    return path


def main() -> int:
    examples = kro_examples()
    documents = []
    for relative in DOGS_VS_CATS:
        documents.extend(load_path(str(examples / relative)))
    instance_file = REPO / "examples" / "dogsvscats" / "app.yaml"
    documents.extend(load_path(str(instance_file)))

    print("== Registering the Dogs-vs-Cats RGDs (verbatim from Kro's examples)")
    result = compile_documents(documents)
    for problem in result.problems:
        print(*problem.lines(), sep="\n", file=sys.stderr)
    if not result.ok:
        return 1
    for graph in result.graphs:
        name = graph.name
        nested = [n.id for n in graph.nodes.values() if n.nested_rgd]
        print(f"  {name}: {graph.kind} ({graph.instance_api_version}), {len(graph.nodes)} resources")
        print(f"    order: {' -> '.join(graph.topological_order)}")
        if nested:
            print(f"    nested instances of other RGDs: {', '.join(nested)}")

    print(f"\n== Applying {instance_file.relative_to(REPO)} (validated, defaults applied)")
    document, instance, graph = result.instances[0]
    for key, value in instance["spec"].items():
        print(f"  spec.{key}: {value}")

    print("\n== Offline render: what the instance alone decides")
    try:
        rendered = render_instance(graph, instance)
    except KrolessError as err:
        print(err.located(), file=sys.stderr)
        return 1
    for resource in rendered["resources"]:
        waiting = sorted({dep for p in resource.get("pending", []) for dep in p["waitingFor"]})
        manifest = resource.get("manifest", {})
        name = manifest.get("metadata", {}).get("name", "?")
        status = f"waits for {', '.join(waiting)}" if waiting else "fully rendered"
        print(f"  {resource['id']:<10} {resource['kind']:<22} {name:<22} {status}")
    print(
        "\nThe serverless reconcile (EventBridge -> Step Functions -> Lambda, on the local cloud) is not built yet;"
        "\nthis demo covers compile, validation and offline render. See README.md."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
