// Package label is the one type every layer uses for a class: the dataset's listing
// (imagenet), a checkpoint's saved class table, a run's classes and predict's output all
// hold label.Class values, so nothing converts between look-alike types.
//
// It imports nothing of tfvision, so any package may depend on it: it must not import
// vision, imagenet, augment, train, eval, checkpoint, configs, run, predict or cmd.
package label
