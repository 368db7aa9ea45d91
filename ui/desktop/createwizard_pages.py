"""The first two pages of the create-vault wizard: name and file, then the passphrase.

:class:`NamePage` asks for the vault's name, where its file goes and the
owner's name, and refuses (inline) a file that exists or a folder that does
not. :class:`PassphrasePage` asks for the passphrase twice under a live
strength meter (:mod:`crypto.strength`); Next stays disabled until the
passphrase reaches :data:`crypto.strength.MIN_BITS` and both fields agree
(compared in constant time). "Generate a passphrase" fills both with six words
from :func:`crypto.passwords.generate_passphrase` and shows them.
"""

from __future__ import annotations

import getpass
import hmac
import os
import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from crypto.passwords import generate_passphrase
from crypto.strength import MIN_BITS, Assessment, Weakness, assess
from ui.desktop import dialogs
from ui.desktop.createwizard_jobs import with_suffix
from ui.desktop.signals import emit
from ui.desktop.unlock import ERROR_STYLE

GENERATED_WORDS = 6
MAX_PASSPHRASE = 256
OK_STYLE = "color: #26a269;"
_BAR_COLOURS = ("#c01c28", "#e66100", "#e5a50a", "#26a269", "#1a7f4b")


def _tr(text: str) -> str:
    return QCoreApplication.translate("CreateVault", text)


def weakness_text(weakness: Weakness) -> str:
    """What a weakness means, for people."""
    return {
        Weakness.TOO_SHORT: _tr("Use at least 8 characters."),
        Weakness.COMMON: _tr("It contains a common password or word."),
        Weakness.KEYBOARD: _tr("It contains a keyboard pattern."),
        Weakness.REPEAT: _tr("It repeats characters or itself."),
        Weakness.SEQUENCE: _tr("It contains a sequence like abcd or 1234."),
        Weakness.DATE: _tr("It contains a date."),
        Weakness.PERSONAL: _tr(
            "It contains a name an attacker tries first: the vault's, the file's, your name "
            "or Sitebook's own."
        ),
    }[weakness]


def error_label(name: str) -> QLabel:
    """A red, word-wrapped, initially hidden line for inline messages."""
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show(label: QLabel, text: str) -> None:
    """Set ``label``'s text and show it only when there is some."""
    label.setText(text)
    label.setVisible(bool(text))


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", name.strip().lower(), flags=re.UNICODE).strip("-.")
    return slug or "vault"


