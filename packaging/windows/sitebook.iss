; Inno Setup script: the Windows installer for the PyInstaller bundle.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\sitebook.iss
;
; Build dist\sitebook\ first (pyinstaller packaging\sitebook.spec). AppVersion
; comes from pyproject.toml on the command line; the default below must match
; it (tests/packaging/test_spec.py checks). Output: dist\sitebook-<version>-setup.exe.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Sitebook"
#define AppExe "sitebook-desktop.exe"
#define Root "..\.."

[Setup]
AppId={{6F1C9E1A-5B7D-4C55-9A59-2E0B4C7D8A10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Sitebook
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir={#Root}\dist
OutputBaseFilename=sitebook-{#AppVersion}-setup
SetupIconFile={#Root}\ui\desktop\icons\sitebook.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
ChangesEnvironment=yes
PrivilegesRequiredOverridesAllowed=dialog

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the sitebook command to PATH"; Flags: unchecked

[Files]
Source: "{#Root}\dist\sitebook\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .sitebook -> Sitebook.Vault -> sitebook-desktop.exe "%1"; removed on uninstall.
Root: HKA; Subkey: "Software\Classes\.sitebook"; ValueType: string; ValueName: ""; ValueData: "Sitebook.Vault"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.sitebook"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-sitebook-vault"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Sitebook.Vault"; ValueType: string; ValueName: ""; ValueData: "Sitebook vault"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Sitebook.Vault\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\Sitebook.Vault\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".sitebook"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
{ Add or remove {app} in the PATH (per user or machine, as installed). }
const
  UserEnv = 'Environment';
  MachineEnv = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

function EnvRoot: Integer;
begin
  if IsAdminInstallMode then Result := HKEY_LOCAL_MACHINE else Result := HKEY_CURRENT_USER;
end;

function EnvKey: String;
begin
  if IsAdminInstallMode then Result := MachineEnv else Result := UserEnv;
end;

procedure SetPath(Add: Boolean);
var
  Path, Dir: String;
  Index: Integer;
begin
  Dir := ExpandConstant('{app}');
  if not RegQueryStringValue(EnvRoot, EnvKey, 'Path', Path) then Path := '';
  Index := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';');
  if Add and (Index = 0) then
    RegWriteExpandStringValue(EnvRoot, EnvKey, 'Path', Path + ';' + Dir)
  else if (not Add) and (Index > 0) then
  begin
    { Index counts the ';' put in front: remove Dir and the separator before it. }
    if Index = 1 then Delete(Path, 1, Length(Dir) + 1)
    else Delete(Path, Index - 1, Length(Dir) + 1);
    RegWriteExpandStringValue(EnvRoot, EnvKey, 'Path', Path);
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then SetPath(True);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then SetPath(False);
end;
