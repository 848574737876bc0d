/*
 * vbox_parse.h: readers for what VBoxManage prints, kept apart from the
 * driver so they can be tested against recorded outputs (LF and CRLF).
 *
 * Covered: `showvminfo --machinereadable` (and `snapshot list
 * --machinereadable`, which uses the same key="value" form), `list vms`,
 * `list bridgedifs`, the stderr error block, `--version`, and the VMState
 * names. Sources: VBoxManageInfo.cpp, VBoxManageList.cpp,
 * VBoxManageSnapshot.cpp and glue/errorprint.cpp, as summarised in
 * /work/shared/research/cli-formats-and-windows-build.md.
 *
 * None of these functions touches a context: they return 0 / -1 (or a
 * count) and the driver turns failures into vmdrv errors.
 */
#ifndef VBOX_PARSE_H
#define VBOX_PARSE_H

#include <stddef.h>

#include "vmdrv/caps.h"
#include "vmdrv/status.h"

/* ---- text ------------------------------------------------------------ */

/* Turn every "\r\n" into "\n" in place (Windows output); returns s. */
char *vbox_crlf_to_lf(char *s);

/* ---- key="value" (showvminfo / snapshot list --machinereadable) ------ */

typedef struct vbox_kv {
    char *key;   /* unquoted and unescaped */
    char *value; /* unquoted and unescaped; "<not set>" stays as printed */
    int quoted;  /* 1 when the value was in double quotes */
} vbox_kv;

typedef struct vbox_mr {
    vbox_kv *items;
    size_t n;
    size_t cap;
} vbox_mr;

/*
 * Parse machine-readable output. Quoted keys and values unescape \" and
 * \\; a quoted value may span lines (descriptions keep their newlines);
 * an unquoted value runs to the end of the line. CRLF is accepted. The
 * quirks of real output are tolerated: lines without '=' (" rec_screen0")
 * are skipped, text after a one-line quoted value is dropped
 * (VideoMode="1024,768,32"@0,0 1), "VRDEClients==0" has the value "=0".
 * Returns 0, or -1 with err holding "line N: why".
 */
int vbox_mr_parse(const char *text, vbox_mr *out, char *err, size_t size);
/* The value of key (the first occurrence), or NULL. */
const char *vbox_mr_get(const vbox_mr *mr, const char *key);
void vbox_mr_clear(vbox_mr *mr);

/* ---- VMState --------------------------------------------------------- */

/*
 * Map a VMState short name (machineStateToName(..., fShort=true)) to an
 * instance state. *transient is set to 1 for states VirtualBox leaves by
 * itself (starting, saving, ...), during which the driver refuses to act.
 * Returns 0, or -1 for a name VirtualBox does not define (state is then
 * VMDRV_STATE_UNKNOWN). The name must match [a-z-]+ ("aborted-saved").
 */
int vbox_state_from_name(const char *vmstate, vmdrv_state *state,
                         int *transient);
/* The i-th VMState name VirtualBox defines, or NULL past the end. */
const char *vbox_state_name_at(size_t i);

/* ---- list vms / list runningvms -------------------------------------- */

typedef struct vbox_vm {
    char *name; /* may contain spaces and quotes */
    char uuid[40];
} vbox_vm;

typedef struct vbox_vms {
    vbox_vm *items;
    size_t n;
    size_t cap;
} vbox_vms;

/*
 * One line per VM: "NAME" {UUID}; the name is everything between the
 * first quote and the last `" {`. Empty output is an empty list.
 * Returns 0, or -1 with err for a line of another form.
 */
int vbox_parse_list_vms(const char *text, vbox_vms *out, char *err,
                        size_t size);
void vbox_vms_clear(vbox_vms *vms);

/* ---- list bridgedifs ------------------------------------------------- */

