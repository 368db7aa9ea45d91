"""Regenerate the import fixtures in tests/importers/data (run by hand; the files are committed).

Each good fixture is a realistic export of its tool: unicode, multi-line
notes, empty fields, nesting, custom fields, TOTP and attachments. Each
``Broken*`` file has one named defect and a test that expects a clear
rejection naming the file. Usage: ``python -m tests.importers.data.make_fixtures``.
"""

# ruff: noqa: E501 - fixture rows stay on one line each, so they read like the files they make

from __future__ import annotations

import base64
import gzip
import io
import json
import struct
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SEED = "JBSWY3DPEHPK3PXP"


def kp_uuid(number: int) -> str:
    """A KeePass UUID (base64 of 16 bytes) for a small number."""
    return base64.b64encode(uuid.UUID(int=number).bytes).decode()


def _times(modified: str = "2024-03-01T09:30:00Z", expires: str | None = None) -> str:
    expiry = expires or "2024-03-01T09:30:00Z"
    flag = "True" if expires else "False"
    return (
        f"<Times><LastModificationTime>{modified}</LastModificationTime>"
        "<CreationTime>2023-01-15T08:00:00Z</CreationTime>"
        "<LastAccessTime>2024-03-02T10:00:00Z</LastAccessTime>"
        f"<ExpiryTime>{expiry}</ExpiryTime><Expires>{flag}</Expires>"
        "<UsageCount>3</UsageCount><LocationChanged>2023-01-15T08:00:00Z</LocationChanged></Times>"
    )


def _s(key: str, value: str, protected: bool = False) -> str:
    attr = ' ProtectInMemory="True"' if protected else ""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<String><Key>{key}</Key><Value{attr}>{value}</Value></String>"


