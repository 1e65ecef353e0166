// Package eval measures a model: top-1/top-5/loss over a labelled split, per-class
// accuracy, precision/recall, the confusion matrix and ImageNet-ReaL top-1, throughput,
// and where the result sits next to the published ViT/DeiT/TokenFormer numbers (the
// baseline table, measured rows of other runs, the confusion heat map).
//
// Its Predictor (the model compiled for inference on fixed-size batches) is what
// `tfvision predict` and training-time validation run too, so all three agree on
// batching. eval takes a model, a store and a loader: it does not read configs or run
// directories (package run does), so train may use it for validation without a cycle.
// It must not import train, configs, checkpoint, run, predict, augment or cmd.
package eval
