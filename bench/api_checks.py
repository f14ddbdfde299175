"""Benchmark what issue 17 added to every request: the unknown-parameter check and the answer's
`scope`, each against the same code without it, alternating in one process.

    python -m bench.api_checks              # seed data, 7 rounds of 500 requests a side
    python -m bench.api_checks --report     # only RESULTS.md from results-api-checks.json

Requests go through FastAPI's TestClient (no network), so the figures are the app's own work
per request. Writes bench/results-api-checks.json and the section "API checks" of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bench.run import HERE, ROOT, machine, write_section

BEGIN, END = "<!-- api-checks: begin -->", "<!-- api-checks: end -->"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_checks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    output = HERE / "results-api-checks.json"
    if args.report:
        _write_markdown(json.loads(output.read_text()))
        return
    results = {"machine": machine(), "rounds": args.rounds, "requests": args.requests}
    results["checks"] = _measure(args.rounds, args.requests)
    output.write_text(json.dumps(results, indent=2))
    _write_markdown(results)


def _measure(rounds: int, requests: int) -> dict:
    from fastapi.testclient import TestClient

    import api.deps as deps
    from api.app import create_app
    from mapper.service import MapperService, Scope
    from mapper.stores.embedded import EmbeddedStore

    service = MapperService(EmbeddedStore(":memory:"))
    service.load([ROOT / "seed_data"])
    client = TestClient(create_app(service))
    checked = deps.known_parameters.__code__

    def unchecked(request):  # the same dependency with an empty body
        return None

    def per_request(url: str) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            client.get(url)
        return 1e6 * (time.perf_counter() - started) / requests

    found: dict = {}
    url = "/actors?sector=public&limit=5"
    per_request(url)  # warm
    sides: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(rounds):
        deps.known_parameters.__code__ = checked
        sides["with"].append(per_request(url))
        deps.known_parameters.__code__ = unchecked.__code__
        sides["without"].append(per_request(url))
    deps.known_parameters.__code__ = checked
    found["unknown_parameters"] = {side: statistics.median(v) for side, v in sides.items()}

    # the scope of a cached answer: service.mixing with and without making it
    scope = Scope()
    service.mixing(scope)
    asked = service.asked
    sides = {"with": [], "without": []}
    for _ in range(rounds):
        for side in ("with", "without"):
            service.asked = asked if side == "with" else (lambda filters, parameters: {})
            service._cache.clear()
            started = time.perf_counter()
            for _ in range(requests // 10):
                service._cache.clear()
                service.mixing(scope)
            sides[side].append(1e6 * (time.perf_counter() - started) / (requests // 10))
    service.asked = asked
    found["scope"] = {side: statistics.median(v) for side, v in sides.items()}
    return found


def _write_markdown(results: dict) -> None:
    checks = results["checks"]
    unknown, scope = checks["unknown_parameters"], checks["scope"]
    write_section(
        [
            BEGIN,
            "## API checks (issue 17)",
            "",
            f"`python -m bench.api_checks`: {results['rounds']} alternating rounds in one "
            "process, medians, seed data. No target: the question is whether the checks cost "
            "anything measurable.",
            "",
            "| what | with | without | ratio |",
            "|---|---|---|---|",
            f"| `GET /actors?sector=public&limit=5` through TestClient, the unknown-parameter "
            f"check | {unknown['with']:.0f} µs | {unknown['without']:.0f} µs | "
            f"{unknown['with'] / unknown['without']:.2f} |",
            f"| `service.mixing` computed anew, its `scope` made | {scope['with']:.0f} µs | "
            f"{scope['without']:.0f} µs | {scope['with'] / scope['without']:.2f} |",
            END,
        ]
    )


if __name__ == "__main__":
    main()
