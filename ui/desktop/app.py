"""Start the desktop app: arguments, the rotating log file, QApplication, main window.

``python -m ui.desktop [PATH | --vault PATH | --demo]``. With a path it opens that
vault's unlock screen; ``--demo`` opens the demo vault in the data folder,
creating it on first run (``make run`` passes it); with neither it shows the
start page of recent vaults, "Open other vault…" and "Create new vault…". The log goes to
``log_dir()/sitebook.log`` (rotated); log lines name events and record ids,
never a field value.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from vault import paths

log = logging.getLogger(__name__)

LOG_FILE = "sitebook.log"
LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3


def setup_logging(level: int = logging.INFO) -> Path:
    """Send our log records to the rotating log file; return its path."""
    path = paths.log_dir() / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path


def parse_args(args: Sequence[str]) -> argparse.Namespace:
    """The app's own arguments (Qt's were already taken out by QApplication)."""
    parser = argparse.ArgumentParser(
        prog="python -m ui.desktop",
        description=QCoreApplication.translate(
            "App", "Sitebook, the encrypted documentation vault for IT providers."
        ),
    )
    parser.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        type=Path,
        help=QCoreApplication.translate("App", "the vault file to open (as --vault)"),
    )
    parser.add_argument(
        "--vault",
        metavar="PATH",
        type=Path,
        help=QCoreApplication.translate(
            "App", "the vault file to open (default: the start page of recent vaults)"
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=QCoreApplication.translate(
            "App", "open the demo vault in the data folder, creating it on first run"
        ),
    )
    parsed = parser.parse_args(list(args))
    if parsed.vault is None:
        parsed.vault = parsed.path
    elif parsed.path is not None and parsed.path != parsed.vault:
        parser.error(QCoreApplication.translate("App", "give the vault once, as PATH or --vault"))
    if parsed.demo and parsed.vault is not None:
        parser.error(QCoreApplication.translate("App", "--demo opens the demo vault; drop PATH"))
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop application; return its exit status.

    Args:
        argv: Command line with the program name first (``sys.argv`` by default).
    """
    argv = list(sys.argv if argv is None else argv)
    QApplication.setApplicationName("Sitebook")
    QApplication.setOrganizationName("Sitebook")
    QApplication.setApplicationDisplayName("Sitebook")
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    from ui.desktop.appicon import app_icon

    app.setWindowIcon(app_icon())
    try:
        args = parse_args(app.arguments()[1:])
    except SystemExit as exc:  # --help, or a bad argument (argparse printed why)
        return int(exc.code or 0)

    from ui.desktop.crash import install_excepthook
    from ui.desktop.fileopen import FileOpenFilter
    from ui.desktop.firstrun import demo_kdf_params, demo_vault_path
    from ui.desktop.mainwindow import MainWindow

    log_path = setup_logging()
    install_excepthook()
    demo = bool(args.demo)
    if demo:
        vault_path: Path | None = demo_vault_path()
    else:
        vault_path = args.vault.expanduser() if args.vault is not None else None
    log.info("Sitebook starting (log: %s)", log_path)
    window = MainWindow(vault_path, demo=demo, demo_kdf=demo_kdf_params())
    window.show()
    window.start()
    # macOS hands a double-clicked vault over as an event once the loop runs. Elsewhere
    # the path comes on the command line, and a filter on the application would run
    # Python for every event of every widget.
    if sys.platform == "darwin":
        file_open = FileOpenFilter(app)
        app.installEventFilter(file_open)
        file_open.set_opener(window.start_control.open_path)
    ticker = _stop_on_signals(window, app)
    status = app.exec()
    ticker.stop()
    QThreadPool.globalInstance().waitForDone()
    window.shutdown()
    log.info("Sitebook stopped")
    return status


def _stop_on_signals(window: QWidget, app: QApplication) -> QTimer:
    """Close the window (so the vault locks and closes) on SIGINT and SIGTERM.

    Python runs signal handlers only between bytecodes, so a timer hands the
    interpreter control a few times a second while Qt's loop runs. The
    application quits even if the window refuses to close (work in progress) or
    a dialog is still open; the vault file stays consistent either way.
    """

    def stop(signum: int, _frame: object) -> None:
        log.info("stopping on signal %d", signum)
        window.close()
        app.exit(0)  # unlike quit(), exit() cannot be refused by a window

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, stop)
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)
    ticker.start(250)
    return ticker
