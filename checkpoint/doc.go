// Package checkpoint saves and restores every variable of a GoMLX store (model weights,
// optimizer moments, EMA, RNG state, step) in one file per checkpoint, written atomically:
// a temp file in the same directory, fsynced, then renamed, so a crash never leaves a
// broken "latest" checkpoint behind.
//
// Format v3 (today's) is safetensors (safetensors.go): any safetensors reader opens it; the
// run metadata and a CRC32C checksum of every tensor and of the header are in the header's
// __metadata__. Load checks every tensor's shape before allocating it and verifies every
// checksum. Files of earlier tfvision versions (".tfvckpt": gob header, v2 with checksums,
// v1 without) still load (legacy.go); v1 unverified.
//
// A checkpoint is tensors plus metadata (label.Class for the class table): it must not
// import vision, imagenet, augment, train, eval, configs, run or predict, so that export,
// timm-import and any Go program can read one without the rest.
package checkpoint
