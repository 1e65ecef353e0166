// Package runlock gives one process at a time a run directory: an exclusive flock on
// DIR/.lock, which the kernel releases when the process exits however it exits (no stale
// locks after a kill -9). The lock file records the holder's pid and command so a second
// process can name it.
//
// It imports nothing of tfvision: train and run take the lock through it.
package runlock
