"""Import benchmark: a generated 10,000-entry KeePass XML, into Sitebook and into KeePassXC.

Writes a realistic KeePass 2 XML export (nested groups, custom and protected
strings, TOTP, multi-line notes, some attachments), then in separate fresh
processes, each started by a small launcher (so peak RSS is each one's own):

- Sitebook: parse only, and the whole import (parse, plan, one transaction
  writing every record, signed and encrypted) into a new vault;
- Sitebook's whole command, ``sitebook import FILE`` into a vault created
  beforehand (untimed, same key-derivation parameters as above), with its
  modules' bytecode compiled beforehand as an installed Sitebook has it;
- ``keepassxc-cli import`` of the same XML into a KDBX (decryption time set to
  its minimum, 100 ms, so its key derivation does not dominate).

What is compared with what: keepassxc-cli's figure is a whole process (start,
reading the XML, a 100 ms key derivation, building and writing the encrypted
KDBX). The "Sitebook import" row is measured inside an already running Python
process and leaves out interpreter start, module imports and unlocking the
vault (one Argon2id derivation); the "sitebook import command" row includes
all of them and is the like-for-like comparison. Both tools also import a
200-entry file: its time is each one's fixed cost, and the difference gives
the rate per entry beyond it. The verdict lines compare whole processes and
those rates.

Prints entries per second and peak RSS side by side. Targets: at least 5,000
entries/s and faster than keepassxc-cli. Size with SITEBOOK_BENCH_ENTRIES
(default 10000). On a shared machine CPU time is noisy too: SITEBOOK_BENCH_RUNS=N
(default 1) runs each side N times, interleaved, and keeps each side's run with
the least CPU time.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSPHRASE = "bench passphrase"
KDBX_PASSWORD = "bench kdbx password"
SEED = "JBSWY3DPEHPK3PXP"
WARM_UP_ENTRIES = 200
"""Entries of the small file that fills the bytecode cache and measures each
tool's fixed cost (start, key derivation, writing an almost empty file)."""


def _kdf() -> object:
    """The vault's key derivation in every run: Argon2id, 64 MiB, 3 passes, 4 lanes."""
    from crypto.kdf import KdfParams

    return KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4)


def _string(key: str, value: str, protected: bool = False) -> str:
    attr = ' ProtectInMemory="True"' if protected else ""
    return f"<String><Key>{escape(key)}</Key><Value{attr}>{escape(value)}</Value></String>"


