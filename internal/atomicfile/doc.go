// Package atomicfile writes files so readers and crashes never see a partial one: the
// content goes to a temp file in the same directory, which is renamed over the target
// only once complete.
//
// It imports nothing of tfvision: checkpoint, imagenet, train and the CLI all write through it.
package atomicfile
