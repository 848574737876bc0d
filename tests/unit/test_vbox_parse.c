/*
 * test_vbox_parse.c: the VBoxManage output readers (drivers/virtualbox/
 * vbox_parse.c) against recorded outputs in tests/data/vbox/, each file
 * read in its LF form and its CRLF form (as VBoxManage prints on Windows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vbox_parse.h"
#include "vmdrv_config.h"
#include "vu_fs.h"
#include "vu_str.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *const endings[] = {"txt", "crlf.txt"};

/* tests/data/vbox/<base>.<ext>, read whole; owned. */
static char *load(const char *base, const char *ext)
{
    const char *src = getenv("VMDRV_SOURCE_DIR");
    char *path = vu_asprintf("%s/tests/data/vbox/%s.%s",
                             src && *src ? src : VMDRV_SOURCE_DIR, base, ext);
    char *data = NULL;
    size_t len = 0;
    if (vu_read_file(path, &data, &len) != 0)
        fail_msg("cannot read test data '%s'", path);
    free(path);
    return data;
}

static void parse_mr(const char *text, vbox_mr *mr)
{
    char err[256] = "";
    memset(mr, 0, sizeof *mr);
    if (vbox_mr_parse(text, mr, err, sizeof err) != 0)
        fail_msg("machine-readable parse failed: %s", err);
}

/* ---- text ------------------------------------------------------------- */

static void test_vbox_parse__crlf_to_lf_keeps_lone_cr(void **state)
{
    (void)state;
    char s[] = "a\r\nb\rc\r\n\r\n";
    assert_string_equal(vbox_crlf_to_lf(s), "a\nb\rc\n\n");
}

/* ---- showvminfo --machinereadable ------------------------------------ */

static void test_vbox_parse__showvminfo_quoting_rules(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("showvminfo-poweroff", endings[e]);
        vbox_mr mr;
        parse_mr(text, &mr);
        assert_string_equal(vbox_mr_get(&mr, "name"), "web1");
        assert_string_equal(vbox_mr_get(&mr, "VMState"), "poweroff");
        /* unquoted numbers and quoted ones are both accepted */
        assert_string_equal(vbox_mr_get(&mr, "memory"), "1024");
        assert_string_equal(vbox_mr_get(&mr, "cpus"), "2");
        assert_string_equal(vbox_mr_get(&mr, "storagecontrollerportcount0"),
                            "2");
        /* a quoted key, and a value with spaces */
        assert_string_equal(vbox_mr_get(&mr, "SATA_0-0-0"),
                            "/home/u/VirtualBox VMs/web1/disk.vdi");
        assert_string_equal(vbox_mr_get(&mr, "key=with equals"), "v");
        /* \" and \\ are unescaped */
        assert_string_equal(vbox_mr_get(&mr, "description"),
                            "a \"quoted\" word and a C:\\path");
        /* an unset property is printed bare */
        assert_string_equal(vbox_mr_get(&mr, "vrdeproperty[TCP/Address]"),
                            "<not set>");
        assert_string_equal(vbox_mr_get(&mr, "Forwarding(0)"),
                            "ssh,tcp,,2222,,22");
        assert_string_equal(vbox_mr_get(&mr, "uartmode1"),
                            "file,/tmp/web1.log");
        /* real quirks: text after a quoted value, "==", a bare line */
        assert_string_equal(vbox_mr_get(&mr, "VideoMode"), "1024,768,32");
        assert_string_equal(vbox_mr_get(&mr, "VRDEClients"), "=0");
        assert_null(vbox_mr_get(&mr, " rec_screen0"));
        assert_string_equal(vbox_mr_get(&mr, "rec_screen_enabled"), "on");
        assert_null(vbox_mr_get(&mr, "VMStateFile"));
        /* quoted flag: memory bare, name quoted */
        for (size_t i = 0; i < mr.n; i++) {
            if (strcmp(mr.items[i].key, "memory") == 0)
                assert_int_equal(mr.items[i].quoted, 0);
            if (strcmp(mr.items[i].key, "name") == 0)
                assert_int_equal(mr.items[i].quoted, 1);
        }
        /* no \r survives in any key or value */
        for (size_t i = 0; i < mr.n; i++) {
            assert_null(strchr(mr.items[i].key, '\r'));
            assert_null(strchr(mr.items[i].value, '\r'));
        }
        vbox_mr_clear(&mr);
        free(text);
    }
}

