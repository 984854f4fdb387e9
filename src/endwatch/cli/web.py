"""`endwatch serve`: the web application and REST API on uvicorn."""

from __future__ import annotations

import typer

from endwatch.cli import app
from endwatch.cli.common import app_, command, out


@app.command("serve")
@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="Bring the schema up to date first."),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="Server processes (each has its own cache; sign-in limits are shared)."),
) -> None:
    """Serve the web application and the REST API (/api/v1) against the configured database."""
    import uvicorn

    from endwatch.web.app import create_app
    from endwatch.web.server import server_options

    ew = app_(allow_older=migrate)
    if migrate:
        ew.migrate()
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    out.print(f"endwatch web application on http://{shown}:{port}/ (API: http://{shown}:{port}/api/v1/, "
              f"database: {ew.database_label()}); stop with Ctrl-C")
    options = server_options(ew.settings.max_header_bytes)
    if workers > 1:
        # Worker processes build the application themselves from the same environment.
        uvicorn.run("endwatch.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", proxy_headers=False, **options)
        return
    uvicorn.run(create_app(ew.settings, endwatch=ew), host=host, port=port, log_level="warning",
                proxy_headers=False, **options)
