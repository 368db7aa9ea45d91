"""The settings dialog: one row per entry of :data:`ui.desktop.settings.SETTINGS`."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.desktop.settings import Settings


class SettingsDialog(QDialog):
    """Edit the settings; OK saves them."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.clipboard = QSpinBox()
        self.clipboard.setObjectName("clipboardSeconds")
        self.clipboard.setRange(5, 600)
        self.clipboard.setSuffix(self.tr(" s"))
        self.clipboard.setValue(int(settings.get("clipboard_seconds")))
        self.idle = QSpinBox()
        self.idle.setObjectName("idleLockMinutes")
        self.idle.setRange(0, 24 * 60)
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setSpecialValueText(self.tr("Never"))
        self.idle.setValue(int(settings.get("idle_lock_minutes")))
        self.screen_lock = QCheckBox(self.tr("Lock when the screen locks or the computer sleeps"))
        self.screen_lock.setChecked(bool(settings.get("lock_on_screen_lock")))
        self.theme = QComboBox()
        self.theme.setObjectName("theme")
        for value, label in (
            ("system", self.tr("Like the system")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.get("theme"))))
        self.delay = QSpinBox()
        self.delay.setRange(0, 2000)
        self.delay.setSuffix(self.tr(" ms"))
        self.delay.setValue(int(settings.get("search_delay_ms")))
        self.sync_interval = QSpinBox()
        self.sync_interval.setObjectName("syncIntervalMinutes")
        self.sync_interval.setRange(0, 24 * 60)
        self.sync_interval.setSuffix(self.tr(" min"))
        self.sync_interval.setSpecialValueText(self.tr("Only when I ask"))
        self.sync_interval.setValue(int(settings.get("sync_interval_minutes")))
        self.sync_button = QPushButton(self.tr("Sync &target…"))
        self.sync_button.setObjectName("syncTargetButton")
        self.sync_button.setEnabled(False)  # the window enables it while a vault is unlocked
        sync_row = QHBoxLayout()
        sync_row.addWidget(self.sync_interval, 1)
        sync_row.addWidget(self.sync_button)
        form = QFormLayout()
        form.addRow(self.tr("Clear copied secrets after:"), self.clipboard)
        form.addRow(self.tr("Lock after idle time:"), self.idle)
        form.addRow("", self.screen_lock)
        form.addRow(self.tr("Theme:"), self.theme)
        form.addRow(self.tr("Search while typing after:"), self.delay)
        form.addRow(self.tr("Sync automatically every:"), sync_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Store and save the values, then close."""
        s = self.settings
        s.set("clipboard_seconds", self.clipboard.value())
        s.set("idle_lock_minutes", self.idle.value())
        s.set("lock_on_screen_lock", self.screen_lock.isChecked())
        s.set("theme", str(self.theme.currentData()))
        s.set("search_delay_ms", self.delay.value())
        s.set("sync_interval_minutes", self.sync_interval.value())
        s.save()
        super().accept()
