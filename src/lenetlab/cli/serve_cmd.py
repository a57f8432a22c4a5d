"""``lenetlab serve``: the drawing page and its JSON API for a trained model."""

from __future__ import annotations

import argparse
import logging

from lenetlab.cli.options import bounded_int

log = logging.getLogger("lenetlab")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="a web page to draw digits on and see what the network reads"
    )
    parser.add_argument("checkpoint", metavar="RUN_DIR_OR_CHECKPOINT")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=bounded_int(0, 65535),
        default=8000,
        help="port to listen on, 0 for any free one (default: 8000)",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder to look in first for the test digits of the random-digit button",
    )
    parser.add_argument(
        "--threads",
        type=bounded_int(1, 256),
        default=1,
        help="CPU threads PyTorch uses per request (default: 1, fastest for one small image)",
    )
    parser.add_argument(
        "--workers",
        type=bounded_int(1, 64),
        default=None,
        help="large uploads (over 256 KB) read at the same time in worker threads "
        "(default: one per CPU core, at most 2)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # imported here so that other commands start without loading the web stack
    import torch

    from lenetlab.inference import Recogniser
    from lenetlab.web import TestDigits, bind, create_app, serve, url_of

    torch.set_num_threads(args.threads)
    recogniser = Recogniser.from_checkpoint(args.checkpoint)
    dataset = recogniser.meta.get("dataset", "mnist")
    test_digits = TestDigits.load(dataset, args.data_dir)
    if not test_digits.available:
        log.warning("random digits are off: %s", test_digits.reason)

    app = create_app(recogniser, test_digits, workers=args.workers)
    sock = bind(args.host, args.port)
    log.info("serving %s at %s (Ctrl+C to stop)", args.checkpoint, url_of(sock))
    serve(app, sock)
    return 0
