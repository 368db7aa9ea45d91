"""The demo data's vocabulary: client names, people, streets, devices, runbooks and tickets.

Plain constant tables only, kept apart from the code that draws from them
(:mod:`vault.demo_builder`) so the generator stays readable. Strings with
``{fs}``/``{host}``-style placeholders are filled in per client by the builder.
"""

from __future__ import annotations

FIXED_CLIENTS: tuple[tuple[str, str], ...] = (
    ("Contoso Dental", "contoso"),
    ("Fabrikam Logistics", "fabrikam"),
    ("Tailspin Architects", "tailspin"),
    ("Woodgrove Bakery", "woodgrove"),
)
STEMS: tuple[str, ...] = (
    "Adatum", "Alpine", "Bellows", "Blue Yonder", "Coho", "Contoso", "Fabrikam", "Fourth",
    "Graphic", "Humongous", "Litware", "Lucerne", "Margie's", "Munson", "Northridge", "Proseware",
    "Relecloud", "Southridge", "Tailspin", "Trey", "VanArsdel", "Wide World", "Wingtip",
    "Woodgrove", "Datum", "Consolidated", "First Up", "Liberty", "Lamna", "Fincher", "Baldwin",
    "Harbour", "Kestrel", "Meadow", "Oakfield", "Pinewood", "Riverside", "Stonebridge",
    "Summit", "Westbrook",
)  # fmt: skip
TRADES: tuple[str, ...] = (
    "Dental", "Logistics", "Architects", "Bakery", "Winery", "Accounting", "Law Group",
    "Veterinary Clinic", "Opticians", "Engineering", "Publishing", "Travel", "Insurance",
    "Physiotherapy", "Estate Agents", "Builders", "Print Shop", "Pharmacy", "Brewery",
    "Consulting", "Medical Practice", "Hotel", "Garden Centre", "Motors", "Foundation",
    "Academy", "Surveyors",
)  # fmt: skip
TOWNS: tuple[str, ...] = (
    "Redmond", "Bellevue", "Kirkland", "Tacoma", "Everett", "Olympia", "Spokane", "Yakima",
    "Bellingham", "Renton", "Kent", "Auburn", "Lynnwood", "Issaquah", "Bothell", "Edmonds",
)  # fmt: skip

FIRST = (
    "Anna", "Ben", "Carla", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "James", "Kerstin",
    "Liam", "Mei", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Will", "Yara", "Zoe",
)  # fmt: skip
LAST = (
    "Berg", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "O'Brien", "Patel", "Rossi", "Schmidt",
    "Tanaka", "Usman", "Vogel", "Walsh", "Young", "Zimmer",
)  # fmt: skip
ROLES = (
    ("Owner", "yes"),
    ("Office manager", "yes"),
    ("IT contact", "yes"),
    ("Accountant", "no"),
    ("Practice manager", "yes"),
    ("Reception", "no"),
    ("Operations lead", "no"),
    ("Facilities", "no"),
)
PARKING = ("visitor bays at the back", "street parking only", "garage level -1")
STREETS = (
    "Harbour Street", "Mill Lane", "Station Road", "Pine Avenue", "Market Square", "Lakeview Drive",
    "Commerce Way", "Elm Street", "Canal Walk", "Quarry Road",
)  # fmt: skip