static void
test_vbox_parse__showvminfo_aborted_saved_windows_paths(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("showvminfo-aborted-saved", endings[e]);
        vbox_mr mr;
        parse_mr(text, &mr);
        const char *vmstate = vbox_mr_get(&mr, "VMState");
        assert_string_equal(vmstate, "aborted-saved");
        vmdrv_state st;
        int transient = -1;
        assert_int_equal(vbox_state_from_name(vmstate, &st, &transient), 0);
        assert_int_equal(st, VMDRV_STATE_SUSPENDED);
        assert_int_equal(transient, 0);
        assert_string_equal(vbox_mr_get(&mr, "name"), "db 2");
        assert_string_equal(vbox_mr_get(&mr, "CfgFile"),
                            "C:\\Users\\u\\VirtualBox VMs\\db 2\\db 2.vbox");
        assert_string_equal(vbox_mr_get(&mr, "bridgeadapter2"),
                            "en0: Wi-Fi (AirPort)");
        /* the snapshot keys at the end of showvminfo */
        vbox_snaps snaps;
        char err[128];
        memset(&snaps, 0, sizeof snaps);
        assert_int_equal(vbox_snapshots_from_mr(&mr, &snaps, err, sizeof err),
                         0);
        assert_int_equal(snaps.n, 2);
        assert_string_equal(snaps.items[0].name, "s1");
        assert_string_equal(snaps.items[0].parent, "");
        assert_string_equal(snaps.items[0].description, "first");
        assert_int_equal(snaps.items[0].current, 0);
        assert_string_equal(snaps.items[1].name, "s2");
        assert_string_equal(snaps.items[1].parent, "s1");
        assert_string_equal(snaps.items[1].uuid,
                            "871d6b85-d11c-4969-8433-c4a143dba4d8");
        assert_int_equal(snaps.items[1].current, 1);
        vbox_snaps_clear(&snaps);
        vbox_mr_clear(&mr);
        free(text);
    }
}

static void test_vbox_parse__showvminfo_inaccessible_has_no_state(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("showvminfo-inaccessible", endings[e]);
        vbox_mr mr;
        parse_mr(text, &mr);
        assert_int_equal(mr.n, 2);
        assert_string_equal(vbox_mr_get(&mr, "name"), "<inaccessible>");
        assert_null(vbox_mr_get(&mr, "VMState"));
        vbox_mr_clear(&mr);
        free(text);
    }
}

static void test_vbox_parse__showvminfo_unterminated_quote_fails(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("showvminfo-unterminated", endings[e]);
        vbox_mr mr;
        char err[256] = "";
        memset(&mr, 0, sizeof mr);
        assert_int_equal(vbox_mr_parse(text, &mr, err, sizeof err), -1);
        assert_string_equal(err, "line 2: text after the closing quote of "
                                 "'name'");
        vbox_mr_clear(&mr);
        free(text);
    }
    vbox_mr mr;
    char err[256] = "";
    memset(&mr, 0, sizeof mr);
    assert_int_equal(
        vbox_mr_parse("a=\"1\"\nb=\"never closed\n", &mr, err, sizeof err), -1);
    assert_string_equal(err, "line 2: unterminated quoted value of 'b'");
    vbox_mr_clear(&mr);
}

/* ---- VMState ---------------------------------------------------------- */