typedef struct vbox_bridgedif {
    char name[256];        /* the Name: line, the id modifyvm takes */
    char ifname[64];       /* "en0" of "en0: Wi-Fi (AirPort)", else = name */
    char description[256]; /* "Wi-Fi (AirPort)", else = name */
    char medium[32];       /* MediumType: Ethernet, PPP, SLIP, Unknown */
    int wireless;          /* Wireless: Yes */
    char status[16];       /* Status: Up, Down, Unknown */
    char hwaddr[32];
    char ipaddr[64];
} vbox_bridgedif;

typedef struct vbox_bridgedifs {
    vbox_bridgedif *items;
    size_t n;
    size_t cap;
} vbox_bridgedifs;

/*
 * Blocks separated by blank lines, each of "Label:  value" lines with the
 * label padded. A block without a Name: line is an error. As Multipass
 * does, a Name of the form "<ifname>: <description>" (macOS) is split at
 * its first ": "; other names (Linux ifnames, Windows adapter
 * descriptions) are used whole. Returns 0, or -1 with err.
 */
int vbox_parse_bridgedifs(const char *text, vbox_bridgedifs *out, char *err,
                          size_t size);
void vbox_bridgedifs_clear(vbox_bridgedifs *list);

/* ---- snapshot list --machinereadable --------------------------------- */

typedef struct vbox_snap {
    char *name;
    char *uuid;
    char *parent;      /* "" for the root */
    char *description; /* "" when none */
    int current;
} vbox_snap;

typedef struct vbox_snaps {
    vbox_snap *items;
    size_t n;
    size_t cap;
} vbox_snaps;

/*
 * Read the SnapshotName[-i[-j...]] tree out of parsed machine-readable
 * output (snapshot list, or the tail of showvminfo). A node's parent is
 * the key with its last "-N" removed. Returns 0, or -1 with err when a
 * node's parent is missing.
 */
int vbox_snapshots_from_mr(const vbox_mr *mr, vbox_snaps *out, char *err,
                           size_t size);
void vbox_snaps_clear(vbox_snaps *list);

/*
 * `snapshot VM list` on a machine without snapshots prints this sentence
 * and exits 1: 1 when out (stdout) is that answer.
 */
int vbox_is_no_snapshots(const char *out);

/* ---- errors ---------------------------------------------------------- */

typedef struct vbox_error {
    char message[512];  /* the first "VBoxManage: error: " line, prefix cut */
    char code_name[64]; /* "VBOX_E_OBJECT_NOT_FOUND", "" when absent */
    unsigned long code; /* 0x80bb0001, 0 when absent */
    int found;          /* 1 when an error line was seen */
} vbox_error;

/*
 * Read VBoxManage's stderr: the first line that starts with
 * "VBoxManage: error: " (or "VBoxManage.exe: error: " on Windows) gives
 * the message, a "Details: code NAME (0x...)" line the code. Progress
 * lines (0%...100%) are not errors. Line numbers in the Context: line are
 * never looked at. When no error line is there, message holds the first
 * other non-empty line, if any.
 */
void vbox_parse_error(const char *err_text, vbox_error *out);

/*
 * The vmdrv status for a failed VBoxManage call: exit 2 (usage) is a
 * tool failure; VBOX_E_OBJECT_NOT_FOUND is E_NOTFOUND;
 * VBOX_E_INVALID_OBJECT_STATE / VBOX_E_INVALID_VM_STATE and "is not
 * currently running" are E_STATE; anything else E_TOOL.
 */
int vbox_error_status(const vbox_error *e, int exit_status);

/* 1 when a line is VBoxManage's progress meter ("0%...10%...100%"). */
int vbox_is_progress_line(const char *line);

/* ---- version --------------------------------------------------------- */

typedef struct vbox_version {
    int major, minor, patch;
    char suffix[32]; /* "_Ubuntu", "_OSE", "" */
    unsigned long revision;
} vbox_version;

/* "7.0.14r161095" or "6.1.38_Ubuntur153438" (trailing newline allowed). */
int vbox_parse_version(const char *text, vbox_version *out);

#endif
