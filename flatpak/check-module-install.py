#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the manifest's "outpost" module the way flatpak-builder would, and checks what
it installs.

  check-module-install.py MANIFEST SOURCE_ROOT WORK_DIR

The GNOME runtime can't be downloaded here, so the module is built on the host with the
manifest's own buildsystem and config-opts plus the arguments flatpak-builder passes to
Meson (--prefix=/app --libdir=lib --buildtype=release), installed into WORK_DIR/destdir,
and the manifest's cleanup patterns are applied as flatpak-builder does after
installing. The tree under /app must then hold exactly the files the manifest implies:

  bin/COMMAND                                  the manifest's "command"
  lib/outpost/liboutpost-mail-html.so          HTML mail (WebKitGTK from the runtime),
                                               loaded by the app on first use
  share/applications/ID.desktop                Exec=COMMAND, Icon=ID
  share/metainfo/ID.metainfo.xml               <id>ID</id>, launchable ID.desktop
  share/icons/hicolor/scalable/apps/ID.svg
  share/icons/hicolor/symbolic/apps/ID-symbolic.svg
  share/glib-2.0/schemas/ID.gschema.xml        schema id ID
  share/dbus-1/services/ID.service             Exec=/app/bin/COMMAND (DBusActivatable)
  share/locale/LANG/LC_MESSAGES/outpost.mo     for every language of po/LINGUAS

Nothing missing, nothing else (a header, a static library or a stray file would end up in
the app). The caches GLib and GTK build at install time (gschemas.compiled,
icon-theme.cache) are not written with DESTDIR and are made by flatpak build-finish.
"""

import configparser
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

PREFIX = '/app'
FLATPAK_BUILDER_MESON_ARGS = [f'--prefix={PREFIX}', '--libdir=lib', '--buildtype=release']


def run(argv, **kwargs):
    print('+ ' + ' '.join(argv), flush=True)
    subprocess.run(argv, check=True, **kwargs)


def expected_files(app_id, command, source_root):
    files = {
        f'bin/{command}',
        'lib/outpost/liboutpost-mail-html.so',
        f'share/applications/{app_id}.desktop',
        f'share/metainfo/{app_id}.metainfo.xml',
        f'share/icons/hicolor/scalable/apps/{app_id}.svg',
        f'share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg',
        f'share/glib-2.0/schemas/{app_id}.gschema.xml',
        f'share/dbus-1/services/{app_id}.service',
    }
    with open(os.path.join(source_root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            lang = line.split('#', 1)[0].strip()
            if lang:
                files.add(f'share/locale/{lang}/LC_MESSAGES/outpost.mo')
    return files


def cleanup(root, patterns):
    """flatpak-builder's cleanup: a pattern starting with / is a path under the prefix
    (and everything below it), any other pattern matches file names anywhere."""
    for pattern in patterns:
        if pattern.startswith('/'):
            target = os.path.join(root, pattern.lstrip('/'))
            if os.path.isdir(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
        else:
            for dirpath, _, filenames in os.walk(root):
                for name in filenames:
                    if fnmatch.fnmatch(name, pattern):
                        os.remove(os.path.join(dirpath, name))


def installed_files(root):
    found = set()
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def key_file(path):
    parser = configparser.RawConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    return parser


def check_contents(root, app_id, command, problems):
    desktop = key_file(os.path.join(root, f'share/applications/{app_id}.desktop'))
    entry = desktop['Desktop Entry'] if desktop.has_section('Desktop Entry') else {}
    if entry.get('Exec', '').split(' ')[0] != command:
        problems.append(f'desktop file: Exec={entry.get("Exec")!r} does not run {command!r}')
    if entry.get('Icon') != app_id:
        problems.append(f'desktop file: Icon={entry.get("Icon")!r}, expected {app_id!r}')

    service = key_file(os.path.join(root, f'share/dbus-1/services/{app_id}.service'))
    section = service['D-BUS Service'] if service.has_section('D-BUS Service') else {}
    if section.get('Name') != app_id:
        problems.append(f'D-Bus service: Name={section.get("Name")!r}, expected {app_id!r}')
    if section.get('Exec', '').split(' ')[0] != f'{PREFIX}/bin/{command}':
        problems.append(f'D-Bus service: Exec={section.get("Exec")!r} does not start '
                        f'{PREFIX}/bin/{command}')

    metainfo = ET.parse(os.path.join(root, f'share/metainfo/{app_id}.metainfo.xml')).getroot()
    if metainfo.findtext('id') != app_id:
        problems.append(f'metainfo: <id> is {metainfo.findtext("id")!r}, expected {app_id!r}')
    if metainfo.findtext('launchable') != f'{app_id}.desktop':
        problems.append('metainfo: <launchable> does not name the desktop file')

    schema = ET.parse(os.path.join(root, f'share/glib-2.0/schemas/{app_id}.gschema.xml'))
    ids = [s.get('id') for s in schema.getroot().iter('schema')]
    if app_id not in ids:
        problems.append(f'schema: no schema with id {app_id} (found {ids})')

    binary = os.path.join(root, 'bin', command)
    if not os.access(binary, os.X_OK):
        problems.append(f'bin/{command} is not executable')


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    manifest_path, source_root, work = sys.argv[1:]
    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
    app_id = manifest.get('app-id', manifest.get('id'))
    command = manifest['command']
    module = manifest['modules'][-1]
    if module.get('name') != 'outpost' or module.get('buildsystem') != 'meson':
        print(f'{manifest_path}: the last module is not "outpost" built with meson')
        return 1

    build_dir = os.path.join(work, 'build')
    dest_dir = os.path.join(work, 'destdir')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(['meson', 'setup', build_dir, source_root]
        + FLATPAK_BUILDER_MESON_ARGS + module.get('config-opts', []))
    run(['ninja', '-C', build_dir])
    run(['meson', 'install', '-C', build_dir, '--no-rebuild', '--quiet',
         '--destdir', dest_dir])

    root = os.path.join(dest_dir, PREFIX.lstrip('/'))
    cleanup(root, manifest.get('cleanup', []) + module.get('cleanup', []))

    want = expected_files(app_id, command, source_root)
    have = installed_files(root)
    problems = []
    for path in sorted(want - have):
        problems.append(f'missing from {PREFIX}: {path}')
    for path in sorted(have - want):
        problems.append(f'not expected in {PREFIX}: {path}')
    if not problems:
        check_contents(root, app_id, command, problems)

    for problem in problems:
        print(f'{manifest_path}: {problem}')
    if problems:
        return 1
    print(f'{manifest_path}: module outpost installs the {len(want)} expected files:')
    for path in sorted(want):
        print(f'  {PREFIX}/{path}')
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
