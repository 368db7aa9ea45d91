"""Import benchmark: a generated 10,000-entry KeePass XML, into Sitebook and into KeePassXC.

Writes a realistic KeePass 2 XML export (nested groups, custom and protected
strings, TOTP, multi-line notes, some attachments), then in separate fresh
processes (so peak RSS is each one's own):

- Sitebook: parse only, and the whole import (parse, plan, one transaction
  writing every record, signed and encrypted) into a new vault;
- ``keepassxc-cli import`` of the same XML into a KDBX (decryption time set to
  its minimum, 100 ms, so its key derivation does not dominate).

- Sitebook's whole command, ``sitebook import FILE`` into a vault created
  beforehand (untimed, same key-derivation parameters as above), timed as a
  process from outside exactly as keepassxc-cli is.

What is compared with what: keepassxc-cli's figure is a whole process (start,
reading the XML, a 100 ms key derivation, building and writing the encrypted
KDBX). The "Sitebook import" row is measured inside an already running Python
process and leaves out interpreter start, module imports and unlocking the
vault (one Argon2id derivation); the "sitebook import command" row includes
all of them, plus what the command does after the import (the search index),
and is the like-for-like comparison. The verdict line uses it.

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
import resource
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


def _peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


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
    result["rss_mib"] = _peak_rss_mib()
    print(json.dumps(result))


def run_sitebook(xml: Path, mode: str) -> dict:
    folder = tempfile.mkdtemp(prefix="sitebook-bench-")
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(xml), folder, mode],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_sitebook_command(xml: Path) -> dict:
    """``sitebook import XML`` as a child process into a fresh vault, timed from outside."""
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
            **os.environ,
            **{f"SITEBOOK_{k}_DIR": str(folder / k.lower()) for k in _DIRS},
        }
        secret_file = ("--passphrase-file", str(folder / "pass.txt"))
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [*command, "import", str(xml), "--vault", str(path), *secret_file, "--json"],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
            cwd=ROOT,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    imported = json.loads(done.stdout)["imported"]
    return {"total_s": elapsed, "total_cpu": cpu, "rss_mib": after.ru_maxrss / 1024, "n": imported}


_DIRS = ("DATA", "CACHE", "LOG", "CONFIG")


def run_keepassxc(xml: Path) -> dict | None:
    program = shutil.which("keepassxc-cli")
    if program is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="keepassxc-bench-"))
    try:
        before = _peak_rss_mib(resource.RUSAGE_CHILDREN)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [program, "import", "-q", "-t", "100", "-p", str(xml), str(folder / "bench.kdbx")],
            input=f"{KDBX_PASSWORD}\n{KDBX_PASSWORD}\n",
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (done.ru_utime + done.ru_stime) - (usage.ru_utime + usage.ru_stime)
        after = _peak_rss_mib(resource.RUSAGE_CHILDREN)
        version = subprocess.run(
            [program, "--version"], capture_output=True, text=True
        ).stdout.strip()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"total_s": elapsed, "total_cpu": cpu, "rss_mib": max(after, before), "version": version}


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
        parse_only = full = command = keepassxc = None
        for _ in range(runs):
            parse_only = _least_cpu(parse_only, run_sitebook(xml, "parse"), "parse_cpu")
            full = _least_cpu(full, run_sitebook(xml, "import"), "total_cpu")
            command = _least_cpu(command, run_sitebook_command(xml), "total_cpu")
            keepassxc = _least_cpu(keepassxc, run_keepassxc(xml), "total_cpu")
        assert parse_only is not None and full is not None and command is not None
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
    row("sitebook import command (process)", command["total_s"], command["total_cpu"], None)
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
    for label, figures in (("in-process import", full), ("whole command", command)):
        speed = n / figures["total_cpu"]
        verdict = "meets" if speed >= 5000 else "misses"
        ratio = keepassxc["total_cpu"] / figures["total_cpu"]
        faster = "faster" if ratio > 1 else "slower"
        print(
            f"{label}: target >= 5,000 entries/s (CPU) {verdict} ({speed:,.0f}/s); "
            f"{faster} than keepassxc-cli by CPU ({ratio:.2f}x its speed)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sitebook_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