# (role, kind, hostname, manufacturer, model, operating system, host octet, tags)
CORE_CONFIGS: tuple[tuple[str, str, str, str, str, str, int, tuple[str, ...]], ...] = (
    ("dc", "server", "srv-dc01", "Dell", "PowerEdge R450", "Windows Server 2022 Standard", 10,
     ("server", "windows", "active-directory")),
    ("fw", "firewall", "fw01", "Fortinet", "FortiGate 60F", "FortiOS 7.4.4", 1,
     ("network", "firewall")),
    ("fs", "server", "srv-fs01", "Dell", "PowerEdge T350", "Windows Server 2022 Standard", 11,
     ("server", "windows", "file-server")),
    ("m365", "cloud-service", "", "Microsoft", "Microsoft 365 Business Premium", "", 0,
     ("cloud", "microsoft-365")),
    ("sw", "switch", "sw-core01", "HPE Aruba", "2930F 48G PoE+", "ArubaOS-Switch 16.11", 2,
     ("network", "switch")),
    ("nas", "storage", "nas01", "Synology", "RS1221+", "DSM 7.2", 20, ("storage", "backup")),
    ("lic", "license", "", "Microsoft", "Microsoft 365 Business Premium", "", 0,
     ("licence", "microsoft-365")),
    ("prn", "printer", "prn-01", "Kyocera", "TASKalfa 2554ci", "", 40, ("printer",)),
    ("hv", "server", "hv01", "HPE", "ProLiant DL380 Gen10 Plus", "VMware ESXi 8.0 U2", 12,
     ("server", "virtualisation")),
    ("dc2", "virtual-machine", "srv-dc02", "VMware", "Virtual machine",
     "Windows Server 2022 Standard", 13, ("server", "windows", "active-directory")),
    ("plotter", "printer", "prn-plotter01", "HP", "DesignJet T650", "", 41, ("printer", "legacy")),
    ("ap", "access-point", "ap-01", "Ubiquiti", "UniFi U6 Pro", "UniFi 6.6", 30,
     ("network", "wifi")),
    ("veeam", "software", "", "Veeam", "Backup & Replication 12", "", 0, ("backup", "software")),
    ("av", "software", "", "ESET", "PROTECT Entry", "", 0, ("security", "software")),
)  # fmt: skip
OUI = {"Dell": "B0:7B:25", "HPE": "94:40:C9", "Fortinet": "70:4C:A5", "Synology": "00:11:32",
        "HPE Aruba": "88:3A:30", "Kyocera": "00:17:C8", "HP": "3C:52:82", "Ubiquiti": "74:83:C2",
        "Lenovo": "8C:16:45", "VMware": "00:50:56", "Yealink": "80:5E:C0"}  # fmt: skip
# (kind, hostname prefix, manufacturer, model, operating system, subnet, tags)
FILLER_CONFIGS = (
    ("laptop", "lt", "Lenovo", "ThinkPad T14 Gen 4", "Windows 11 Pro 23H2", 20, ("laptop",)),
    ("laptop", "lt", "Dell", "Latitude 5440", "Windows 11 Pro 23H2", 20, ("laptop",)),
    ("workstation", "ws", "HP", "EliteDesk 800 G9", "Windows 11 Pro 23H2", 20, ("workstation",)),
    ("workstation", "ws", "Dell", "OptiPlex 7010", "Windows 10 Pro 22H2", 20, ("workstation",)),
    ("phone", "tel", "Yealink", "T54W", "", 50, ("voip",)),
    ("access-point", "ap", "Ubiquiti", "UniFi U6 Lite", "UniFi 6.6", 30, ("network", "wifi")),
    ("virtual-machine", "srv-app", "VMware", "Virtual machine", "Ubuntu 22.04 LTS", 10,
     ("server", "linux")),
)  # fmt: skip


