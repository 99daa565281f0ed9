#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest as far as a machine without the GNOME runtime can.

  check-manifest.py parse MANIFEST
      flatpak-builder --show-manifest must accept it: exit status 0, no warning (it only
      warns about an unknown property or source type, and drops it), and the manifest it
      prints back must be the one we wrote (nothing dropped or changed on the way).

  check-manifest.py policy MANIFEST APP_ID
      The manifest says what the project promises: the app id, command and GNOME runtime
      (branch 50 or later: older ones are past their end of life), GMime built as a module,
      Outpost last and built with Meson; every source pinned (archives and files by sha256
      over https, git by commit; the only unpinned source is Outpost's own tree); and
      finish-args for the network and the display only, so secrets, notifications, file
      choosers and opening files go through portals.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MIN_RUNTIME = 50

# The network and the display, nothing else (issue 18): --device=dri is the display's GPU
# (GTK 4's GL renderer and WebKitGTK's compositing). No --filesystem, no --talk-name:
# libsecret (>= 0.20 in the runtime) reaches the Secret portal by itself, GNotification,
# GtkFileChooserNative and g_app_info_launch_default_for_uri() their portals.
FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
}
SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
COMMIT_RE = re.compile(r'^[0-9a-f]{40}$')
OWN_TREE = '..'   # the dir source of the last module: the checkout the manifest sits in


def check_source(module_name, source, is_outpost, problems):
    if isinstance(source, str):
        problems.append(f'module {module_name}: source file {source!r} cannot be checked; '
                        'write the source into the manifest')
        return
    kind = source.get('type')
    where = f'module {module_name}: {kind} source'
    if kind in ('archive', 'file'):
        url = source.get('url', '')
        if not url.startswith('https://'):
            problems.append(f'{where} needs an https url, got {url!r}')
        if not SHA256_RE.match(source.get('sha256', '')):
            problems.append(f'{where} {url} is not pinned: it needs a sha256 '
                            '(64 lower-case hex digits)')
    elif kind == 'git':
        if not source.get('url', '').startswith('https://'):
            problems.append(f'{where} needs an https url')
        if not COMMIT_RE.match(source.get('commit', '')):
            problems.append(f'{where} {source.get("url")} is not pinned: it needs a commit '
                            '(40 hex digits; a tag or branch can move)')
    elif kind == 'dir':
        if not (is_outpost and source.get('path') == OWN_TREE):
            problems.append(f'{where} {source.get("path")!r}: only Outpost\'s own tree may '
                            'come from a folder; anything else is an archive or git source '
                            'with a checksum or commit')
    elif kind in ('patch', 'shell', 'script', 'inline'):
        pass   # in the repository or in the manifest itself
    else:
        problems.append(f'{where}: not a source type this check knows to be pinned')


def check_modules(modules, problems, last_name):
    for module in modules:
        if not isinstance(module, dict):
            problems.append(f'module file {module!r} cannot be checked; write the module '
                            'into the manifest')
            continue
        name = module.get('name')
        if not name:
            problems.append('a module without a name')
        sources = module.get('sources')
        if not isinstance(sources, list) or not sources:
            problems.append(f'module {name}: "sources" must be a non-empty list')
        else:
            for source in sources:
                check_source(name, source, name == last_name, problems)
        check_modules(module.get('modules', []), problems, None)


def policy(path, app_id):
    manifest = load(path)
    problems = []

    manifest_id = manifest.get('app-id', manifest.get('id'))
    if manifest_id != app_id:
        problems.append(f'app-id is {manifest_id!r}, expected {app_id!r}')
    if manifest.get('command') != 'outpost':
        problems.append(f'command is {manifest.get("command")!r}, expected "outpost"')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        problems.append('the runtime must be org.gnome.Platform with org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    if not version.isdigit() or int(version) < MIN_RUNTIME:
        problems.append(f'runtime-version is {version!r}: use a supported GNOME branch '
                        f'({MIN_RUNTIME} or later)')

    finish_args = manifest.get('finish-args', [])
    for arg in sorted(FINISH_ARGS - set(finish_args)):
        problems.append(f'finish-args lacks {arg}')
    for arg in finish_args:
        if arg not in FINISH_ARGS:
            problems.append(f'finish-args has {arg}: only the network and the display are '
                            'allowed; the rest goes through portals')

    modules = manifest.get('modules')
    if not isinstance(modules, list) or not modules:
        problems.append('"modules" must be a non-empty list')
        modules = []
    names = [m.get('name') for m in modules if isinstance(m, dict)]
    if 'gmime' not in names:
        problems.append('GMime must be built as a module (it is not in the GNOME runtime)')
    for runtime_lib in ('webkitgtk', 'sqlite'):
        for name in names:
            if name and runtime_lib in name.lower():
                problems.append(f'module {name}: {runtime_lib} comes from the GNOME runtime')
    last = modules[-1] if modules else {}
    if not isinstance(last, dict) or last.get('name') != 'outpost' \
            or last.get('buildsystem') != 'meson':
        problems.append('the last module must be "outpost", built with meson')
    elif '-Dtests=false' not in last.get('config-opts', []):
        problems.append('module outpost: config-opts must have -Dtests=false')
    check_modules(modules, problems, 'outpost')

    return report(path, problems, f'{len(modules)} modules, every source pinned, '
                  f'finish-args {" ".join(finish_args)}')


def parse(path):
    manifest = load(path)
    flatpak_builder = shutil.which('flatpak-builder')
    if flatpak_builder is None:
        return report(path, ['flatpak-builder is not installed (Debian package '
                             'flatpak-builder; build-aux/dev deps --test installs it)'], '')
    # It leaves a .flatpak-builder state folder in its working folder: a scratch one.
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run([flatpak_builder, '--show-manifest', os.path.abspath(path)],
                                capture_output=True, text=True, check=False, cwd=scratch)
    problems = []
    if result.returncode != 0:
        problems.append(f'flatpak-builder --show-manifest failed ({result.returncode}): '
                        + result.stderr.strip())
    elif result.stderr.strip():
        problems.append('flatpak-builder --show-manifest warned: ' + result.stderr.strip())
    else:
        shown = json.loads(result.stdout)
        # flatpak-builder prints "app-id" under its newer name.
        if 'app-id' in manifest:
            manifest['id'] = manifest.pop('app-id')
        if shown != manifest:
            problems.append('flatpak-builder read the manifest differently from what is '
                            'written:\n' + result.stdout)
    return report(path, problems, 'accepted by flatpak-builder --show-manifest')


def load(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f'{path}: not valid JSON: {e}')
        sys.exit(1)


def report(path, problems, summary):
    for problem in problems:
        print(f'{path}: {problem}')
    if problems:
        return 1
    print(f'{path}: {summary}')
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'parse':
        return parse(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == 'policy':
        return policy(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
