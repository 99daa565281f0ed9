/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Registers the UI's GResource (templates, shortcuts window, icons) once. Every type that
 * loads a template calls it from class_init: a static library's resource object would
 * otherwise be dropped by the linker, and nothing would register it.
 */
void _op_ui_ensure_resources (void);

G_END_DECLS