static void test_vbox_parse__every_vmstate_maps(void **state)
{
    (void)state;
    /* every short name of machineStateToName(), and what it means */
    static const struct {
        const char *name;
        vmdrv_state st;
        int transient;
    } want[] = {
        {"poweroff", VMDRV_STATE_STOPPED, 0},
        {"saved", VMDRV_STATE_SUSPENDED, 0},
        {"aborted", VMDRV_STATE_STOPPED, 0},
        {"aborted-saved", VMDRV_STATE_SUSPENDED, 0},
        {"running", VMDRV_STATE_RUNNING, 0},
        {"paused", VMDRV_STATE_RUNNING, 0},
        {"gurumeditation", VMDRV_STATE_UNKNOWN, 0},
        {"teleported", VMDRV_STATE_STOPPED, 0},
        {"starting", VMDRV_STATE_STARTING, 1},
        {"stopping", VMDRV_STATE_RUNNING, 1},
        {"saving", VMDRV_STATE_SUSPENDING, 1},
        {"restoring", VMDRV_STATE_STARTING, 1},
        {"teleporting", VMDRV_STATE_RUNNING, 1},
        {"teleportingpausedvm", VMDRV_STATE_RUNNING, 1},
        {"teleportingin", VMDRV_STATE_STARTING, 1},
        {"livesnapshotting", VMDRV_STATE_RUNNING, 1},
        {"onlinesnapshotting", VMDRV_STATE_RUNNING, 1},
        {"deletingsnapshotlive", VMDRV_STATE_RUNNING, 1},
        {"deletingsnapshotlivepaused", VMDRV_STATE_RUNNING, 1},
        {"restoringsnapshot", VMDRV_STATE_STOPPED, 1},
        {"deletingsnapshot", VMDRV_STATE_STOPPED, 1},
        {"settingup", VMDRV_STATE_STOPPED, 1},
        {"snapshotting", VMDRV_STATE_STOPPED, 1},
    };
    size_t n = sizeof want / sizeof want[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t e = 0; e < 2; e++) {
            /* through the whole reader, as showvminfo prints it */
            char *text =
                vu_asprintf("name=\"x\"%sVMState=\"%s\"%s", e ? "\r\n" : "\n",
                            want[i].name, e ? "\r\n" : "\n");
            vbox_mr mr;
            parse_mr(text, &mr);
            vmdrv_state st = VMDRV_STATE_OFF;
            int transient = -1;
            if (vbox_state_from_name(vbox_mr_get(&mr, "VMState"), &st,
                                     &transient) != 0)
                fail_msg("VMState '%s' not recognised", want[i].name);
            if (st != want[i].st || transient != want[i].transient)
                fail_msg("VMState '%s' maps to %s/%d, want %s/%d", want[i].name,
                         vmdrv_state_name(st), transient,
                         vmdrv_state_name(want[i].st), want[i].transient);
            vbox_mr_clear(&mr);
            free(text);
        }
    }
    /* and the driver's table has exactly these */
    size_t count = 0;
    while (vbox_state_name_at(count))
        count++;
    assert_int_equal(count, n);
}

static void test_vbox_parse__unknown_vmstate_is_unknown(void **state)
{
    (void)state;
    vmdrv_state st = VMDRV_STATE_RUNNING;
    int transient = 5;
    assert_int_equal(vbox_state_from_name("hibernating", &st, &transient), -1);
    assert_int_equal(st, VMDRV_STATE_UNKNOWN);
    assert_int_equal(transient, 0);
    /* only [a-z-]+: no case folding, no trailing junk */
    assert_int_equal(vbox_state_from_name("PowerOff", &st, NULL), -1);
    assert_int_equal(vbox_state_from_name("poweroff\r", &st, NULL), -1);
    assert_int_equal(vbox_state_from_name("", &st, NULL), -1);
    assert_int_equal(vbox_state_from_name(NULL, &st, NULL), -1);
    /* the hyphen matters: "aborted" alone is another state */
    assert_int_equal(vbox_state_from_name("aborted", &st, NULL), 0);
    assert_int_equal(st, VMDRV_STATE_STOPPED);
}

/* ---- list vms --------------------------------------------------------- */

static void test_vbox_parse__list_vms_names_with_spaces_and_quotes(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("list-vms", endings[e]);
        vbox_vms vms;
        char err[256] = "";
        memset(&vms, 0, sizeof vms);
        assert_int_equal(vbox_parse_list_vms(text, &vms, err, sizeof err), 0);
        assert_int_equal(vms.n, 4);
        assert_string_equal(vms.items[0].name, "ubuntu-22");
        assert_string_equal(vms.items[0].uuid,
                            "05a04fa0-1c9e-4bd2-9f0a-0c2a8a6b1234");
        assert_string_equal(vms.items[1].name, "my VM with spaces");
        assert_string_equal(vms.items[2].name, "odd \"quoted\" {name}");
        assert_string_equal(vms.items[2].uuid,
                            "93a6a9ba-9223-4b77-a8cf-80213439aaae");
        assert_string_equal(vms.items[3].name, "<inaccessible>");
        vbox_vms_clear(&vms);
        free(text);
    }
}

