// Package backend picks and opens the GoMLX compute backend every tfvision command runs on.
//
// The default is XLA when a PJRT plugin is installed (CUDA first), otherwise the pure-Go
// backend. A backend the user names explicitly that fails to load is an error naming what
// was tried — never a silent fallback.
//
// It imports nothing of tfvision: every other package may open a backend through it, so
// it must not import vision, imagenet, augment, train, eval, checkpoint, configs, run,
// predict or cmd.
package backend
