// Package configs is tfvision's single configuration type and its loader.
//
// A run is described by one YAML file (the ones in this folder are embedded in the binary
// and can be named without a path: `--config vit-b`), overridden by TFVISION_* environment
// variables (TFVISION_OPTIM_LR for optim.lr) and then by flags / `--set key=value`.
// Unknown keys and bad values are errors that name the key and what is allowed. The
// resolved config is saved in every run directory so eval, predict and resume rebuild the
// exact model from the directory alone.
//
// configs also turns a config into components (components.go: the train and eval
// transforms, the Mixup/CutMix mixer, the model in its precision), so train, eval,
// predict and the CLI read every key the same way. It knows no dataset layout, run
// directory or loop: it must not import imagenet, checkpoint, train, eval, run, predict or
// cmd.
package configs