def keepass_xml() -> str:
    """A KeePassXC 2.7 style XML export of a provider's database."""
    plain = base64.b64encode(b"VPN profile\nremote vpn.contoso.example 1194\n").decode()
    packed = base64.b64encode(gzip.compress(PNG, mtime=0)).decode()
    router = (
        f"<Entry><UUID>{kp_uuid(0x101)}</UUID><IconID>0</IconID><ForegroundColor/>"
        "<BackgroundColor/><OverrideURL/><Tags>network;critical</Tags>"
        + _times("2024-03-01T09:30:00Z", "2026-06-30T00:00:00Z")
        + _s("Title", "Core router – Büro Zürich")
        + _s("UserName", "admin")
        + _s("Password", "Tr0ub4dor&3 ", True)
        + _s("URL", "https://10.0.4.1:8443/login")
        + _s(
            "Notes",
            "Cisco ISR 4331.\nConsole cable in the rack drawer.\n\nSupport: +41 44 123 45 67",
        )
        + _s(
            "otp",
            f"otpauth://totp/Contoso:admin?secret={SEED}&period=30&digits=6&issuer=Contoso",
            True,
        )
        + _s("Enable secret", "s3cr3t-enable", True)
        + _s("Serial", "FGL2231A0BC")
        + _s("KP2A_URL", "ssh://10.0.4.1")
        + _s("KP2A_URL_1", "https://backup-router.contoso.example")
        + _s("Empty field", "")
        + '<Binary><Key>vpn-profile.ovpn</Key><Value Ref="0"/></Binary>'
        + '<Binary><Key>rack photo.png</Key><Value Ref="1"/></Binary>'
        + "<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation>"
        "<DefaultSequence/><Association><Window>Cisco AnyConnect*</Window>"
        "<KeystrokeSequence>{USERNAME}{TAB}{PASSWORD}{ENTER}</KeystrokeSequence></Association></AutoType>"
        "<History>"
        f"<Entry><UUID>{kp_uuid(0x101)}</UUID><IconID>0</IconID><Tags/>"
        + _times("2023-06-01T12:00:00Z")
        + _s("Title", "Core router")
        + _s("UserName", "admin")
        + _s("Password", "old-password-1", True)
        + _s("URL", "https://10.0.4.1/")
        + "</Entry>"
        f"<Entry><UUID>{kp_uuid(0x101)}</UUID><IconID>0</IconID><Tags/>"
        + _times("2023-11-20T12:00:00Z")
        + _s("Title", "Core router")
        + _s("UserName", "admin")
        + _s("Password", "old-password-2", True)
        + _s("URL", "https://10.0.4.1:8443/login")
        + "</Entry></History></Entry>"
    )
    legacy = (
        f"<Entry><UUID>{kp_uuid(0x102)}</UUID><IconID>12</IconID><Tags/>"
        + _times()
        + _s("Title", "Microsoft 365 global admin")
        + _s("UserName", "admin@contoso.onmicrosoft.com")
        + _s("Password", "M365-Adm1n!", True)
        + _s("URL", "https://admin.microsoft.com")
        + _s("Notes", "")
        + _s("TOTP Seed", "GEZDGNBVGY3TQOJQ", True)
        + _s("TOTP Settings", "30;8")
        + "</Entry>"
    )
    steam = (
        f"<Entry><UUID>{kp_uuid(0x103)}</UUID><IconID>0</IconID><Tags/>"
        + _times()
        + _s("Title", "Steam (kiosk PC)")
        + _s("UserName", "kiosk-contoso")
        + _s("Password", "k10sk", True)
        + _s("URL", "TBD")
        + _s("TOTP Seed", "GEZDGNBVGY3TQOJQ", True)
        + _s("TOTP Settings", "30;S")
        + "</Entry>"
    )
    printer = (
        f"<Entry><UUID>{kp_uuid(0x104)}</UUID><IconID>0</IconID><Tags>printers</Tags>"
        + _times()
        + _s("Title", "")
        + _s("UserName", "")
        + _s("Password", "", True)
        + _s("URL", "http://printer-2og.contoso.local")
        + _s("Notes", "Web UI only; no password set.")
        + "</Entry>"
    )
    wifi = (
        f"<Entry><UUID>{kp_uuid(0x105)}</UUID><IconID>0</IconID><Tags/>"
        + _times()
        + _s("Title", "WLAN Gäste 📶")
        + _s("Password", "Willkommen-2024", True)
        + _s("SSID", "Contoso-Guest")
        + _s("PSK (old)", "Welcome-2023", True)
        + "</Entry>"
    )
    trashed = (
        f"<Entry><UUID>{kp_uuid(0x1FF)}</UUID><IconID>0</IconID><Tags/>"
        + _times()
        + _s("Title", "Old NAS")
        + _s("UserName", "root")
        + _s("Password", "nas", True)
        + "</Entry>"
    )
    deleted = (
        f"<Entry><UUID>{kp_uuid(0x1FE)}</UUID><IconID>0</IconID><Tags/>"
        + _times()
        + _s("Title", "Deleted but still present")
        + _s("Password", "gone", True)
        + "</Entry>"
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
\t<Meta>
\t\t<Generator>KeePassXC</Generator>
\t\t<DatabaseName>Northwind clients</DatabaseName>
\t\t<DatabaseDescription/>
\t\t<DefaultUserName/>
\t\t<MaintenanceHistoryDays>365</MaintenanceHistoryDays>
\t\t<MemoryProtection><ProtectTitle>False</ProtectTitle><ProtectUserName>False</ProtectUserName><ProtectPassword>True</ProtectPassword><ProtectURL>False</ProtectURL><ProtectNotes>False</ProtectNotes></MemoryProtection>
\t\t<CustomIcons/>
\t\t<RecycleBinEnabled>True</RecycleBinEnabled>
\t\t<RecycleBinUUID>{kp_uuid(0xFFF)}</RecycleBinUUID>
\t\t<HistoryMaxItems>10</HistoryMaxItems>
\t\t<Binaries>
\t\t\t<Binary ID="0" Compressed="False">{plain}</Binary>
\t\t\t<Binary ID="1" Compressed="True">{packed}</Binary>
\t\t</Binaries>
\t</Meta>
\t<Root>
\t\t<Group>
\t\t\t<UUID>{kp_uuid(1)}</UUID>
\t\t\t<Name>Root</Name>
\t\t\t<Notes/>
\t\t\t<IconID>48</IconID>
\t\t\t<IsExpanded>True</IsExpanded>
\t\t\t{printer}
\t\t\t<Group>
\t\t\t\t<UUID>{kp_uuid(2)}</UUID>
\t\t\t\t<Name>Contoso Dental</Name>
\t\t\t\t<Notes>Main site: Bahnhofstrasse 1, Zürich.
Alarm code with the office manager.</Notes>
\t\t\t\t<IconID>48</IconID>
\t\t\t\t{legacy}
\t\t\t\t<Group>
\t\t\t\t\t<UUID>{kp_uuid(3)}</UUID>
\t\t\t\t\t<Name>Network</Name>
\t\t\t\t\t<Notes/>
\t\t\t\t\t<IconID>48</IconID>
\t\t\t\t\t{router}
\t\t\t\t\t{wifi}
\t\t\t\t</Group>
\t\t\t</Group>
\t\t\t<Group>
\t\t\t\t<UUID>{kp_uuid(4)}</UUID>
\t\t\t\t<Name>Fabrikam Legal</Name>
\t\t\t\t<Notes/>
\t\t\t\t<IconID>48</IconID>
\t\t\t\t{steam}
\t\t\t\t{deleted}
\t\t\t</Group>
\t\t\t<Group>
\t\t\t\t<UUID>{kp_uuid(0xFFF)}</UUID>
\t\t\t\t<Name>Recycle Bin</Name>
\t\t\t\t<Notes/>
\t\t\t\t<IconID>43</IconID>
\t\t\t\t{trashed}
\t\t\t</Group>
\t\t</Group>
\t\t<DeletedObjects>
\t\t\t<DeletedObject><UUID>{kp_uuid(0x1FE)}</UUID><DeletionTime>2024-02-01T00:00:00Z</DeletionTime></DeletedObject>
\t\t</DeletedObjects>
\t</Root>
</KeePassFile>
"""


def bitwarden_json() -> dict:
    """A Bitwarden personal vault export (unencrypted JSON) with every item type."""
    return {
        "encrypted": False,
        "folders": [
            {"id": "f1a2b3c4-0000-4000-8000-000000000001", "name": "Contoso Dental"},
            {"id": "f1a2b3c4-0000-4000-8000-000000000002", "name": "Contoso Dental/Servers"},
        ],
        "items": [
            {
                "passwordHistory": [
                    {"lastUsedDate": "2023-05-01T10:00:00.000Z", "password": "Winter2023!"},
                    {"lastUsedDate": "2022-11-01T10:00:00.000Z", "password": "Summer2022!"},
                ],
                "revisionDate": "2024-03-01T09:00:00.000Z",
                "creationDate": "2021-01-01T09:00:00.000Z",
                "deletedDate": None,
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a001",
                "organizationId": None,
                "folderId": "f1a2b3c4-0000-4000-8000-000000000002",
                "type": 1,
                "reprompt": 0,
                "name": "DC01 – Domain Admin",
                "notes": "Break-glass account.\nStored offline too.",
                "favorite": True,
                "fields": [
                    {"name": "Domain", "value": "CONTOSO", "type": 0, "linkedId": None},
                    {"name": "Recovery PIN", "value": "774411", "type": 1, "linkedId": None},
                    {"name": "MFA enforced", "value": "true", "type": 2, "linkedId": None},
                    {"name": "Login name", "value": None, "type": 3, "linkedId": 100},
                    {"name": "", "value": "unnamed value", "type": 0, "linkedId": None},
                ],
                "login": {
                    "fido2Credentials": [],
                    "uris": [
                        {"match": None, "uri": "https://dc01.contoso.local"},
                        {"match": 1, "uri": "rdp://10.0.4.10"},
                        {"match": None, "uri": "https://dc02.contoso.local"},
                    ],
                    "username": "CONTOSO\\admin.jd",
                    "password": "Spr1ng-2024!",
                    "totp": SEED,
                },
                "collectionIds": None,
            },
            {
                "passwordHistory": None,
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a002",
                "organizationId": None,
                "folderId": "f1a2b3c4-0000-4000-8000-000000000001",
                "type": 1,
                "reprompt": 1,
                "name": "GitHub (Contoso org)",
                "notes": None,
                "favorite": False,
                "login": {
                    "fido2Credentials": [{"credentialId": "x", "keyType": "public-key"}],
                    "uris": [{"match": None, "uri": "https://github.com/login"}],
                    "username": "contoso-ops",
                    "password": "gh-p@ss",
                    "totp": f"otpauth://totp/GitHub:contoso-ops?secret={SEED}&issuer=GitHub",
                },
                "collectionIds": None,
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a003",
                "folderId": None,
                "type": 2,
                "name": "Server room – access procedure",
                "notes": "1. Sign the visitor log.\n2. Badge at door B.\n3. Alarm code: ask Anna.",
                "favorite": False,
                "secureNote": {"type": 0},
                "fields": [{"name": "Key box", "value": "Reception, drawer 2", "type": 0}],
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a004",
                "folderId": "f1a2b3c4-0000-4000-8000-000000000001",
                "type": 3,
                "name": "Company Visa",
                "notes": "For domain renewals only.",
                "card": {
                    "cardholderName": "Contoso Dental AG",
                    "brand": "Visa",
                    "number": "4111111111111111",
                    "expMonth": "7",
                    "expYear": "2027",
                    "code": "123",
                },
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a005",
                "type": 4,
                "name": "Anna Müller (office manager)",
                "notes": "Prefers phone calls before 10:00.",
                "identity": {
                    "title": "Ms",
                    "firstName": "Anna",
                    "middleName": None,
                    "lastName": "Müller",
                    "address1": "Bahnhofstrasse 1",
                    "address2": None,
                    "address3": None,
                    "city": "Zürich",
                    "state": None,
                    "postalCode": "8001",
                    "country": "CH",
                    "company": "Contoso Dental AG",
                    "email": "anna.mueller@contoso-dental.example",
                    "phone": "+41 44 123 45 60",
                    "ssn": "756.1234.5678.97",
                    "username": "amueller",
                    "passportNumber": None,
                    "licenseNumber": None,
                },
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a006",
                "type": 5,
                "name": "Backup server SSH key",
                "notes": None,
                "sshKey": {
                    "privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                    "-----END OPENSSH PRIVATE KEY-----\n",
                    "publicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB backup@contoso",
                    "keyFingerprint": "SHA256:3b8a1n0t4r34lf1ng3rpr1nt",
                },
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a007",
                "type": 1,
                "name": "Old webmail",
                "deletedDate": "2024-01-10T10:00:00.000Z",
                "login": {"username": "x", "password": "y", "uris": []},
            },
            {
                "id": "0b1e6a4c-9c2e-4a55-8f7e-b0ad00d1a008",
                "type": 1,
                "name": "",
                "login": {"username": "", "password": "", "uris": [], "totp": None},
                "notes": "",
            },
        ],
    }


def bitwarden_org_json() -> dict:
    """A Bitwarden organisation export: collections per client."""
    return {
        "encrypted": False,
        "collections": [
            {
                "id": "c0000000-0000-4000-8000-000000000001",
                "organizationId": "o1",
                "name": "Contoso Dental",
                "externalId": None,
            },
            {
                "id": "c0000000-0000-4000-8000-000000000002",
                "organizationId": "o1",
                "name": "Fabrikam Legal/Network",
                "externalId": None,
            },
        ],
        "items": [
            {
                "id": "a0000000-0000-4000-8000-000000000001",
                "organizationId": "o1",
                "collectionIds": ["c0000000-0000-4000-8000-000000000001"],
                "type": 1,
                "name": "Firewall admin",
                "login": {
                    "username": "fwadmin",
                    "password": "Fw!2024",
                    "uris": [{"uri": "https://fw.contoso.example"}],
                },
            },
            {
                "id": "a0000000-0000-4000-8000-000000000002",
                "organizationId": "o1",
                "collectionIds": ["c0000000-0000-4000-8000-000000000002"],
                "type": 1,
                "name": "Switch stack",
                "login": {
                    "username": "manager",
                    "password": "Sw1tch!",
                    "uris": [{"uri": "10.20.0.2"}],
                },
            },
        ],
    }


CHROME5 = (
    "name,url,username,password,note\n"
    "portal.contoso.example,https://portal.contoso.example/login,jdoe,P@ssw0rd!,\n"
    'intranet.fabrikam.example,https://intranet.fabrikam.example/,"Doe, John","pa,ss""word","Line one\n'
    'Line two"\n'
    ",https://no-name.example/,anna,secret,\n"
    "München Portal,https://münchen.example/,björn,Grüße!,Ümlaut note\n"
    "portal.contoso.example,https://portal.contoso.example/login,jdoe,Second-Password,duplicate row\n"
)
CHROME4 = (
    "name,url,username,password\n"
    "accounts.google.com,https://accounts.google.com/signin,ops@contoso.example,G00gle!\n"
    "192.168.1.1,http://192.168.1.1/,admin,admin\n"
)
FIREFOX = (
    '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated","timeLastUsed","timePasswordChanged"\n'
    '"https://nas.contoso.local","admin","N4s!2024",,"https://nas.contoso.local","{4b6f1c2e-1111-4c3a-9f00-000000000001}","1672531200000","1709280000000","1704067200000"\n'
    '"https://router.contoso.local","admin","R0uter",'
    + '"Router admin area"'
    + ',,"{4b6f1c2e-1111-4c3a-9f00-000000000002}","1672531200000","1709280000000","1704067200000"\n'
    '"https://mail.example.de","jürgen@example.de","Passwört",,"https://mail.example.de","{4b6f1c2e-1111-4c3a-9f00-000000000003}","1672531200000","1709280000000","1704067200000"\n'
)
GENERIC = (
    "Hostname;IP;Login;Password;Website;Group;Serial #;Warranty;Comment\n"
    "srv-dc01;10.0.4.10;CONTOSO\\admin;Dc01-Pass!;https://srv-dc01.contoso.local;Servers;CZ1234567;2027-01-31;Primary DC\n"
    'srv-file01;10.0.4.11;CONTOSO\\admin;F1le-Pass!;;Servers;CZ7654321;;"File server,\nhas 2 shares"\n'
    "fw-01;10.0.4.1;admin;Fw-Pass!;https://10.0.4.1:8443;Network;FGT60F0000;next year;\n"
)


def _broken() -> dict[str, bytes]:
    """Named broken inputs: each has exactly one defect."""
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        "<KeePassFile><Root><Group><Name>&lol3;</Name></Group></Root></KeePassFile>\n"
    )
    external = (
        '<?xml version="1.0"?>\n<!DOCTYPE KeePassFile [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        "<KeePassFile><Root><Group><Name>&xxe;</Name></Group></Root></KeePassFile>\n"
    )
    no_root = '<?xml version="1.0"?>\n<KeePassFile><Meta><Generator>KeePassXC</Generator></Meta></KeePassFile>\n'
    truncated = keepass_xml()[:2000]
    # A KDBX 4 header asking for a 1 TiB Argon2 key derivation.
    kdf = bytearray(b"\x00\x01")

    def entry(kind: int, key: bytes, value: bytes) -> None:
        kdf.extend(
            bytes([kind])
            + struct.pack("<i", len(key))
            + key
            + struct.pack("<i", len(value))
            + value
        )

    entry(0x42, b"$UUID", bytes.fromhex("ef636ddf8c29444b91f7a9a403e30a0c"))
    entry(0x05, b"M", struct.pack("<Q", 1 << 40))
    entry(0x05, b"I", struct.pack("<Q", 2))
    entry(0x04, b"P", struct.pack("<I", 2))
    entry(0x42, b"S", b"\x00" * 32)
    kdf.append(0)
    header = bytearray(b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5" + struct.pack("<HH", 0, 4))
    header += bytes([2]) + struct.pack("<I", 16) + bytes.fromhex("31c1f2e6bf714350be5805216afc5aff")
    header += bytes([11]) + struct.pack("<I", len(kdf)) + bytes(kdf)
    header += bytes([0]) + struct.pack("<I", 4) + b"\r\n\r\n"
    hostile_kdbx = bytes(header) + b"\x00" * 64
    return {
        "BrokenKeepassEntityBomb.xml": bomb.encode(),
        "BrokenKeepassExternalEntity.xml": external.encode(),
        "BrokenKeepassNoRoot.xml": no_root.encode(),
        "BrokenKeepassTruncated.xml": truncated.encode(),
        "BrokenKdbxHostileKdf.kdbx": hostile_kdbx,
        "BrokenKdbxTruncated.kdbx": b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5\x01\x00\x04\x00\x02\x10",
        "BrokenKdbxKeePass1.kdb": b"\x03\xd9\xa2\x9a\x65\xfb\x4b\xb5" + b"\x00" * 116,
        "BrokenBitwardenEncrypted.json": json.dumps(
            {"encrypted": True, "passwordProtected": True, "salt": "x", "data": "2.abc"}
        ).encode(),
        "BrokenBitwardenNotJson.json": b'{"encrypted": false, "items": [ {"id": "1", "type": 1,,] }',
        "BrokenBitwardenItemsNotList.json": b'{"encrypted": false, "folders": [], "items": {"id": 1}}',
        "BrokenBitwardenDeepNesting.json": b'{"encrypted": false, "items": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}",
        "BrokenCsvUnclosedQuote.csv": b'name,url,username,password\nsite,"https://x.example,user,pass\n',
        "BrokenCsvNotText.csv": b"name,url,username,password\n\x81\x8d\x8f\x90\x9d,x,y,z\n",
        "BrokenCsvEmpty.csv": b"\n\n",
        "BrokenOnePasswordNoData.1pux": zip_of({"export.attributes": b"{}"}),
        "BrokenOnePasswordBadJson.1pux": zip_of(
            {"export.data": b'{"accounts": [', "export.attributes": b"{}"}
        ),
        "BrokenZipTruncated.zip": zip_of({"organizations.csv": b"id,name\n1,x\n"})[:40],
        "BrokenItflowColumnCount.csv": b"Name,Foo,Bar\nx,y,z\n",
        "BrokenPifBadItem.1pif": b'{"uuid": "x", "typeName": "webforms.WebForm"\n***5642bee8-a5ff-11dc-8314-0800200c9a66***\n',
    }


BITWARDEN_CSV = (
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
    'Contoso Dental/Servers,1,login,DC01 – Domain Admin,"Break-glass account.\nStored offline too.",'
    '"Domain: CONTOSO\nRecovery PIN: 774411",0,"https://dc01.contoso.local,rdp://10.0.4.10",'
    "CONTOSO\\admin.jd,Spr1ng-2024!," + SEED + "\n"
    ',,note,Server room – access procedure,"1. Sign the visitor log.\n2. Badge at door B.",,0,,,,\n'
    "Fabrikam Legal,,login,Webmail,,,0,https://mail.fabrikam.example,reception@fabrikam.example,Mail-2024!,\n"
    ",,login,,,,0,,,,\n"
)
BITWARDEN_ORG_CSV = (
    "collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n"
    "Contoso Dental,login,Firewall admin,,,0,https://fw.contoso.example,fwadmin,Fw!2024,\n"
)
ONEPASSWORD_CSV = (
    "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
    "Microsoft 365 admin,https://admin.microsoft.com,admin@contoso.onmicrosoft.com,M365-Adm1n!,"
    f'otpauth://totp/M365:admin?secret={SEED}&issuer=M365,true,false,"contoso,cloud",'
    '"Global admin.\nUse the break-glass account only in emergencies."\n'
    "Old VPN,https://vpn.contoso.example,vpnuser,Vpn-Old,,false,true,,\n"
    "Gäste-WLAN,,,Willkommen-2024,,false,false,wifi,\n"
)
LASTPASS_CSV = (
    "url,username,password,totp,extra,name,grouping,fav\n"
    "https://portal.contoso.example/login,jdoe,P@ssw0rd!,,Shared with the office manager.,Contoso portal,"
    "Clients\\Contoso Dental\\Web,1\n"
    'http://sn,,,,"NoteType:Server\nLanguage:en-US\nHostname:srv-dc01.contoso.local\nUsername:CONTOSO\\admin\n'
    'Password:Dc01-Pass!\nNotes:Primary domain controller.\nReboot on Sundays only.",DC01,Clients\\Contoso Dental,0\n'
    'http://sn,,,,"NoteType:Software License\nLanguage:en-US\nLicense Key:ABCDE-12345-FGHIJ-67890\n'
    'Licensee:Contoso Dental AG\nVersion:2024\nNumber of Licenses:25\nNotes:",Office 2024,Clients\\Contoso Dental,0\n'
    'http://sn,,,,"Plain secure note.\nSecond line.",Alarm codes,Clients\\Fabrikam Legal,0\n'
    "https://ümlaut.example,björn,Grüße!," + SEED + ",,Ümlaut site,,0\n"
)
KEEPASSXC_CSV = (
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n'
    '"Root","Printer","","","http://printer-2og.contoso.local","Web UI only.","","0",'
    '"2024-03-01T09:30:00Z","2023-01-15T08:00:00Z"\n'
    '"Root/Contoso Dental/Network","Core router","admin","Tr0ub4dor&3 ","https://10.0.4.1:8443/login",'
    '"Cisco ISR 4331.\nConsole cable in the rack drawer.","otpauth://totp/Contoso:admin?secret='
    + SEED
    + '&period=30&digits=6&issuer=Contoso","0","2024-03-01T09:30:00Z","2023-01-15T08:00:00Z"\n'
    '"Root/Fabrikam Legal","Steam (kiosk PC)","kiosk","k10sk","TBD","","","0","2024-03-01T09:30:00Z",'
    '"2023-01-15T08:00:00Z"\n'
)
DASHLANE_CREDENTIALS = (
    "username,username2,username3,title,password,note,url,category,otpSecret\n"
    f"ops@contoso.example,,,GitHub,Gh-P4ss!,Org owner account,https://github.com,Development,{SEED}\n"
    'admin,backup-admin,,Synology NAS,N4s!2024,"Second admin: backup-admin",https://nas.contoso.local,,\n'
)
DASHLANE_NOTES = 'title,note\nServer room,"Key in reception drawer 2.\nAlarm: ask Anna."\n'
DASHLANE_PAYMENTS = (
    "type,account_name,account_holder,cc_number,code,expiration_month,expiration_year,"
    "routing_number,account_number,country,issuing_bank\n"
    "payment_card,Company Visa,Contoso Dental AG,4111111111111111,123,07,2027,,,CH,UBS\n"
)
DASHLANE_IDS = (
    "type,number,name,issue_date,expiration_date,place_of_issue,state\n"
    "passport,X1234567,Anna Müller,2020-01-01,2030-01-01,Zürich,\n"
)
DASHLANE_PERSONAL = (
    "type,title,first_name,middle_name,last_name,login,date_of_birth,place_of_birth,email,email_type,"
    "item_name,phone_number,address,country,state,city,zip,address_recipient,address_building,"
    "address_apartment,address_floor,address_door_code,job_title,url\n"
    "name,Ms,Anna,,Müller,amueller,,,anna.mueller@contoso-dental.example,work,Anna Müller,+41 44 123 45 60,"
    "Bahnhofstrasse 1,CH,,Zürich,8001,,,,,,Office manager,\n"
)
ITFLOW = {
    "itflow-clients.csv": (
        "Client Name,Industry,Referral,Website,Primary Location Name,Location Phone,Location Address,City,"
        "State,Postal Code,Country,Primary Contact Name,Title,Contact Phone,Extension,Contact Mobile,"
        "Contact Email,Hourly Rate,Currency,Payment Terms,Tax ID,Abbreviation\n"
        "Contoso Dental,Healthcare,Partner,contoso-dental.example,HQ,+41 44 123 45 67,Bahnhofstrasse 1,"
        "Zürich,ZH,8001,Switzerland,Anna Müller,Office manager,+41 44 123 45 60,12,+41 79 123 45 67,"
        "anna.mueller@contoso-dental.example,150,CHF,30,CHE-123.456.789,CD\n"
        "Fabrikam Legal,Legal,,fabrikam.example,,,,,,,,,,,,,,120,EUR,14,,FL\n"
    ),
    "itflow-contacts.csv": (
        "Name,Title,Department,Email,Phone,Ext,Mobile,Location\n"
        "Anna Müller,Office manager,Administration,anna.mueller@contoso-dental.example,+41 44 123 45 60,12,"
        "+41 79 123 45 67,HQ\n"
        "Dr. Jan Novák,Dentist,,jan.novak@contoso-dental.example,,,,\n"
    ),
    "itflow-locations.csv": (
        "Name,Address,City,State,Postal Code,Phone,Hours\n"
        "HQ,Bahnhofstrasse 1,Zürich,ZH,8001,+41 44 123 45 67,Mo-Fr 08:00-18:00\n"
        "Branch Winterthur,Marktgasse 5,Winterthur,ZH,8400,,\n"
    ),
    "itflow-assets.csv": (
        "Name,Description,Type,Make,Model,Serial Number,Operating System,Purchase Date,Warranty Expire,"
        "Install Date,Assigned To,Location,Notes\n"
        "SRV-DC01,Domain controller,Server,Dell,PowerEdge R350,CZ1234567,Windows Server 2022,2023-01-10,"
        '2028-01-10,2023-02-01,,HQ,"Primary DC.\nBackups nightly."\n'
        "RECEPTION-PC,,Desktop,HP,EliteDesk 800,CZ7654321,Windows 11,,,,Anna Müller,HQ,\n"
        "Door camera,,Camera,Axis,M3106,ACCC8E000000,,,,,,Branch Winterthur,\n"
    ),
    "itflow-assets-template.csv": (
        "Name,Description,Type,Make,Model,Serial,OS,Assigned To,Location\n"
        "LAPTOP-07,Spare laptop,Laptop,Lenovo,T14,PF0ABCDE,Windows 11,,HQ\n"
    ),
    "itflow-credentials.csv": (
        "Name,Description,Username,Password,URL\n"
        "Firewall,Fortigate admin,admin,Fw-Pass!,https://10.0.4.1:8443\n"
        "Wi-Fi,Guest network,,Willkommen-2024,\n"
    ),
    "itflow-credentials-old.csv": "Name,Username,Password,URL\nNAS,admin,N4s!2024,https://nas.contoso.local\n",
}


def onepassword_1pux() -> bytes:
    """A 1Password 8 .1pux export: two vaults, logins, a note, an identity, a licence, a document."""
    data = {
        "accounts": [
            {
                "attrs": {
                    "accountName": "Northwind IT",
                    "name": "Alice Admin",
                    "email": "alice@northwind.example",
                    "uuid": "ACC1",
                    "domain": "https://northwind.1password.com/",
                },
                "vaults": [
                    {
                        "attrs": {
                            "uuid": "v1",
                            "desc": "",
                            "avatar": "",
                            "name": "Contoso Dental",
                            "type": "U",
                        },
                        "items": [
                            {
                                "uuid": "p4j3k2l1m0n9b8v7c6x5z4a3s2",
                                "favIndex": 1,
                                "createdAt": 1672531200,
                                "updatedAt": 1709280000,
                                "state": "active",
                                "categoryUuid": "001",
                                "details": {
                                    "loginFields": [
                                        {
                                            "value": "admin@contoso.onmicrosoft.com",
                                            "id": "",
                                            "name": "username",
                                            "fieldType": "E",
                                            "designation": "username",
                                        },
                                        {
                                            "value": "M365-Adm1n!",
                                            "id": "",
                                            "name": "password",
                                            "fieldType": "P",
                                            "designation": "password",
                                        },
                                        {
                                            "value": "",
                                            "id": "",
                                            "name": "remember",
                                            "fieldType": "C",
                                            "designation": "",
                                        },
                                    ],
                                    "notesPlain": "Global admin.\nBreak-glass only.",
                                    "sections": [
                                        {
                                            "title": "",
                                            "name": "add more",
                                            "fields": [
                                                {
                                                    "title": "one-time password",
                                                    "id": "TOTP_1",
                                                    "value": {
                                                        "totp": f"otpauth://totp/M365:admin?secret={SEED}&issuer=M365"
                                                    },
                                                    "guarded": False,
                                                    "multiline": False,
                                                },
                                            ],
                                        },
                                        {
                                            "title": "Recovery",
                                            "name": "recovery",
                                            "fields": [
                                                {
                                                    "title": "Recovery code",
                                                    "id": "rc",
                                                    "value": {"concealed": "RCVR-1234-5678"},
                                                },
                                                {
                                                    "title": "Tenant ID",
                                                    "id": "tid",
                                                    "value": {
                                                        "string": "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
                                                    },
                                                },
                                                {
                                                    "title": "Renewal",
                                                    "id": "ren",
                                                    "value": {"date": 1735689600},
                                                },
                                                {
                                                    "title": "Runbook",
                                                    "id": "file",
                                                    "value": {
                                                        "file": {
                                                            "fileName": "m365-runbook.txt",
                                                            "documentId": "doc1",
                                                            "decryptedSize": 21,
                                                        }
                                                    },
                                                },
                                            ],
                                        },
                                    ],
                                    "passwordHistory": [
                                        {"value": "M365-Old-2", "time": 1700000000},
                                        {"value": "M365-Old-1", "time": 1690000000},
                                    ],
                                },
                                "overview": {
                                    "subtitle": "admin@contoso.onmicrosoft.com",
                                    "urls": [
                                        {"label": "", "url": "https://admin.microsoft.com"},
                                        {"label": "portal", "url": "https://portal.azure.com"},
                                    ],
                                    "title": "Microsoft 365 admin",
                                    "url": "https://admin.microsoft.com",
                                    "tags": ["cloud", "Contoso/Critical"],
                                },
                            },
                            {
                                "uuid": "n0t3n0t3n0t3n0t3n0t3n0t3n0",
                                "state": "active",
                                "categoryUuid": "003",
                                "details": {
                                    "notesPlain": "1. Sign the visitor log.\n2. Badge at door B.",
                                    "sections": [],
                                },
                                "overview": {"title": "Server room – access", "tags": []},
                            },
                            {
                                "uuid": "l1c3n5el1c3n5el1c3n5el1c3",
                                "state": "archived",
                                "categoryUuid": "100",
                                "details": {
                                    "notesPlain": "",
                                    "sections": [
                                        {
                                            "title": "",
                                            "name": "",
                                            "fields": [
                                                {
                                                    "title": "license key",
                                                    "id": "reg_code",
                                                    "value": {"string": "ABCDE-12345-FGHIJ-67890"},
                                                },
                                                {
                                                    "title": "licensed to",
                                                    "id": "reg_name",
                                                    "value": {"string": "Contoso Dental AG"},
                                                },
                                            ],
                                        }
                                    ],
                                },
                                "overview": {"title": "Office 2024", "tags": []},
                            },
                        ],
                    },
                    {
                        "attrs": {"uuid": "v2", "name": "Private", "type": "P"},
                        "items": [
                            {
                                "uuid": "1d3nt1ty1d3nt1ty1d3nt1ty1d",
                                "state": "active",
                                "categoryUuid": "004",
                                "details": {
                                    "notesPlain": "",
                                    "sections": [
                                        {
                                            "title": "Identification",
                                            "name": "name",
                                            "fields": [
                                                {
                                                    "title": "first name",
                                                    "id": "firstname",
                                                    "value": {"string": "Anna"},
                                                },
                                                {
                                                    "title": "last name",
                                                    "id": "lastname",
                                                    "value": {"string": "Müller"},
                                                },
                                                {
                                                    "title": "address",
                                                    "id": "address",
                                                    "value": {
                                                        "address": {
                                                            "street": "Bahnhofstrasse 1",
                                                            "city": "Zürich",
                                                            "country": "ch",
                                                            "zip": "8001",
                                                            "state": "",
                                                        }
                                                    },
                                                },
                                                {
                                                    "title": "email",
                                                    "id": "email",
                                                    "value": {
                                                        "email": {
                                                            "email_address": "anna.mueller@contoso-dental.example",
                                                            "provider": None,
                                                        }
                                                    },
                                                },
                                                {
                                                    "title": "phone",
                                                    "id": "defphone",
                                                    "value": {"phone": "+41 44 123 45 60"},
                                                },
                                            ],
                                        }
                                    ],
                                },
                                "overview": {"title": "Anna Müller", "tags": []},
                            },
                            {
                                "uuid": "d0cum3ntd0cum3ntd0cum3ntd0",
                                "state": "active",
                                "categoryUuid": "006",
                                "details": {
                                    "notesPlain": "Signed contract.",
                                    "documentAttributes": {
                                        "fileName": "contract.pdf",
                                        "documentId": "doc2",
                                        "decryptedSize": 12,
                                    },
                                },
                                "overview": {"title": "Support contract", "tags": []},
                            },
                        ],
                    },
                ],
            }
        ]
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "export.attributes",
            json.dumps(
                {
                    "version": 3,
                    "description": "1Password Unencrypted Export",
                    "createdAt": 1709280000,
                }
            ),
        )
        archive.writestr("export.data", json.dumps(data, ensure_ascii=False))
        archive.writestr("files/doc1__m365-runbook.txt", "Step 1\nStep 2\nStep 3\n")
        archive.writestr("files/doc2__contract.pdf", b"%PDF-1.4 fixture")
    return buffer.getvalue()


def onepassword_1pif() -> str:
    """A 1Password 7 data.1pif: a folder, a login with sections, a note, a tombstone."""
    sep = "\n***5642bee8-a5ff-11dc-8314-0800200c9a66***\n"
    items = [
        {
            "uuid": "F0LDER00000000000000000000000001",
            "typeName": "system.folder.Regular",
            "title": "Contoso Dental",
            "updatedAt": 1700000000,
        },
        {
            "uuid": "L0GIN000000000000000000000000001",
            "typeName": "webforms.WebForm",
            "title": "Synology NAS",
            "location": "https://nas.contoso.local",
            "folderUuid": "F0LDER00000000000000000000000001",
            "openContents": {"tags": ["storage"]},
            "secureContents": {
                "fields": [
                    {"value": "admin", "name": "username", "type": "T", "designation": "username"},
                    {
                        "value": "N4s!2024",
                        "name": "password",
                        "type": "P",
                        "designation": "password",
                    },
                    {"value": "Sign in", "name": "submit", "type": "B"},
                ],
                "URLs": [
                    {"label": "", "url": "https://nas.contoso.local"},
                    {"label": "quickconnect", "url": "https://qc.example"},
                ],
                "notesPlain": "DSM 7.2\nRAID 6",
                "sections": [
                    {
                        "name": "details",
                        "title": "Details",
                        "fields": [
                            {
                                "k": "concealed",
                                "n": "TOTP_x",
                                "t": "otp",
                                "v": f"otpauth://totp/NAS:admin?secret={SEED}",
                            },
                            {"k": "string", "n": "sn", "t": "Serial", "v": "2130ABC"},
                            {"k": "concealed", "n": "pin", "t": "Unlock PIN", "v": "4711"},
                        ],
                    }
                ],
                "passwordHistory": [{"value": "N4s-Old", "time": 1600000000}],
            },
        },
        {
            "uuid": "N0TE0000000000000000000000000001",
            "typeName": "securenotes.SecureNote",
            "title": "Alarm codes",
            "secureContents": {"notesPlain": "Front door: ask Anna.\nBack door: 1234#"},
        },
        {
            "uuid": "T0MB000000000000000000000000001",
            "typeName": "system.Tombstone",
            "title": "Deleted",
        },
        {
            "uuid": "TRASH00000000000000000000000001",
            "typeName": "webforms.WebForm",
            "title": "Trashed",
            "trashed": True,
            "secureContents": {"fields": []},
        },
    ]
    return sep.join(json.dumps(i, ensure_ascii=False) for i in items) + sep


def dashlane_zip() -> bytes:
    """A Dashlane CSV export zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("credentials.csv", DASHLANE_CREDENTIALS)
        archive.writestr("securenotes.csv", DASHLANE_NOTES)
        archive.writestr("payments.csv", DASHLANE_PAYMENTS)
        archive.writestr("ids.csv", DASHLANE_IDS)
        archive.writestr("personalInfo.csv", DASHLANE_PERSONAL)
    return buffer.getvalue()


def itglue_files() -> dict[str, bytes]:
    """An IT Glue export: CSVs (UTF-8 with BOM, plain UTF-8, Windows-1252), documents, attachments."""
    bom = "\ufeff"
    files: dict[str, bytes] = {
        "organizations.csv": (
            bom
            + "id,name,organization_type,organization_status,short_name,description,quick_notes,alert\n"
            '1774924,Contoso Dental,Customer,Active,CD,Dental practice with two sites.,"Key contact: Anna.\nAfter hours: call mobile.",\n'
            "1774925,Fabrikam Legal,Customer,Active,FL,,,\n"
        ).encode("utf-8"),
        "locations.csv": (
            "id,organization,name,primary,address_1,address_2,city,region,country,postal_code,phone,fax,notes\n"
            "501,Contoso Dental,HQ,true,Bahnhofstrasse 1,3. OG,Zürich,ZH,Switzerland,8001,+41 44 123 45 67,,Rack in room 3.14\n"
        ).encode(),
        "configurations.csv": (
            "id,organization,name,configuration_type,configuration_status,hostname,primary_ip,mac_address,"
            "serial_number,asset_tag,manufacturer,model,operating_system,location,warranty_expires_at,notes,archived\n"
            "7505674,Contoso Dental,SRV-DC01,Server,Active,srv-dc01.contoso.local,10.0.4.10,00:11:22:33:44:55,CZ1234567,"
            'A-0001,Dell,PowerEdge R350,Windows Server 2022,HQ,2028-01-10T00:00:00Z,"Primary DC.\nFSMO roles.",false\n'
            "7505675,Contoso Dental,FW-01,Firewall,Active,,10.0.4.1,,FGT60F0000,,Fortinet,FortiGate 60F,FortiOS 7.2,HQ,,,false\n"
            "7505676,Fabrikam Legal,Kaffeemaschine,Coffee Machine,Active,,,,,,,,,,,Smart coffee machine (why),true\n"
        ).encode("cp1252"),
        "passwords.csv": (
            "id,organization,name,password_category,resource_type,resource_id,username,password,otp_secret,url,notes,archived\n"
            f"1548433,Contoso Dental,DC01 local admin,Server,Configuration,7505674,Administrator,Dc01-L0cal!,,,,false\n"
            f'1548434,Contoso Dental,Microsoft 365,Cloud,,,admin@contoso.onmicrosoft.com,M365-Adm1n!,{SEED},https://admin.microsoft.com,"Global admin",false\n'
            "1548435,Contoso Dental,Backup target,,StructuredData::Row,990001,backup,B4ckup!,,,,false\n"
            "1548436,Fabrikam Legal,Orphan,,Configuration,9999999,x,y,,,,false\n"
        ).encode(),
        "contacts.csv": (
            "id,organization,first_name,last_name,title,contact_type,location,important,primary_email,primary_phone,mobile,notes\n"
            "88001,Contoso Dental,Anna,Müller,Office manager,Approver,HQ,true,anna.mueller@contoso-dental.example,+41 44 123 45 60,+41 79 123 45 67,Call before 10:00\n"
        ).encode(),
        "domains.csv": (
            b"id,organization,name,registrar_name,expires_on,notes\n"
            b"4401,Contoso Dental,contoso-dental.example,Gandi,2026-03-31,Auto-renew on\n"
        ),
        "backup-jobs.csv": (
            b"id,organization,name,schedule,target,retention,encryption_password,notes,created_at,updated_at\n"
            b'990001,Contoso Dental,Nightly NAS,22:00 daily,nas.contoso.local,30 days,Enc-Pass!,"Veeam job.\nCheck Mondays.",2023-01-01,2024-01-01\n'
            b"990002,Contoso Dental,Offsite,Sunday 03:00,s3://contoso-backup,1 year,,,2023-01-01,2024-01-01\n"
        ),
        "activity_logs.csv": b"id,user,action\n1,alice,login\n",
        "documents.csv": (
            b"id,organization,name,locator\n"
            b"5881546,Contoso Dental,Restore a file from backup,documents/DOC-1774924-5881546 Restore a file from backup\n"
        ),
    }
    doc = "documents/DOC-1774924-5881546 Restore a file from backup"
    files[f"{doc}/Restore a file from backup.html"] = (
        "<html><head><title>Restore</title></head><body><div class='text-section scrollable'>"
        "<h1>Restore a file from backup</h1><p>Open <b>Veeam</b> on <a href='https://srv-dc01'>SRV-DC01</a>:</p>"
        "<ol><li>Choose the job</li><li>Pick the restore point</li></ol>"
        "<img src='1774924/docs/5881546/images/8808168' alt=''><p>Ümlaut test: Größe</p>"
        "</div></body></html>"
    ).encode()
    files[f"{doc}/1774924/docs/5881546/images/8808168"] = PNG
    files[f"{doc}/checklist.pdf"] = b"%PDF-1.4 checklist"
    files["attachments/configurations/7505674/rack-photo.png"] = PNG
    files["attachments/passwords/1548433/recovery.txt"] = b"Recovery sheet\n"
    files["attachments/configurations/1/orphan.txt"] = b"no such configuration"
    return files


def markdown_files() -> dict[str, bytes]:
    """An Obsidian-style vault with Joplin and BookStack habits mixed in."""
    return {
        "Contoso Dental/Network/Core router.md": (
            b"---\ntitle: Core router\ntype: configuration\nkind: network\nhostname: rtr-01\n"
            b"ip_addresses: 10.0.4.1\ntags: [network, critical]\nvendor: Cisco\ncreated: 2023-01-15\n---\n"
            b"Cisco ISR 4331. See [[Restore procedure]] and [[VPN|the VPN page]].\n\n"
            b"![rack](../attachments/rack photo.png)\n\nManual: [PDF](../attachments/isr4331.pdf)\n"
        ),
        "Contoso Dental/Restore procedure.md": (
            b"# Restore procedure\n\n1. Open Veeam.\n2. Pick the restore point.\n\n![[screenshot.png]]\n\n"
            b"Broken link: [[Does not exist]]\n"
        ),
        "Contoso Dental/VPN.md": (
            b"---\ntags:\n  - vpn\n  - remote\naliases: [Remote access]\ndescription: |\n  Multi-line\n  value\n---\n"
            b"Users connect with AnyConnect. Back to [Core router](Network/Core%20router.md).\n"
        ),
        "Fabrikam Legal/Welcome.md": "Just a note without front matter.\nÜmlaut: Grüße\n".encode(),
        "Contoso Dental/attachments/rack photo.png": PNG,
        "Contoso Dental/attachments/isr4331.pdf": b"%PDF-1.4 manual",
        "Contoso Dental/screenshot.png": PNG,
        "Contoso Dental/unlinked.xlsx": b"PK fake spreadsheet",
        ".obsidian/app.json": b"{}",
        "Joplin/Printer.md": (
            b"---\ntitle: Printer 2. OG\nupdated: 2024-01-01 10:00:00Z\nauthor: Alice\n---\n\n"
            b"# Printer 2. OG\n\n![](../_resources/0123456789abcdef0123456789abcdef.png)\n"
        ),
        "_resources/0123456789abcdef0123456789abcdef.png": PNG,
    }


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    """Write a folder of files (replacing what was there)."""
    import shutil

    if folder.exists():
        shutil.rmtree(folder)
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def zip_of(files: dict[str, bytes], prefix: str = "") -> bytes:
    """A zip of files (deterministic timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(prefix + name, date_time=(2024, 3, 1, 9, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


KDBX_PASSWORD = "kdbx fixture password"


def empty_kdbx4(path: Path) -> None:
    """An empty KDBX 4 database with a deliberately cheap Argon2 (1 MiB, 2 passes)."""
    from pykeepass import create_database

    database = create_database(str(path), password=KDBX_PASSWORD)
    params = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    params["M"].value, params["I"].value, params["P"].value = 1024 * 1024, 2, 1
    database.save()


def main() -> None:
    """Write every fixture."""
    files: dict[str, bytes] = {
        "keepass.xml": keepass_xml().encode("utf-8"),
        "bitwarden.json": json.dumps(bitwarden_json(), indent=2, ensure_ascii=False).encode(),
        "bitwarden-org.json": json.dumps(
            bitwarden_org_json(), indent=2, ensure_ascii=False
        ).encode(),
        "chrome.csv": CHROME5.encode("utf-8"),
        "chrome4.csv": CHROME4.encode("utf-8"),
        "firefox.csv": FIREFOX.encode("utf-8"),
        "generic.csv": GENERIC.encode("cp1252"),
        "bitwarden.csv": BITWARDEN_CSV.encode("utf-8"),
        "bitwarden-org.csv": BITWARDEN_ORG_CSV.encode("utf-8"),
        "1password.csv": ONEPASSWORD_CSV.encode("utf-8"),
        "1password.1pux": onepassword_1pux(),
        "data.1pif": onepassword_1pif().encode("utf-8"),
        "lastpass.csv": LASTPASS_CSV.encode("utf-8"),
        "keepassxc.csv": KEEPASSXC_CSV.encode("utf-8"),
        "dashlane-credentials.csv": DASHLANE_CREDENTIALS.encode("utf-8"),
        "dashlane.zip": dashlane_zip(),
        "itglue.zip": zip_of(itglue_files(), "export-2024-03-01/"),
        "markdown.zip": zip_of(markdown_files()),
        **{name: text.encode("utf-8") for name, text in ITFLOW.items()},
        **_broken(),
    }
    write_tree(HERE / "itglue", itglue_files())
    write_tree(HERE / "markdown", markdown_files())
    for name, data in sorted(files.items()):
        (HERE / name).write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")
    empty_kdbx4(HERE / "empty-kdbx4.kdbx")
    print("wrote empty-kdbx4.kdbx")


if __name__ == "__main__":
    main()
