"""The API as `mapper serve` runs it, plus `/bench/bare`: a route that does nothing, for scale.

    python -m bench.server STORE PORT

The bare route is added to this process's app only; the product API has no such route.
"""

from __future__ import annotations

import sys

import uvicorn

from api.app import create_app
from bench.steps import _open_store
from mapper.service import MapperService


def main() -> None:
    store, port = sys.argv[1], int(sys.argv[2])
    app = create_app(MapperService(_open_store(store)))

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
