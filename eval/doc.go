// Package eval measures a trained model: top-1/top-5/loss over a labelled split with the
// eval transform, per-class accuracy, throughput, and where the result sits next to the
// published ViT/DeiT/TokenFormer numbers. Its Predictor is also what `tfvision predict`
// and training-time validation run, so all three agree on preprocessing and batching.
package eval