class NamePage(QWizardPage):
    """Vault name, file location and owner name."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("namePage")
        self.setTitle(self.tr("Name and file"))
        self.setSubTitle(
            self.tr("A vault is one encrypted file. Name it after your company or team.")
        )
        self.folder = folder
        self._location_edited = False
        self.name = QLineEdit()
        self.name.setObjectName("vaultName")
        self.name.setPlaceholderText(self.tr("e.g. Northwind IT"))
        self.name.setMaxLength(200)
        self.name.textChanged.connect(self._name_changed)
        self.location = QLineEdit()
        self.location.setObjectName("vaultLocation")
        self.location.textEdited.connect(self._location_typed)
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("browseLocation")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self.choose_location)
        self.owner = QLineEdit()
        self.owner.setObjectName("ownerName")
        self.owner.setMaxLength(200)
        self.owner.setText(_user_name())
        self.owner.textChanged.connect(lambda _t: emit(self.completeChanged))
        self.error = error_label("nameError")

        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self._buddy(self.tr("Vault &name:"), self.name), self.name)
        form.addRow(self._buddy(self.tr("&File:"), self.location), where)
        form.addRow(self._buddy(self.tr("&Your name:"), self.owner), self.owner)
        hint = QLabel(
            self.tr(
                "Your name is shown to team members you invite later. The vault's name is "
                "encrypted inside the vault like everything else; this computer's list of "
                "recent vaults keeps only the file's path."
            )
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addStretch(1)

    @staticmethod
    def _buddy(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

    def initializePage(self) -> None:
        """Focus the name field."""
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)

    def typed(self) -> Path:
        """The location as typed, ``~`` expanded (when it can be)."""
        typed = Path(self.location.text().strip())
        try:
            return typed.expanduser()
        except RuntimeError:  # "~nobody/…": no such home folder
            return typed

    def target(self) -> Path:
        """The vault file chosen (``.sitebook`` added when missing; a bare ``/`` stays)."""
        typed = self.typed()
        return with_suffix(typed) if typed.name else typed

    def personal_words(self) -> tuple[str, ...]:
        """What an attacker would try first: the vault's, the file's and the owner's names."""
        return (self.name.text(), self.owner.text(), self.target().stem)

    def choose_location(self) -> None:
        """Pick the file with a save dialog."""
        chosen = dialogs.save_path(
            self,
            self.tr("New vault file"),
            str(self.target()) if self.location.text().strip() else str(self.folder),
            self.tr("Sitebook vaults (*.sitebook)"),
        )
        if chosen:
            self._location_edited = True
            self.location.setText(str(with_suffix(Path(chosen))))
            show(self.error, "")
            emit(self.completeChanged)

    def _name_changed(self, text: str) -> None:
        show(self.error, "")
        if not self._location_edited:
            self.location.setText(str(self.folder / f"{_slug(text)}.sitebook") if text else "")
        emit(self.completeChanged)

    def _location_typed(self, _text: str) -> None:
        self._location_edited = True
        show(self.error, "")
        emit(self.completeChanged)

    def isComplete(self) -> bool:
        """Name, file and owner are all filled in."""
        return all(w.text().strip() for w in (self.name, self.location, self.owner))

    def validatePage(self) -> bool:
        """Refuse, inline, a folder instead of a file, a file that exists, or a bad folder."""
        problem = self.problem()
        show(self.error, problem)
        if problem:
            return False
        self.location.setText(str(self.target()))
        return True

    def problem(self) -> str:
        """Why the file cannot be created where it is asked for ('' if it can)."""
        typed = self.typed()
        example = str(
            (typed if typed.is_absolute() else self.folder) / f"{_slug(self.name.text())}.sitebook"
        )
        if not typed.is_absolute():
            return self.tr("Give the full path of the file, e.g. {example}.").format(
                example=example
            )
        target = self.target()
        try:
            if not typed.name or typed.is_dir():
                return self.tr("{path} is a folder. Add a file name, e.g. {example}.").format(
                    path=str(typed), example=example
                )
            if target.exists() or target.is_symlink():
                return self.tr("{path} already exists. Choose another name.").format(
                    path=str(target)
                )
            if not target.parent.is_dir():
                return self.tr("The folder {folder} does not exist.").format(
                    folder=str(target.parent)
                )
            if not os.access(target.parent, os.W_OK | os.X_OK):
                return self.tr(
                    "You may not create files in {folder}. Choose another folder."
                ).format(folder=str(target.parent))
        except OSError as exc:  # no permission to look, a dead network drive, a long name
            return self.tr("{path} cannot be checked: {reason}. Choose another folder.").format(
                path=str(target), reason=exc.strerror or type(exc).__name__
            )
        return ""


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class StrengthMeter(QWidget):
    """A bar and a line saying how strong a passphrase is and what weakens it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setObjectName("strengthBar")
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(10)
        self.label = QLabel()
        self.label.setObjectName("strengthLabel")
        self.label.setWordWrap(True)
        self.problems = QLabel()
        self.problems.setObjectName("strengthProblems")
        self.problems.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.problems)
        self.show_assessment(None)

    def show_assessment(self, rating: Assessment | None) -> None:
        """Show ``rating`` (None: nothing typed yet)."""
        if rating is None:
            self.bar.setValue(0)
            self.label.setText(
                self.tr("Use a passphrase of several words, or let Sitebook generate one.")
            )
            self.problems.setText("")
            return
        self.bar.setValue(round(rating.fraction * 100))
        colour = _BAR_COLOURS[rating.score]
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        labels = (
            self.tr("very weak"),
            self.tr("weak"),
            self.tr("fair"),
            self.tr("strong"),
            self.tr("very strong"),
        )
        text = self.tr("Strength: {label} (about {bits} bits).").format(
            label=labels[rating.score], bits=int(rating.bits)
        )
        if not rating.acceptable:
            text += " " + self.tr("A vault passphrase needs at least {bits} bits.").format(
                bits=int(MIN_BITS)
            )
        self.label.setText(text)
        self.problems.setText(" ".join(weakness_text(w) for w in rating.weaknesses))


class PassphrasePage(QWizardPage):
    """The passphrase, twice, with a strength meter and a generator."""

    def __init__(self, names: NamePage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphrasePage")
        self.setTitle(self.tr("Passphrase"))
        self.setSubTitle(
            self.tr(
                "You type this passphrase to unlock the vault. Sitebook cannot recover it; "
                "the recovery key on the next pages is the only way back in without it."
            )
        )
        self.names = names
        self.rating: Assessment | None = None
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("newPassphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.textChanged.connect(self._changed)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeatPassphrase")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.textChanged.connect(self._changed)
        for field in (self.passphrase, self.repeat):  # rating stays well under 50 ms a key
            field.setMaxLength(MAX_PASSPHRASE)
        self.show_text = QCheckBox(self.tr("&Show passphrase"))
        self.show_text.setObjectName("showPassphrase")
        self.show_text.toggled.connect(self._set_visible)
        self.generate = QPushButton(self.tr("&Generate a passphrase"))
        self.generate.setObjectName("generatePassphrase")
        self.generate.setAutoDefault(False)
        self.generate.clicked.connect(self.fill_generated)
        self.meter = StrengthMeter()
        self.match = QLabel()
        self.match.setObjectName("passphraseMatch")

        first = QLabel(self.tr("&Passphrase:"))
        first.setBuddy(self.passphrase)
        second = QLabel(self.tr("&Repeat it:"))
        second.setBuddy(self.repeat)
        form = QFormLayout()
        form.addRow(first, self.passphrase)
        form.addRow("", self.meter)
        form.addRow(second, self.repeat)
        form.addRow("", self.match)
        tools = QHBoxLayout()
        tools.addWidget(self.show_text)
        tools.addStretch(1)
        tools.addWidget(self.generate)
        form.addRow("", tools)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)

    def initializePage(self) -> None:
        """Rate what is there again (the names may have changed) and focus the field."""
        self._changed()
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def fill_generated(self) -> None:
        """Put a new six-word passphrase into both fields and show it."""
        text = generate_passphrase(words=GENERATED_WORDS)
        self.show_text.setChecked(True)
        self.passphrase.setText(text)
        self.repeat.setText(text)

    def text(self) -> str:
        """The passphrase typed (only once both fields agree and it is strong enough)."""
        return self.passphrase.text() if self.isComplete() else ""

    def clear(self) -> None:
        """Empty both fields (the passphrase has served)."""
        self.passphrase.clear()
        self.repeat.clear()

    def _set_visible(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.repeat.setEchoMode(mode)

    def _same(self) -> bool:
        return hmac.compare_digest(
            self.passphrase.text().encode("utf-8"), self.repeat.text().encode("utf-8")
        )

    def _changed(self, _text: str = "") -> None:
        typed = self.passphrase.text()
        self.rating = assess(typed, self.names.personal_words()) if typed else None
        self.meter.show_assessment(self.rating)
        if not self.repeat.text():
            self.match.setText("")
        elif self._same():
            self.match.setStyleSheet(OK_STYLE)
            self.match.setText(self.tr("✓ Both passphrases match."))
        else:
            self.match.setStyleSheet(ERROR_STYLE)
            self.match.setText(self.tr("The two passphrases differ."))
        emit(self.completeChanged)

    def isComplete(self) -> bool:
        """Strong enough, and typed the same twice."""
        return self.rating is not None and self.rating.acceptable and self._same()
