#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that the Flatpak manifest is one flatpak-builder would accept.

The manifest can't be built in the test environment (no network, no runtime), so this
checks what flatpak-builder needs before it downloads anything: valid JSON, the app id,
runtime, SDK and command, modules that each have a name and sources, archive sources
pinned by sha256, the permissions DESIGN.md asks for, and secrets through the portal
(no direct access to the Secret Service). When flatpak-builder is installed, it also has
to parse the manifest (`--show-manifest`, which stays offline).

Usage: check-manifest.py MANIFEST APP_ID
"""

import json
import re
import shutil
import subprocess
import sys

REQUIRED_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
}
# libsecret talks to the secret portal inside the sandbox; a talk-name would bypass it.
FORBIDDEN_FINISH_ARGS = {
    '--talk-name=org.freedesktop.secrets',
    '--socket=x11',
    '--filesystem=host',
    '--filesystem=home',
}
HASH_RE = re.compile(r'^[0-9a-f]{64}$')


def check_sources(module, problems):
    name = module.get('name', '?')
    sources = module.get('sources')
    if not isinstance(sources, list) or not sources:
        problems.append(f'module {name}: "sources" must be a non-empty list')
        return
    for source in sources:
        if isinstance(source, str):
            continue  # a path to a JSON file of sources
        kind = source.get('type')
        if kind in ('archive', 'file'):
            url = source.get('url', '')
            if not url.startswith('https://'):
                problems.append(f'module {name}: {kind} source needs an https url, got {url!r}')
            if not HASH_RE.match(source.get('sha256', '')):
                problems.append(f'module {name}: {kind} source {url} needs a sha256 '
                                '(64 lower-case hex digits)')
        elif kind == 'git':
            if not source.get('url') or not (source.get('commit') or source.get('tag')):
                problems.append(f'module {name}: git source needs url and commit or tag')
        elif kind == 'dir':
            if not source.get('path'):
                problems.append(f'module {name}: dir source needs a path')
        elif kind is None:
            problems.append(f'module {name}: a source without a type')


def check_modules(modules, problems):
    if not isinstance(modules, list) or not modules:
        problems.append('"modules" must be a non-empty list')
        return
    for module in modules:
        if isinstance(module, str):
            continue  # a path to a module file
        if not module.get('name'):
            problems.append('a module without a name')
        check_sources(module, problems)
        if 'modules' in module:
            check_modules(module['modules'], problems)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, app_id = sys.argv[1], sys.argv[2]

    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{path}: not valid JSON: {e}')
        return 1

    problems = []
    manifest_id = manifest.get('app-id', manifest.get('id'))
    if manifest_id != app_id:
        problems.append(f'app-id is {manifest_id!r}, expected {app_id!r}')
    for key in ('runtime', 'runtime-version', 'sdk', 'command'):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            problems.append(f'"{key}" is missing')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        problems.append('the runtime must be org.gnome.Platform with org.gnome.Sdk')
    if manifest.get('command') != 'outpost':
        problems.append(f'command is {manifest.get("command")!r}, expected "outpost"')

    finish_args = set(manifest.get('finish-args', []))
    for arg in sorted(REQUIRED_FINISH_ARGS - finish_args):
        problems.append(f'finish-args lacks {arg}')
    for arg in sorted(FORBIDDEN_FINISH_ARGS & finish_args):
        problems.append(f'finish-args must not have {arg}')

    modules = manifest.get('modules')
    check_modules(modules, problems)
    if isinstance(modules, list) and modules:
        names = [m.get('name') for m in modules if isinstance(m, dict)]
        if 'gmime' not in names:
            problems.append('GMime must be built as a module (it is not in the GNOME runtime)')
        last = modules[-1]
        if not isinstance(last, dict) or last.get('name') != 'outpost' \
                or last.get('buildsystem') != 'meson':
            problems.append('the last module must be "outpost", built with meson')

    flatpak_builder = shutil.which('flatpak-builder')
    if flatpak_builder and not problems:
        result = subprocess.run([flatpak_builder, '--show-manifest', path],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problems.append('flatpak-builder --show-manifest failed: '
                            + (result.stderr.strip() or result.stdout.strip()))

    for problem in problems:
        print(f'{path}: {problem}')
    if problems:
        return 1
    print(f'{path}: valid ({len(modules)} modules'
          + (', parsed by flatpak-builder' if flatpak_builder else '') + ')')
    return 0


if __name__ == '__main__':
    sys.exit(main())
