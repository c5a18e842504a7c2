"""`insolegen serve`: the designer in the browser."""

from __future__ import annotations

import argparse

from insolegen.cli.console import EXIT_FAILED, EXIT_OK, _err

__all__ = ["LOCAL_HOSTS", "cmd_serve"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a number (allowed: 1 to 65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"--port {value} is out of range (allowed: 1 to 65535)")
    return value


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the designer until interrupted; the session's uploads and builds go with it."""
    import uvicorn

    from insolegen.web.app import make_app

    if args.host not in LOCAL_HOSTS:
        _err(f"warning: serving on {args.host}: anyone who can reach this machine on port {args.port} can use "
             "the designer and read its builds (use the default 127.0.0.1 for this machine only)")
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"insolegen designer: {url} (Ctrl-C to stop)", flush=True)
    if args.open:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(make_app(), host=args.host, port=args.port, log_level="warning")
    except OSError as exc:
        _err(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_FAILED
    return EXIT_OK