PROCEDURES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        "Restore the file server from backup",
        ("fs", "nas", "veeam"),
        ("runbook", "backup"),
        "## When\n\nA folder or the whole of `{fs}` has to come back from backup.\n\n"
        "## Steps\n\n"
        "1. Sign in to the Veeam console on `{nas}` with the *Backup service account*.\n"
        "2. Open **Home > Backups > Disk**, pick the job `FS01-daily` and the restore point.\n"
        "3. For single folders choose **Restore guest files**; for the server choose "
        "**Instant VM recovery**.\n"
        "4. Check the restored data with the person who asked, then note the ticket.\n\n"
        "```powershell\nGet-VBRRestorePoint -Backup (Get-VBRBackup -Name 'FS01-daily') |\n"
        "    Sort-Object CreationTime -Descending | Select-Object -First 5\n```\n",
    ),
    (
        "Onboard a new employee",
        ("dc", "m365"),
        ("runbook", "onboarding"),
        "## Before day one\n\n"
        "1. Create the account in Active Directory on `{dc}` (OU `{netbios}/Users`).\n"
        "2. Wait for Entra Connect to sync, then assign a Microsoft 365 licence.\n"
        "3. Add the user to the department's groups and shared mailboxes.\n"
        "4. Prepare a laptop from the Autopilot profile and label it.\n\n"
        "```powershell\nNew-ADUser -Name 'First Last' -SamAccountName flast `\n"
        "    -UserPrincipalName flast@{mail} -Path 'OU=Users,OU={netbios},DC=corp' `\n"
        "    -Enabled $true -AccountPassword (Read-Host -AsSecureString)\n"
        "Start-ADSyncSyncCycle -PolicyType Delta\n```\n",
    ),
    (
        "Offboard a leaving employee",
        ("dc", "m365"),
        ("runbook", "offboarding"),
        "1. Disable the account on `{dc}` and reset its password.\n"
        "2. Convert the mailbox to a shared mailbox; grant the manager access.\n"
        "3. Remove the licence and revoke sessions:\n\n"
        "```powershell\nDisable-ADAccount -Identity flast\n"
        "Revoke-MgUserSignInSession -UserId flast@{mail}\n```\n\n"
        "4. Collect the laptop and phone; wipe them after 30 days.\n",
    ),
    (
        "Monthly patching of the servers",
        ("dc", "fs", "hv", "dc2"),
        ("runbook", "patching"),
        "Second Tuesday of the month, after 18:00.\n\n"
        "1. Check last night's backup of `{fs}` succeeded.\n"
        "2. Patch `{dc}` first, reboot, confirm `dcdiag` is clean.\n"
        "3. Patch the file server, then the hypervisor hosts one by one.\n\n"
        "```powershell\nInstall-WindowsUpdate -AcceptAll -AutoReboot\ndcdiag /q\n```\n",
    ),
    (
        "Reset a user's MFA",
        ("m365",),
        ("runbook", "mfa"),
        "1. Confirm the caller's identity by calling them back on the number in their "
        "contact record.\n"
        "2. In the Entra admin centre open the user, **Authentication methods**, "
        "**Require re-register multifactor authentication**.\n"
        "3. Ask the user to sign in at https://aka.ms/mysecurityinfo within 15 minutes.\n",
    ),
    (
        "Replace a failed disk in the NAS",
        ("nas",),
        ("runbook", "storage"),
        "1. Open DSM on `{nas}`, **Storage Manager**, and note the failed drive's bay.\n"
        "2. Hot-swap the drive with the spare from the server room shelf.\n"
        "3. Start **Repair** on the storage pool and leave it running (about 10 hours).\n"
        "4. Order a new spare.\n",
    ),
    (
        "Renew the firewall's SSL VPN certificate",
        ("fw",),
        ("runbook", "firewall", "certificates"),
        "1. Let's Encrypt renews automatically on `{fw}`; check **System > Certificates**.\n"
        "2. If renewal failed, check that port 80 is forwarded during validation.\n"
        "3. Reconnect FortiClient on one laptop to confirm.\n\n"
        "```\nexecute acme-certificate renew vpn-cert\n```\n",
    ),
    (
        "Rotate the domain admin password",
        ("dc",),
        ("runbook", "credentials"),
        "1. Generate a new 24-character password.\n"
        "2. Change it on `{dc}` and update the credential record in Sitebook.\n"
        "3. Update the break-glass envelope in the office safe.\n\n"
        "```powershell\nSet-ADAccountPassword -Identity administrator -Reset\n```\n",
    ),
    (
        "Check the backup jobs",
        ("nas", "veeam"),
        ("checklist", "backup"),
        "- [ ] All jobs green in the Veeam console\n- [ ] `{nas}` free space above 20 %\n"
        "- [ ] Offsite copy finished within 24 h\n- [ ] Test restore of one file this month\n",
    ),
    (
        "Power down for building maintenance",
        ("hv", "fs", "dc", "nas", "fw"),
        ("runbook", "power"),
        "Shut down in this order and start in reverse:\n\n"
        "1. Application VMs\n2. `{fs}`\n3. `{dc}`\n4. Hypervisor hosts\n5. `{nas}`\n"
        "6. `{fw}` and the switches last\n",
    ),
)

EXCEPTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Legacy SMBv1 on the plotter",
        "plotter",
        "SMBv1 is enabled on the file server share `Scans` for the plotter.",
        "The plotter's firmware cannot scan to folder over SMBv2. Replacement budgeted "
        "for next year. The share is limited to the plotter's IP.",
        "accepted",
    ),
    (
        "Local admin rights for the CAD workstation",
        "ws",
        "One user has local administrator rights on their workstation.",
        "The CAD plug-in vendor's licence tool needs admin rights on every update.",
        "accepted",
    ),
    (
        "RDP allowed from the accountant's office",
        "fw",
        "Firewall rule allows RDP (3389) from one external address to the file server.",
        "Year-end accounting; the accountant refuses VPN. Rule expires with the review.",
        "open",
    ),
    (
        "Windows 10 on the lab PC past end of support",
        "ws",
        "A workstation still runs Windows 10 after October 2025.",
        "The measuring device's driver exists for Windows 10 only. The PC is on its own VLAN.",
        "accepted",
    ),
    (
        "Backup retention reduced to 14 days",
        "nas",
        "Daily backups are kept for 14 days instead of 30.",
        "The NAS is full until the disk upgrade; monthly copies are still kept for a year.",
        "open",
    ),
    (
        "No MFA on the scanner's SMTP account",
        "m365",
        "The scan-to-email account signs in with SMTP AUTH and no MFA.",
        "The copier cannot do OAuth. The account can only send, from the office IP.",
        "resolved",
    ),
)

# (summary, preferred configuration roles, minute choices, tags)
SERVICE: tuple[tuple[str, tuple[str, ...], tuple[int, ...], tuple[str, ...]], ...] = (
    ("Installed monthly updates on {host}", ("dc", "fs", "hv"), (30, 45, 60, 90), ("patching",)),
    ("Replaced a failed disk in {host}", ("nas",), (60, 90, 120), ("hardware",)),
    ("Updated firmware on {host}", ("fw", "sw", "ap"), (30, 45, 60), ("firmware",)),
    ("Set up {host} for a new employee", ("lt",), (90, 120, 150), ("onboarding",)),
    ("Restored a deleted folder on {host}", ("fs",), (15, 30, 45), ("backup", "restore")),
    ("Investigated slow logons via {host}", ("dc",), (45, 60, 120), ("troubleshooting",)),
    ("Cleared a paper jam and updated drivers for {host}", ("prn", "plotter"), (15, 30),
     ("printer",)),
    ("Renewed the VPN certificate on {host}", ("fw",), (30, 45), ("certificates",)),
    ("Reviewed licences for {host}", ("lic", "m365"), (15, 30), ("licensing",)),
)  # fmt: skip
SERVICE_DETAIL: dict[str, str] = {
    SERVICE[0][0]: "Installed the cumulative update on `{host}`, rebooted, checked services "
    "and the event log. No errors.",
    SERVICE[1][0]: "Bay 3 reported SMART errors on `{host}`. Hot-swapped the drive and started "
    "the pool repair; finished overnight.",
    SERVICE[2][0]: "Backed up the configuration of `{host}`, updated the firmware, verified "
    "uplinks and VPN tunnels.",
    SERVICE[3][0]: "Enrolled `{host}` in Intune via Autopilot, installed Office and the line of "
    "business apps, handed over with the user.",
    SERVICE[4][0]: "Restored the folder from last night's restore point on `{host}` to its "
    "original place; the user confirmed the files.",
    SERVICE[5][0]: "Logons took two minutes. A stale DNS entry in `{ad}` pointed to an old "
    "server; removed it and flushed caches on `{host}`.",
    SERVICE[6][0]: "Cleared the jam on `{host}`, installed the current driver package on the "
    "print server.",
    SERVICE[7][0]: "Certificate on `{host}` was due in 7 days; renewed and tested with "
    "FortiClient.",
    SERVICE[8][0]: "Compared assigned and purchased seats for `{host}`; removed two unused "
    "licences.",
}
