#pragma once
// Purpose-built broken upgraders (tests only, never shipped): the `safe` procedure with one
// deliberate flaw each, so that every oracle has a policy that trips it while `safe` does
// not. Registered as "flawed-<flaw>" (see flaw_name).
#include <string>
#include <vector>

namespace testing_support {

enum class Flaw {
  LeavesTrigger,             // removes the batch's files but not the manifest (clean-completion)
  UnstagesBeforeSave,        // removes staging before the snapshot is durable (lost-upgrade)
  QuarantinesOneTryEarly,    // gives up after max_tries - 1 failures (bounded-retry)
  QuarantinesOneTryLate,     // gives up after max_tries + 1 failures (bounded-retry)
  RefusesGoodBatch,          // rejects every batch as if its checksums were wrong (refused-good-batch)
  SavesTwice,                // saves the snapshot twice per upgrade (clean-completion)
  InstallsAllButLast,        // forgets the last package of the batch (eventual-upgrade)
  UnlinksSnapshotFirst,      // deletes the old snapshot before renaming the new one in (restart-fidelity)
  TruncatesSnapshotInPlace,  // rewrites the snapshot in place: truncate, then write (cannot-boot)
  InstallsTornMethod,        // installs a method with its last step missing (torn-package)
  ExpiresLiveSessions,       // housekeeping drops every session, idle or not (lost-session)
  HoldsRequestsForItsBuild,  // builds above request priority and takes seconds (pause-budget)
  // Flaws only a harsh crash model catches (docs/crash-model.md):
  SkipsSnapshotDirFsync,     // renames the snapshot in without fsyncing its directory (per-directory durability)
  RetriesFailedFsync,        // retries an fsync that failed and trusts it (fsyncgate)
  KeepsOneSnapshotCopy,      // one copy of the image (media faults)
  CountsTriesInMemory,       // forgets its failed tries at every restart (power cuts while retrying)
  ResavesImageAtBoot,        // rewrites its one image in place on its first poll after a boot (crash during recovery)
  UnstagesFilesBeforeManifest,  // removes the files, then the manifest, with one directory fsync (crash states)
  OverwritesSnapshotInPlace, // writes its one image over the old one in a single write, then fsyncs (a torn write in flight)
  UnstagesAfterFailedSave,   // a save that fails (ENOSPC, EIO) still counts as done: the batch is unstaged (a full disk)
  InstallsInManifestOrder,   // trusts the manifest's order as a dependency order (refused-good-batch)
  InstallsInNameOrder,       // installs the batch sorted by file name (refused-good-batch)
  LoadsWholeDirectory,       // the batch is every staged package file, not the manifest's (eventual-upgrade)
  BuildsAtRequestPriority,   // builds aside at request priority, one yield per package: a big
                             // release stalls requests interleaved with it (pause-budget on large-release)
  // Flaws only several deploys in one run catch (N -> N+1 -> N+2):
  ReinstallsFirstBatch,      // keeps the batch it first installed and installs it again for every later
                             // trigger (the trigger's name never changes): eventual-upgrade, liveness
  // A production image with a hot fix typed into it (issue 14, "basically read only"):
  OverwritesLocalChangesSilently,  // publishes over a method typed into the image without naming it (lost-local-change)
  // Flaws only several images catch (issue 14):
  IgnoresOtherImages,        // with staging shared by a cluster, unstages the batch once it has
                             // installed it, as if it were alone: the other images never get it (converged)
  SavesBeforeInstalling,     // on finding a manifest, sets it aside and saves a backup of the image, and
                             // installs at its next poll: to a rolling upgrade's script the image looks
                             // upgraded and goes back in service before it installs (drained-upgrade)
};

std::string flaw_name(Flaw flaw);  // "flawed-leaves-trigger", ...
std::vector<Flaw> all_flaws();
// Registers every flawed policy with upgrader::register_policy (idempotent).
void register_flawed_policies();

}  // namespace testing_support
