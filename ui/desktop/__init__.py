"""The PySide6 desktop application: models, views, dialogs and background workers.

Everything here talks to the core only through the ``vault`` API; nothing outside
this package imports Qt. ``python -m ui.desktop`` starts it (see :mod:`ui.desktop.app`).
"""
