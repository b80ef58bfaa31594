"""The ceiling: a bare FastAPI app on the same server stack as Tessera (uvicorn, uvloop, httptools),
answering a small JSON object with no authentication, database or middleware. Every Tessera figure is
also given as a ratio to this app's, measured in the same run on the same machine.

    .venv/bin/uvicorn bench.ceiling_app:app --port 8100
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ceiling")
async def ceiling() -> dict[str, str | bool]:
    # About the size of a UserPrivate body.
    return {
        "id": "0b8f7f0e-6a3e-4f0e-9a55-3d5c1f0e2b11",
        "username": "ceiling",
        "email": "ceiling@example.com",
        "full_name": "Ceiling",
        "role": "user",
        "is_active": True,
        "email_verified": True,
        "created_at": "2026-11-23T12:00:00Z",
    }
