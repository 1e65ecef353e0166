// Package eval measures a model: top-1/top-5/loss over a labelled split, per-class
// accuracy, precision/recall, the confusion matrix and ImageNet-ReaL top-1, throughput,
// and where the result sits next to the published ViT/DeiT/TokenFormer numbers (the
// baseline table, measured rows of other runs, the confusion heat map).
// EvaluateDataset is `tfvision eval` as a library call: a loaded run (package run) on a
// dataset directory, classes checked first.
//
// Its Predictor (the model compiled for inference on fixed-size batches) is what
// `tfvision predict` and training-time validation run too, so all three agree on
// batching. Training validates with eval, so eval must not import train (nor predict
// or cmd, which sit above it).
package eval