def generate(path: Path, entries: int) -> None:
    """Write a KeePass XML with ``entries`` entries in 50 clients x 4 groups."""
    binaries = [base64.b64encode(os.urandom(2048)).decode() for _ in range(10)]
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<KeePassFile><Meta>'
        "<Generator>sitebook-bench</Generator><RecycleBinEnabled>False</RecycleBinEnabled><Binaries>",
        *(f'<Binary ID="{i}" Compressed="False">{b}</Binary>' for i, b in enumerate(binaries)),
        "</Binaries></Meta><Root><Group><UUID>"
        + base64.b64encode(uuid.uuid4().bytes).decode()
        + "</UUID><Name>Root</Name>",
    ]
    per_group = max(1, entries // 200)
    written = 0
    for client in range(50):
        out.append(f"<Group><UUID>{base64.b64encode(uuid.uuid4().bytes).decode()}</UUID>")
        out.append(f"<Name>Client {client:02d} Bäckerei</Name>")
        for group in ("Servers", "Network", "Cloud", "Users"):
            out.append(f"<Group><UUID>{base64.b64encode(uuid.uuid4().bytes).decode()}</UUID>")
            out.append(f"<Name>{group}</Name>")
            for _ in range(per_group):
                if written >= entries:
                    break
                n = written
                parts = [
                    f"<Entry><UUID>{base64.b64encode(uuid.uuid4().bytes).decode()}</UUID>",
                    "<Tags>imported;bench</Tags>",
                    _string("Title", f"{group} account {n} – Zürich"),
                    _string("UserName", f"admin{n}@client{client}.example"),
                    _string("Password", f"Pw-{n}-{uuid.uuid4().hex[:12]}", True),
                    _string("URL", f"https://srv-{n}.client{client}.example:8443/login"),
                    _string("Notes", f"Entry {n}.\nSecond line of notes.\nRack {n % 40}."),
                    _string("Serial", f"SN{n:08d}"),
                    _string("PIN", f"{n % 10000:04d}", True),
                ]
                if n % 10 == 0:
                    parts.append(_string("otp", f"otpauth://totp/x:{n}?secret={SEED}", True))
                if n % 200 == 0:
                    parts.append(
                        f'<Binary><Key>config-{n}.txt</Key><Value Ref="{n % 10}"/></Binary>'
                    )
                parts.append("</Entry>")
                out.append("".join(parts))
                written += 1
            out.append("</Group>")
        out.append("</Group>")
    out.append("</Group></Root></KeePassFile>\n")
    path.write_text("".join(out), encoding="utf-8")


def sitebook_child(xml: str, folder: str, mode: str) -> None:
    """Run in a fresh process: parse (and import) the XML; print JSON figures."""
    from importers import keepass_xml
    from importers.apply import run_import
    from importers.base import ImportOptions
    from vault import Vault

    vault = None
    if mode == "import":
        vault, _ = Vault.create(
            Path(folder) / "bench.sitebook",
            name="Bench IT",
            owner="Bench",
            passphrase=PASSPHRASE,
            kdf_params=_kdf(),
        )
    start, cpu = time.perf_counter(), time.process_time()
    parsed = keepass_xml.parse(Path(xml), ImportOptions())
    parse_s, parse_cpu = time.perf_counter() - start, time.process_time() - cpu
    result = {"entries": len(parsed.drafts), "parse_s": parse_s, "parse_cpu": parse_cpu}
    if vault is not None:
        write_start, write_cpu = time.perf_counter(), time.process_time()
        report = run_import(vault, parsed)
        result["write_s"] = time.perf_counter() - write_start
        result["write_cpu"] = time.process_time() - write_cpu
        result["created"] = report.created
        vault.close()
    result["total_s"] = time.perf_counter() - start
    result["total_cpu"] = time.process_time() - cpu
    print(json.dumps(result))


def run_sitebook(xml: Path, mode: str) -> dict:
    folder = tempfile.mkdtemp(prefix="sitebook-bench-")
    try:
        done = _measured([sys.executable, __file__, "--child", str(xml), folder, mode])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # peak RSS as the launcher saw it: the same process, measured the same way as the others
    return {**json.loads(done["stdout"].strip().splitlines()[-1]), "rss_mib": done["rss_mib"]}


def run_sitebook_command(xml: Path, pycache: Path) -> dict:
    """``sitebook import XML`` as a child process into a fresh vault, timed from outside.

    Python's bytecode is read from ``pycache`` (see :func:`_compiled`), as an
    installed Sitebook reads its compiled modules rather than compiling them on
    every start."""
    from vault import Vault

    folder = Path(tempfile.mkdtemp(prefix="sitebook-bench-cli-"))
    program = Path(sys.executable).with_name("sitebook")
    command = [str(program)] if program.exists() else [sys.executable, "-m", "ui.cli"]
    try:
        path = folder / "bench.sitebook"
        vault, _ = Vault.create(
            path, name="Bench IT", owner="Bench", passphrase=PASSPHRASE, kdf_params=_kdf()
        )
        vault.close()
        (folder / "pass.txt").write_text(PASSPHRASE + "\n", encoding="utf-8")
        environment = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            **{f"SITEBOOK_{k}_DIR": str(folder / k.lower()) for k in _DIRS},
            "PYTHONPYCACHEPREFIX": str(pycache),
        }
        secret_file = ("--passphrase-file", str(folder / "pass.txt"))
        figures = _measured(
            [*command, "import", str(xml), "--vault", str(path), *secret_file, "--json"],
            env=environment,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures["n"] = json.loads(figures.pop("stdout"))["imported"]
    return figures


_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE)
errors = child.stderr.read()  # progress lines; the tail tells why a run failed
_, status, usage = os.wait4(child.pid, 0)
json.dump({"code": os.waitstatus_to_exitcode(status), "wall": time.perf_counter() - start,
           "cpu": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss,
           "errors": errors[-2000:].decode("utf-8", "replace")}, sys.stderr)