static void test_vbox_parse__list_vms_empty_and_malformed(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("list-vms-empty", endings[e]);
        vbox_vms vms;
        memset(&vms, 0, sizeof vms);
        assert_int_equal(vbox_parse_list_vms(text, &vms, NULL, 0), 0);
        assert_int_equal(vms.n, 0);
        vbox_vms_clear(&vms);
        free(text);
    }
    vbox_vms vms;
    char err[256] = "";
    memset(&vms, 0, sizeof vms);
    assert_int_equal(vbox_parse_list_vms("\"a\" {1}\nno quotes {2}\n", &vms,
                                         err, sizeof err),
                     -1);
    assert_string_equal(
        err, "line 2: expected '\"NAME\" {UUID}', got 'no quotes {2}'");
    vbox_vms_clear(&vms);
}

/* ---- list bridgedifs -------------------------------------------------- */

static void test_vbox_parse__bridgedifs_macos_names_split(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("bridgedifs-macos", endings[e]);
        vbox_bridgedifs ifs;
        char err[256] = "";
        memset(&ifs, 0, sizeof ifs);
        assert_int_equal(vbox_parse_bridgedifs(text, &ifs, err, sizeof err), 0);
        assert_int_equal(ifs.n, 2);
        assert_string_equal(ifs.items[0].name, "en0: Wi-Fi (AirPort)");
        assert_string_equal(ifs.items[0].ifname, "en0");
        assert_string_equal(ifs.items[0].description, "Wi-Fi (AirPort)");
        assert_string_equal(ifs.items[0].medium, "Ethernet");
        assert_int_equal(ifs.items[0].wireless, 1);
        assert_string_equal(ifs.items[0].status, "Up");
        assert_string_equal(ifs.items[0].hwaddr, "a4:83:e7:00:11:22");
        assert_string_equal(ifs.items[0].ipaddr, "192.168.1.20");
        assert_string_equal(ifs.items[1].ifname, "en1");
        assert_string_equal(ifs.items[1].description, "Thunderbolt 1");
        assert_int_equal(ifs.items[1].wireless, 0);
        assert_string_equal(ifs.items[1].status, "Down");
        vbox_bridgedifs_clear(&ifs);
        free(text);
    }
}

static void
test_vbox_parse__bridgedifs_windows_and_linux_names_whole(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("bridgedifs-windows", endings[e]);
        vbox_bridgedifs ifs;
        memset(&ifs, 0, sizeof ifs);
        assert_int_equal(vbox_parse_bridgedifs(text, &ifs, NULL, 0), 0);
        assert_int_equal(ifs.n, 2);
        assert_string_equal(ifs.items[0].name,
                            "Intel(R) Ethernet Connection I219-V");
        assert_string_equal(ifs.items[0].ifname,
                            "Intel(R) Ethernet Connection I219-V");
        assert_string_equal(ifs.items[0].description,
                            "Intel(R) Ethernet Connection I219-V");
        assert_int_equal(ifs.items[1].wireless, 1);
        vbox_bridgedifs_clear(&ifs);
        free(text);

        /* the last block without a trailing blank line still counts */
        text = load("bridgedifs-linux", endings[e]);
        memset(&ifs, 0, sizeof ifs);
        assert_int_equal(vbox_parse_bridgedifs(text, &ifs, NULL, 0), 0);
        assert_int_equal(ifs.n, 1);
        assert_string_equal(ifs.items[0].name, "eth0");
        assert_string_equal(ifs.items[0].ifname, "eth0");
        vbox_bridgedifs_clear(&ifs);
        free(text);
    }
}

static void test_vbox_parse__bridgedifs_block_without_name_fails(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("bridgedifs-noname", endings[e]);
        vbox_bridgedifs ifs;
        char err[256] = "";
        memset(&ifs, 0, sizeof ifs);
        assert_int_equal(vbox_parse_bridgedifs(text, &ifs, err, sizeof err),
                         -1);
        assert_string_equal(err, "line 2: interface block without a Name: "
                                 "line");
        vbox_bridgedifs_clear(&ifs);
        free(text);
    }
}

/* ---- snapshot list ---------------------------------------------------- */

