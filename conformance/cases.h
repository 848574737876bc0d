/*
 * cases.h: every case function of the catalog (one per matrix case id;
 * the id "feature.snapshots.restore" is vc_case_feature_snapshots_restore).
 */
#ifndef VC_CASES_H
#define VC_CASES_H

#include "case.h"

/* X(function suffix, "id", flags, "summary") */
#define VC_CASE_LIST(X)                                                        \
    X(defaults_default_driver, "defaults.default_driver", VC_CASE_HOST | VC_CASE_PRIVATE, "local.driver unset: the host's default driver is in effect") \
    X(defaults_edition_detection, "defaults.edition_detection", VC_CASE_HOST | VC_CASE_PRIVATE, "the Windows EditionID picks the edition and so the default") \
    X(defaults_invalid_stored_value, "defaults.invalid_stored_value", VC_CASE_HOST | VC_CASE_PRIVATE, "a stored value invalid here falls back to the default with a warning, unrewritten") \
    X(defaults_retired_refused, "defaults.retired_refused", VC_CASE_HOST | VC_CASE_PRIVATE, "each retired driver is refused, naming the release") \
    X(setting_select_driver, "setting.select_driver", VC_CASE_HOST | VC_CASE_PRIVATE, "local.driver accepts offered drivers and refuses the others with the reason") \
    X(setting_get_set_roundtrip, "setting.get_set_roundtrip", VC_CASE_HOST | VC_CASE_PRIVATE, "get returns what set stored") \
    X(setting_lowercase, "setting.lowercase", VC_CASE_HOST | VC_CASE_PRIVATE, "values are lower-cased") \
    X(setting_aliases, "setting.aliases", VC_CASE_HOST | VC_CASE_PRIVATE, "hyper-v means hyperv, vbox means virtualbox") \
    X(setting_unknown_driver_refused, "setting.unknown_driver_refused", VC_CASE_HOST | VC_CASE_PRIVATE, "an unknown driver is refused with the valid choices") \
    X(setting_persisted, "setting.persisted", VC_CASE_HOST | VC_CASE_PRIVATE, "the value survives a new process") \
    X(scope_new_scope_empty, "scope.new_scope_empty", VC_CASE_PRIVATE, "a newly selected driver starts with an empty scope") \
    X(scope_same_name_two_scopes, "scope.same_name_two_scopes", VC_CASE_PRIVATE, "one name can exist in two scopes") \
    X(scope_no_cross_effect, "scope.no_cross_effect", VC_CASE_PRIVATE, "nothing done in one scope touches another") \
    X(scope_restore_running, "scope.restore_running", VC_CASE_PRIVATE, "a running instance runs again after switching back") \
    X(scope_restore_suspended, "scope.restore_suspended", VC_CASE_PRIVATE, "a suspended instance is suspended after switching back") \
    X(scope_restore_stopped, "scope.restore_stopped", VC_CASE_PRIVATE, "a stopped instance is stopped after switching back") \
    X(scope_survives_restart, "scope.survives_restart", VC_CASE_PRIVATE, "scopes and the setting survive a new process") \
    X(lifecycle_create_delete, "lifecycle.create_delete", 0, "create, list, duplicate refused, delete") \
    X(lifecycle_start_stop, "lifecycle.start_stop", 0, "start, stop, start again") \
    X(lifecycle_stop_idempotent, "lifecycle.stop_idempotent", 0, "stopping a stopped instance succeeds") \
    X(lifecycle_force_stop, "lifecycle.force_stop", 0, "a forced stop powers off") \
    X(lifecycle_state_reported, "lifecycle.state_reported", 0, "state and info agree") \
    X(lifecycle_list_info, "lifecycle.list_info", 0, "list and info show what was created") \
    X(lifecycle_wrong_state, "lifecycle.wrong_state", 0, "wrong-state operations answer E_STATE") \
    X(lifecycle_unknown_instance, "lifecycle.unknown_instance", 0, "unknown instances answer E_NOTFOUND") \
    X(lifecycle_unknown_flags, "lifecycle.unknown_flags", 0, "every operation refuses unknown flag bits") \
    X(feature_native_mounts_mount_umount, "feature.native_mounts.mount_umount", 0, "mount and unmount a host folder") \
    X(feature_native_mounts_read_write_in_guest, "feature.native_mounts.read_write_in_guest", 0, "a mounted folder is read and written from inside the guest") \
    X(feature_native_mounts_survives_suspend, "feature.native_mounts.survives_suspend", 0, "a mount works again after suspend and resume") \
    X(feature_extra_networks_list, "feature.extra_networks.list", 0, "the host's networks are listed") \
    X(feature_extra_networks_add, "feature.extra_networks.add", 0, "a listed network is attached to a stopped instance") \
    X(feature_snapshots_take_list_delete, "feature.snapshots.take_list_delete", 0, "take, list and delete snapshots") \
    X(feature_snapshots_restore, "feature.snapshots.restore", 0, "restore a snapshot") \
    X(feature_snapshots_restore_guest_content, "feature.snapshots.restore_guest_content", 0, "a restored snapshot brings back what the guest had") \
    X(feature_snapshots_offline, "feature.snapshots.offline", 0, "snapshots of a stopped instance") \
    X(feature_suspend_suspend_resume, "feature.suspend.suspend_resume", 0, "suspend, then start resumes") \
    X(feature_suspend_memory_preserved, "feature.suspend.memory_preserved", 0, "a resumed guest still has its memory") \
    X(feature_suspend_suspend_stopped_refused, "feature.suspend.suspend_stopped_refused", 0, "suspending a stopped instance answers E_STATE") \
    X(feature_guest_exec_run, "feature.guest_exec.run", 0, "a command runs in the guest and its output comes back") \
    X(feature_guest_exec_exit_status, "feature.guest_exec.exit_status", 0, "the guest command's exit status comes back") \
    X(migration_stopped_migrated, "migration.stopped_migrated", VC_CASE_HOST | VC_CASE_PRIVATE, "stopped Hyperkit instances move to the qemu scope") \
    X(migration_disk_repaired, "migration.disk_repaired", VC_CASE_HOST | VC_CASE_PRIVATE, "the copied disk went through qemu-img check -r all") \
    X(migration_running_left_alone, "migration.running_left_alone", VC_CASE_HOST | VC_CASE_PRIVATE, "running and deleted Hyperkit instances are left and reported") \
    X(migration_name_clash_left_alone, "migration.name_clash_left_alone", VC_CASE_HOST | VC_CASE_PRIVATE, "an instance whose name is taken in qemu is left and reported") \
    X(migration_originals_kept, "migration.originals_kept", VC_CASE_HOST | VC_CASE_PRIVATE, "the Hyperkit records and disks are untouched by a migration") \
    X(migration_dry_run, "migration.dry_run", VC_CASE_HOST | VC_CASE_PRIVATE, "a dry run reports and writes nothing")

#define X(fn, id, flags, summary) vc_obs vc_case_##fn(vc_t *t);
VC_CASE_LIST(X)
#undef X

#endif