"""
"""Runs a command and reports its wall time, CPU time and peak RSS on stderr.

Linux starts a new process's peak RSS at the size of the process that started
it, so children of this (large) benchmark process would all report at least its
size. The launcher is a small interpreter without ``site``; the command it
starts has a peak RSS of its own."""


def _measured(argv: list[str], *, env: dict | None = None, stdin: str = "") -> dict:
    """Run ``argv`` to its end: wall and CPU seconds, its own peak RSS and its stdout."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    figures = json.loads(done.stderr)
    if figures["code"] != 0:
        raise subprocess.CalledProcessError(figures["code"], argv, done.stdout, figures["errors"])
    return {
        "total_s": figures["wall"],
        "total_cpu": figures["cpu"],
        "rss_mib": figures["rss_kib"] / 1024,
        "stdout": done.stdout,
    }


_DIRS = ("DATA", "CACHE", "LOG", "CONFIG")


def _compiled(folder: Path) -> Path:
    """A bytecode cache for the command's runs, filled by one small untimed import.

    ``pip install`` compiles a package's modules when it installs them; a source
    checkout whose environment sets ``PYTHONDONTWRITEBYTECODE`` (as CI machines
    often do) would otherwise compile about 80 modules on every run, 0.15 s that
    an installed Sitebook never spends. The cache lives in the benchmark's
    temporary folder, so the checkout is left as it was.
    """
    pycache = folder / "pycache"
    small = folder / "warm-up.xml"
    generate(small, WARM_UP_ENTRIES)
    run_sitebook_command(small, pycache)
    return pycache


def run_keepassxc(xml: Path) -> dict | None:
    program = shutil.which("keepassxc-cli")
    if program is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="keepassxc-bench-"))
    try:
        figures = _measured(
            [program, "import", "-q", "-t", "100", "-p", str(xml), str(folder / "bench.kdbx")],
            stdin=f"{KDBX_PASSWORD}\n{KDBX_PASSWORD}\n",
        )
        figures.pop("stdout")
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True
        ).stdout.strip()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**figures, "version": version}


def _least_cpu(best: dict | None, new: dict | None, key: str) -> dict | None:
    if best is None or (new is not None and new[key] < best[key]):
        return new
    return best