static void test_vbox_parse__snapshot_tree(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("snapshot-list-mr", endings[e]);
        vbox_mr mr;
        vbox_snaps snaps;
        char err[256] = "";
        parse_mr(text, &mr);
        memset(&snaps, 0, sizeof snaps);
        assert_int_equal(vbox_snapshots_from_mr(&mr, &snaps, err, sizeof err),
                         0);
        assert_int_equal(snaps.n, 4);
        assert_string_equal(snaps.items[0].name, "base");
        assert_string_equal(snaps.items[0].parent, "");
        assert_string_equal(snaps.items[1].name, "after-update");
        assert_string_equal(snaps.items[1].parent, "base");
        /* a description keeps its line break, as LF in both forms */
        assert_string_equal(snaps.items[1].description,
                            "two lines:\napt upgrade done");
        assert_string_equal(snaps.items[2].name, "tuned");
        assert_string_equal(snaps.items[2].parent, "after-update");
        assert_int_equal(snaps.items[2].current, 1);
        assert_string_equal(snaps.items[3].name, "other-branch");
        assert_string_equal(snaps.items[3].parent, "base");
        assert_int_equal(snaps.items[3].current, 0);
        assert_string_equal(snaps.items[3].description, "");
        vbox_snaps_clear(&snaps);
        vbox_mr_clear(&mr);
        free(text);
    }
}

static void test_vbox_parse__snapshot_orphan_fails(void **state)
{
    (void)state;
    char *text = load("snapshot-list-orphan", "crlf.txt");
    vbox_mr mr;
    vbox_snaps snaps;
    char err[256] = "";
    parse_mr(text, &mr);
    memset(&snaps, 0, sizeof snaps);
    assert_int_equal(vbox_snapshots_from_mr(&mr, &snaps, err, sizeof err), -1);
    assert_string_equal(err, "snapshot node 'SnapshotName-1-1' has no parent "
                             "'SnapshotName-1'");
    vbox_snaps_clear(&snaps);
    vbox_mr_clear(&mr);
    free(text);
}

static void test_vbox_parse__no_snapshots_answer(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("snapshot-list-none", endings[e]);
        assert_int_equal(vbox_is_no_snapshots(text), 1);
        free(text);
        text = load("snapshot-list-mr", endings[e]);
        assert_int_equal(vbox_is_no_snapshots(text), 0);
        free(text);
    }
    assert_int_equal(vbox_is_no_snapshots(""), 0);
}

/* ---- errors ----------------------------------------------------------- */

static void check_error(const char *file, int exit_status, const char *message,
                        const char *code_name, unsigned long code, int status)
{
    for (size_t e = 0; e < 2; e++) {
        char *text = load(file, endings[e]);
        vbox_error ve;
        vbox_parse_error(text, &ve);
        assert_string_equal(ve.message, message);
        assert_string_equal(ve.code_name, code_name);
        assert_int_equal(ve.code, code);
        assert_int_equal(vbox_error_status(&ve, exit_status), status);
        free(text);
    }
}

static void test_vbox_parse__error_object_not_found(void **state)
{
    (void)state;
    check_error("error-notfound", 1,
                "Could not find a registered machine named 'vmname'",
                "VBOX_E_OBJECT_NOT_FOUND", 0x80bb0001ul, VMDRV_E_NOTFOUND);
    /* Windows: "VBoxManage.exe:" prefix, no callee, old component name */
    check_error("error-notfound-windows", 1,
                "Could not find a registered machine named 'vmname'",
                "VBOX_E_OBJECT_NOT_FOUND", 0x80bb0001ul, VMDRV_E_NOTFOUND);
}

static void test_vbox_parse__error_states(void **state)
{
    (void)state;
    check_error("error-locked", 1,
                "The machine 'web1' is already locked by a session (or being "
                "locked or unlocked)",
                "VBOX_E_INVALID_OBJECT_STATE", 0x80bb0007ul, VMDRV_E_STATE);
    check_error("error-notrunning", 1,
                "Machine 'web1' is not currently running.", "", 0,
                VMDRV_E_STATE);
}

static void test_vbox_parse__error_after_progress(void **state)
{
    (void)state;
    check_error("error-after-progress", 1, "Failed to save the machine state",
                "NS_ERROR_FAILURE", 0x80004005ul, VMDRV_E_TOOL);
}

static void test_vbox_parse__error_usage_is_tool_failure(void **state)
{
    (void)state;
    check_error("error-syntax", 2, "Invalid parameter '--bogus'", "", 0,
                VMDRV_E_TOOL);
}

