"""The two faces of Sitebook: ``ui.cli`` (command line) and ``ui.desktop`` (PySide6 window).

Importing this package imports neither; only ``ui.desktop`` may import Qt.
"""