def main() -> None:
    entries = int(os.environ.get("SITEBOOK_BENCH_ENTRIES", "10000"))
    with tempfile.TemporaryDirectory(prefix="sitebook-bench-xml-") as folder:
        xml = Path(folder) / "bench.xml"
        generate(xml, entries)
        size = xml.stat().st_size / (1024 * 1024)
        runs = max(1, int(os.environ.get("SITEBOOK_BENCH_RUNS", "1")))
        pycache = _compiled(Path(folder))
        small = Path(folder) / "warm-up.xml"
        parse_only = full = command = keepassxc = command_small = keepassxc_small = None
        for _ in range(runs):
            parse_only = _least_cpu(parse_only, run_sitebook(xml, "parse"), "parse_cpu")
            full = _least_cpu(full, run_sitebook(xml, "import"), "total_cpu")
            command = _least_cpu(command, run_sitebook_command(xml, pycache), "total_cpu")
            command_small = _least_cpu(
                command_small, run_sitebook_command(small, pycache), "total_cpu"
            )
            keepassxc = _least_cpu(keepassxc, run_keepassxc(xml), "total_cpu")
            keepassxc_small = _least_cpu(keepassxc_small, run_keepassxc(small), "total_cpu")
        assert parse_only is not None and full is not None and command is not None
        assert command_small is not None
    n = full["entries"]
    print(f"KeePass XML: {n:,} entries, {size:.1f} MiB; best of {runs} run(s) per side")
    print("entries/s by wall clock, and by CPU time (what an idle machine would see)")
    print(f"{'':36}{'wall/s':>10}{'CPU/s':>10}{'wall s':>9}{'CPU s':>8}{'peak RSS':>11}")

    def row(label: str, wall: float, cpu: float, rss: float | None) -> None:
        memory = f"{rss:>7.0f} MiB" if rss is not None else ""
        print(f"{label:36}{n / wall:>10,.0f}{n / cpu:>10,.0f}{wall:>9.2f}{cpu:>8.2f}{memory:>11}")

    row(
        "Sitebook parse only", parse_only["parse_s"], parse_only["parse_cpu"], parse_only["rss_mib"]
    )
    row("Sitebook import (parse+plan+write)", full["total_s"], full["total_cpu"], full["rss_mib"])
    row("  of which plan + vault write", full["write_s"], full["write_cpu"], None)
    if command["n"] != n:
        print(f"(the command imported {command['n']:,} entries, not {n:,})")
    row(
        "sitebook import command (process)",
        command["total_s"],
        command["total_cpu"],
        command["rss_mib"],
    )
    if keepassxc is None:
        print("keepassxc-cli: not installed (Debian package 'keepassxc'); no comparison")
        return
    row(
        "keepassxc-cli import (-t 100)",
        keepassxc["total_s"],
        keepassxc["total_cpu"],
        keepassxc["rss_mib"],
    )
    print(
        f"(keepassxc-cli {keepassxc['version']} and the sitebook command: whole processes, "
        "start and key derivation included;\n the 'Sitebook import' row runs inside an "
        "already started, unlocked process)"
    )
    print(f"\nFixed cost (a {WARM_UP_ENTRIES}-entry file) and the rate beyond it:")
    print(f"{'':36}{'fixed s':>10}{'fixed CPU':>10}{'entries/s':>11}{'CPU/s':>9}")
    rates: dict[str, float] = {}
    for label, big, little in (
        ()
        if n <= 2 * WARM_UP_ENTRIES
        else (
            ("sitebook import command", command, command_small),
            ("keepassxc-cli import", keepassxc, keepassxc_small),
        )
    ):
        if little is None:
            continue
        extra = n - WARM_UP_ENTRIES
        if big["total_s"] <= little["total_s"] or big["total_cpu"] <= little["total_cpu"]:
            print(f"{label:36}(the small run took as long: too noisy to tell)")
            continue
        rate = extra / (big["total_s"] - little["total_s"])
        rates[label] = cpu_rate = extra / (big["total_cpu"] - little["total_cpu"])
        print(
            f"{label:36}{little['total_s']:>10.2f}{little['total_cpu']:>10.2f}"
            f"{rate:>11,.0f}{cpu_rate:>9,.0f}"
        )
    for label, figures in (("in-process import", full), ("whole command", command)):
        speed = n / figures["total_cpu"]
        verdict = "meets" if speed >= 5000 else "misses"
        print(f"{label}: target >= 5,000 entries/s (CPU) {verdict} ({speed:,.0f}/s)")
    # Like for like only: a whole process against a whole process, and the rate
    # beyond each one's fixed cost. The in-process row leaves out start and unlock.
    ratios = {"whole command against whole command": keepassxc["total_cpu"] / command["total_cpu"]}
    if len(rates) == 2:
        ratios["per entry beyond the fixed cost"] = (
            rates["sitebook import command"] / rates["keepassxc-cli import"]
        )
    for label, ratio in ratios.items():
        faster = "faster" if ratio > 1 else "slower"
        print(f"{label}: {faster} than keepassxc-cli by CPU ({ratio:.2f}x its speed)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sitebook_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
