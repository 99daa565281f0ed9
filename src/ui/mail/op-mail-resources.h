/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Registers the Mail view's GResource (templates, stylesheet) once, and adds its
 * stylesheet for the default display. Every Mail type that loads a template calls it
 * from class_init (a static library's resource constructor would be dropped).
 */
void _op_mail_ensure_resources (void);

G_END_DECLS