static void test_vbox_parse__progress_is_not_an_error(void **state)
{
    (void)state;
    for (size_t e = 0; e < 2; e++) {
        char *text = load("progress", endings[e]);
        vbox_error ve;
        vbox_parse_error(text, &ve);
        assert_int_equal(ve.found, 0);
        assert_string_equal(ve.message, "");
        free(text);
    }
    assert_int_equal(vbox_is_progress_line("0%...10%...100%"), 1);
    assert_int_equal(vbox_is_progress_line("0%...10%..."), 1);
    assert_int_equal(vbox_is_progress_line("100%"), 1);
    assert_int_equal(vbox_is_progress_line("10 %"), 0);
    assert_int_equal(vbox_is_progress_line("Progress state: X"), 0);
    assert_int_equal(vbox_is_progress_line(""), 0);
}

static void test_vbox_parse__error_ignores_line_numbers(void **state)
{
    (void)state;
    char *a = load("error-locked", "txt");
    char *b = vu_strdup(a);
    char *at = strstr(b, "at line 881");
    assert_non_null(at);
    memcpy(at, "at line 999", 11);
    vbox_error ea, eb;
    vbox_parse_error(a, &ea);
    vbox_parse_error(b, &eb);
    assert_string_equal(ea.message, eb.message);
    assert_string_equal(ea.code_name, eb.code_name);
    assert_int_equal(vbox_error_status(&ea, 1), vbox_error_status(&eb, 1));
    free(a);
    free(b);
}

/* ---- version ---------------------------------------------------------- */

static void test_vbox_parse__version_strings(void **state)
{
    (void)state;
    vbox_version v;
    assert_int_equal(vbox_parse_version("7.0.14r161095\n", &v), 0);
    assert_int_equal(v.major, 7);
    assert_int_equal(v.minor, 0);
    assert_int_equal(v.patch, 14);
    assert_string_equal(v.suffix, "");
    assert_int_equal(v.revision, 161095);
    assert_int_equal(vbox_parse_version("6.1.38_Ubuntur153438\r\n", &v), 0);
    assert_int_equal(v.major, 6);
    assert_int_equal(v.patch, 38);
    assert_string_equal(v.suffix, "_Ubuntu");
    assert_int_equal(v.revision, 153438);
    assert_int_equal(vbox_parse_version("7.1.4_OSEr165100", &v), 0);
    assert_string_equal(v.suffix, "_OSE");
    assert_int_equal(vbox_parse_version("7.0r1", &v), -1);
    assert_int_equal(vbox_parse_version("Oracle VM VirtualBox 7.0.14", &v), -1);
    assert_int_equal(vbox_parse_version("", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vbox_parse__crlf_to_lf_keeps_lone_cr),
        cmocka_unit_test(test_vbox_parse__showvminfo_quoting_rules),
        cmocka_unit_test(
            test_vbox_parse__showvminfo_aborted_saved_windows_paths),
        cmocka_unit_test(test_vbox_parse__showvminfo_inaccessible_has_no_state),
        cmocka_unit_test(test_vbox_parse__showvminfo_unterminated_quote_fails),
        cmocka_unit_test(test_vbox_parse__every_vmstate_maps),
        cmocka_unit_test(test_vbox_parse__unknown_vmstate_is_unknown),
        cmocka_unit_test(
            test_vbox_parse__list_vms_names_with_spaces_and_quotes),
        cmocka_unit_test(test_vbox_parse__list_vms_empty_and_malformed),
        cmocka_unit_test(test_vbox_parse__bridgedifs_macos_names_split),
        cmocka_unit_test(
            test_vbox_parse__bridgedifs_windows_and_linux_names_whole),
        cmocka_unit_test(test_vbox_parse__bridgedifs_block_without_name_fails),
        cmocka_unit_test(test_vbox_parse__snapshot_tree),
        cmocka_unit_test(test_vbox_parse__snapshot_orphan_fails),
        cmocka_unit_test(test_vbox_parse__no_snapshots_answer),
        cmocka_unit_test(test_vbox_parse__error_object_not_found),
        cmocka_unit_test(test_vbox_parse__error_states),
        cmocka_unit_test(test_vbox_parse__error_after_progress),
        cmocka_unit_test(test_vbox_parse__error_usage_is_tool_failure),
        cmocka_unit_test(test_vbox_parse__progress_is_not_an_error),
        cmocka_unit_test(test_vbox_parse__error_ignores_line_numbers),
        cmocka_unit_test(test_vbox_parse__version_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
